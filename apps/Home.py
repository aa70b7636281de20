"""Entry of the IDA Leerplatform dashboard: page set-up and navigation."""

import streamlit as st

st.set_page_config(page_title="IDA Leerplatform", page_icon="🧭", layout="wide")

PAGES = [
    st.Page("pages/overzicht.py", title="Overzicht", icon="🗺️", default=True),
    st.Page("pages/aanleveren.py", title="Aanleveren", icon="📤"),
]

st.navigation(PAGES).run()

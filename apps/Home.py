"""Entry of the IDA Leerplatform dashboard: page set-up and navigation."""

from pathlib import Path

import streamlit as st

st.set_page_config(page_icon="🧭", layout="wide")  # each page's title becomes the window title

HERE = Path(__file__).parent

COMPARE = [
    st.Page("pages/overzicht.py", title="Overzicht", icon=":material/map:", default=True),
    st.Page("pages/vergelijken.py", title="Vergelijken", icon=":material/compare_arrows:"),
    st.Page("pages/lessen.py", title="Lessen", icon=":material/school:"),
    st.Page("pages/dilemmas.py", title="Dilemma's", icon=":material/balance:"),
    st.Page("pages/voorbij_experimenteren.py", title="Voorbij het experimenteren", icon=":material/trending_up:"),
    st.Page("pages/catalogus.py", title="Catalogus", icon=":material/menu_book:"),
]
DELIVER = [st.Page("pages/aanleveren.py", title="Aanleveren", icon=":material/upload:")]
if (HERE / "pages" / "te_classificeren.py").exists():
    DELIVER.append(st.Page("pages/te_classificeren.py", title="Te classificeren", icon=":material/label:"))

st.navigation({"Vergelijken en leren": COMPARE, "Gegevens": DELIVER}).run()

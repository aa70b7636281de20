"""Entry of the IDA Leerplatform dashboard: page set-up and navigation."""

import streamlit as st

st.set_page_config(page_icon="🧭", layout="wide")  # each page's title becomes the window title

COMPARE = [
    st.Page("views/overzicht.py", title="Overzicht", icon=":material/map:", default=True),
    st.Page("views/vergelijken.py", title="Vergelijken", icon=":material/compare_arrows:"),
    st.Page("views/lessen.py", title="Lessen", icon=":material/school:"),
    st.Page("views/dilemmas.py", title="Dilemma's", icon=":material/balance:"),
    st.Page("views/leeragenda.py", title="Leeragenda", icon=":material/checklist:"),
    st.Page("views/voorbij_experimenteren.py", title="Voorbij het experimenteren", icon=":material/trending_up:"),
    st.Page("views/volwassenheid.py", title="Volwassenheid", icon=":material/stairs:"),
    st.Page("views/catalogus.py", title="Catalogus", icon=":material/menu_book:"),
]
DELIVER = [
    st.Page("views/aanleveren.py", title="Aanleveren", icon=":material/upload:"),
    st.Page("views/te_classificeren.py", title="Te classificeren", icon=":material/label:"),
    st.Page("views/ingetrokken.py", title="Ingetrokken", icon=":material/undo:"),
    st.Page("views/beheer.py", title="Beheer", icon=":material/admin_panel_settings:"),
]

st.navigation({"Vergelijken en leren": COMPARE, "Gegevens": DELIVER}).run()

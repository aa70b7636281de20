"""Ingetrokken: the experiments and lessons the provinces withdrew, with their reasons — for the IPO coordinators.

A withdrawn record is gone from every other page and marked withdrawn in the CKAN catalogue (never deleted);
the reason is shown here only. Everything a province wrote is shown as plain text."""

import streamlit as st

from apps import queries
from apps.components import csv_download, md, number, require_data
from apps.queries import withdrawals

SHOWN = 10

st.title("Ingetrokken")
st.caption("Een provincie kan een eigen experiment of les intrekken, met een reden. Het verdwijnt dan van alle "
           "dashboards en staat in de catalogus als ingetrokken; het komt terug als een latere levering het weer "
           "bevat. Hier ziet u wat is ingetrokken, wanneer en waarom. Trekt een provincie een experiment in, dan gaan "
           "de lessen ervan mee.")
require_data()

provinces = queries.province_names()
chosen = st.multiselect("Provincie", list(provinces), format_func=provinces.get, key="ingetrokken_provincie",
                        placeholder="Alle provincies")
table = withdrawals.withdrawn(tuple(chosen))
cols = st.columns(2)
cols[0].metric("Ingetrokken experimenten", number((table["record_kind"] == "experiment").sum()))
cols[1].metric("Ingetrokken lessen", number((table["record_kind"] == "les").sum()),
               help="Ook de lessen van ingetrokken experimenten.")
if table.empty:
    st.text("Er is niets ingetrokken.")
    st.stop()
st.subheader("Nieuwste eerst")
for _, row in table.head(SHOWN).iterrows():
    with st.container(border=True):
        st.caption(f"{row['ingetrokken']:%d-%m-%Y} · {md(row['provincie'])} · {md(row['soort'].lower())} {md(row['id'])}")
        if row["experiment"]:
            st.text(f"Experiment: {row['experiment']}")
        if row["les"]:
            st.text(f"Les: {row['les']}")
        st.markdown("**Reden**")
        st.text(row["reden"])
if len(table) > SHOWN:
    st.caption(f"De {SHOWN} nieuwste van {number(len(table))}; alle staan in de tabel hieronder.")

shown = table.drop(columns=["record_kind", "province_code"])
with st.expander(f"Alle {number(len(table))} als tabel"):
    st.dataframe(shown, hide_index=True, width="stretch", key="ingetrokken", column_config={
        "ingetrokken": st.column_config.DateColumn("ingetrokken op", format="DD-MM-YYYY"),
        "les": st.column_config.TextColumn("les", width="large"),
        "reden": st.column_config.TextColumn("reden", width="large")})
    csv_download(shown, "ingetrokken.csv")

"""Vergelijken: one core task, IDA line or theme, and the provinces' approaches side by side."""

import altair as alt
import pandas as pd
import streamlit as st

from apps import queries
from apps.queries import compare
from apps.components import (PHASE_COLOURS, Report, as_list, csv_download, listed, md, number, numbers_behind, phase_badge,
                             phase_scale, report_button, require_data, rows_height, tile_map)

SHOWN_PER_PROVINCE = 3

st.title("Vergelijken")
st.caption("Kies een kerntaak, een IDA-spoor of een thema en zie hoe de provincies het aanpakken: hun experimenten, "
           "hoe ver die zijn, met wie, met welke gegevens, wat ze willen leren en wat het opleverde.")
slot = st.container()
require_data()

kinds = {"kerntaak": "Kerntaak", "spoor": "IDA-spoor", "thema": "Thema (vrije tekst)"}
kind = st.radio("Vergelijk op", list(kinds), format_func=kinds.get, horizontal=True, key="soort")
if kind == "kerntaak":
    core_tasks = queries.labels("kerntaken")
    value = st.selectbox("Kerntaak", list(core_tasks), format_func=core_tasks.get, key="kerntaak")
    shown_value = core_tasks[value]
elif kind == "spoor":
    lines = queries.labels("ida_sporen")
    value = st.selectbox("IDA-spoor", list(lines), format_func=lines.get, key="spoor")
    shown_value = lines[value]
else:
    value = st.text_input("Thema", key="thema", placeholder="bijvoorbeeld Snuffelfiets, stikstof, verkeersveiligheid",
                          help="Gezocht wordt in titel, samenvatting, opgave en trefwoorden; alle woorden moeten voorkomen.")
    shown_value = value.strip()
    if not shown_value:
        st.info("Typ een thema, bijvoorbeeld **Snuffelfiets** of **stikstof**, om de provincies te vergelijken.")
        st.stop()

selection = compare.Selection(kind, value)
experiments = compare.compared_experiments(selection)
per_province = compare.compared_per_province(selection)
filters = {"Vergelijk op": kinds[kind], kinds[kind]: shown_value}
report = Report(f"Vergelijking: {shown_value}", filters)

if experiments.empty:
    st.warning(f"Geen experimenten gevonden voor {md(kinds[kind].lower())} “{md(shown_value)}”. Probeer een ander of korter woord.")
    report_button(slot, report, "ida-vergelijking.html")
    st.stop()

involved = per_province[per_province["experiments"] > 0]
cols = st.columns(4)
cols[0].metric("Provincies", number(len(involved)))
cols[1].metric("Experimenten", number(len(experiments)))
cols[2].metric("Voorbij het experimenteren", number(involved["beyond"].sum()))
with_target, reached = int(involved["results_with_target"].sum()), int(involved["results_reached"].sum())
cols[3].metric("Doelen gehaald", f"{number(reached)} van {number(with_target)}",
               help="Indicatoren met een doel, elk beoordeeld op de laatste meting.")

left, right = st.columns([5, 6], gap="large")
with left:
    st.subheader("Welke provincies")
    st.altair_chart(tile_map(per_province, "experiments", "Experimenten", "blues", height=340), width="content")
with right:
    st.subheader("Hoe ver ze zijn")
    phases = compare.compared_phases(selection)
    chart = alt.Chart(phases).mark_bar().encode(
        y=alt.Y("provincie:N", title=None),
        x=alt.X("experimenten:Q", title="Experimenten", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("fase:N", title="Fase", scale=phase_scale()),
        order=alt.Order("phase_order:Q"),
        tooltip=["provincie", "fase", "experimenten"],
    ).properties(height=rows_height(phases["provincie"].nunique()))
    st.altair_chart(chart, width="stretch")
    numbers_behind(phases.pivot(index="provincie", columns="fase", values="experimenten").fillna(0).astype(int).reset_index(),
                   "vergelijking-fasen.csv")

results = compare.compared_results(selection)

st.subheader("De aanpak per provincie, naast elkaar")
grid = st.columns(3, gap="medium")
report_items = []
for number_in_row, (province, group) in enumerate(experiments.groupby("province_name", sort=True)):
    with grid[number_in_row % 3].container(border=True):
        st.markdown(f"#### {md(province)}")
        beyond = int(group["is_beyond_experimenting"].sum())
        st.caption(f"{number(len(group))} experiment{'en' if len(group) != 1 else ''}, "
                   f"waarvan {number(beyond)} voorbij het experimenteren")
        for _, row in group.head(SHOWN_PER_PROVINCE).iterrows():
            st.markdown(f"**{md(row['title'])}**")
            phase_badge(row)
            lines = [f"Partners: {listed(row['partners'])}",
                     f"Gegevens: {listed(row['data_sources'])}",
                     f"Leervragen: {listed(row['learning_questions'])}"]
            if row["is_stopped"] and row["stop_reason"]:
                lines.append(f"Gestopt omdat: {row['stop_reason']}")
            own = results[results["experiment_key"] == row["experiment_key"]]
            if not own.empty:
                lines.append("Resultaten: " + "; ".join(
                    f"{r['indicator']}: {r['waarde']:g}" + (f" van doel {r['doel']:g}" if pd.notna(r["doel"]) else "")
                    + (f" ({r['doel gehaald']})" if r["doel gehaald"] != "geen doel" else "")
                    for _, r in own.iterrows()))
            elif as_list(row["intended_results"]):
                lines.append(f"Beoogd: {listed(row['intended_results'])}")
            st.text("\n".join(lines))
            report_items.append((f"{province} — {row['title']}", f"Fase: {row['phase_label']}", " · ".join(lines)))
        if len(group) > SHOWN_PER_PROVINCE:
            st.caption(f"… en nog {number(len(group) - SHOWN_PER_PROVINCE)} andere; zie de tabel hieronder.")

st.subheader("Resultaten tegen de doelen")
if results.empty:
    st.info("Voor deze experimenten zijn nog geen resultaten aangeleverd.")
else:
    verdicts = results.groupby(["provincie", "doel gehaald"], as_index=False).size().rename(columns={"size": "indicatoren"})
    chart = alt.Chart(verdicts).mark_bar().encode(
        y=alt.Y("provincie:N", title=None),
        x=alt.X("indicatoren:Q", title="Indicatoren (laatste meting)", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("doel gehaald:N", title="Doel", scale=alt.Scale(
            domain=["gehaald", "nog niet", "geen doel"], range=[PHASE_COLOURS["Opschaling"], "#fdae6b", "#d4d4d4"])),
        tooltip=["provincie", "doel gehaald", "indicatoren"],
    ).properties(height=rows_height(verdicts["provincie"].nunique()))
    st.altair_chart(chart, width="stretch")
    numbers_behind(results.drop(columns=["experiment_key"]), "vergelijking-resultaten.csv")

st.subheader("Alle experimenten in deze vergelijking")
table = experiments.assign(
    partners=experiments["partners"].map(listed), gegevens=experiments["data_sources"].map(listed),
    leervragen=experiments["learning_questions"].map(listed), beoogd=experiments["intended_results"].map(listed),
)[["province_name", "title", "phase_label", "core_task_label", "ida_line_label", "partners", "gegevens", "leervragen",
   "beoogd", "start_date", "lessons"]].rename(columns={
    "province_name": "provincie", "title": "experiment", "phase_label": "fase", "core_task_label": "kerntaak",
    "ida_line_label": "IDA-spoor", "start_date": "start", "lessons": "lessen"})
st.dataframe(table, hide_index=True, width="stretch", key="vergelijking-tabel")
csv_download(table, "vergelijking-experimenten.csv")

report.bars("Experimenten per provincie", involved.rename(columns={"name": "provincie"}), "provincie", "experiments")
report.items("De aanpak per provincie", report_items)
if not results.empty:
    report.table("Resultaten tegen de doelen (laatste meting)", results.drop(columns=["experiment_key", "voortgang"]))
report.table("Alle experimenten in deze vergelijking", table)
report_button(slot, report, "ida-vergelijking.html")

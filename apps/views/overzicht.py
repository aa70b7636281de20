"""Overzicht: the twelve provinces at a glance — where they are, in which phase, on which core task, and since when."""

import altair as alt
import streamlit as st

from apps.queries import overview
from apps.components import (Report, number, numbers_behind, phase_scale, report_button, require_data, rows_height,
                             tile_map)

st.title("Overzicht")
st.caption("Waar staan de twaalf provincies met hun koploperdeals? Alle cijfers komen uit de laatste levering van "
           "elke provincie. Onder elke grafiek staan de cijfers zelf.")
slot = st.container()

require_data()
provinces = overview.provinces()

running = int(provinces["experiments"].sum())
beyond = int(provinces["beyond_experimenting"].sum())
cols = st.columns(5)
cols[0].metric("Provincies", number(len(provinces)))
cols[1].metric("Experimenten", number(running))
cols[2].metric("Geleerde lessen", number(provinces["lessons"].sum()))
cols[3].metric("Open dilemma's", number(provinces["dilemmas_open"].sum()))
cols[4].metric("Voorbij het experimenteren", number(beyond),
               help="Experimenten in de fase opschaling of structureel: ze zijn ingebed in het gewone werk.")

MAP_COLOURS = {
    "Experimenten": ("experiments", "blues"),
    "Lessen": ("lessons", "greens"),
    "Open dilemma's": ("dilemmas_open", "oranges"),
    "Voorbij het experimenteren": ("beyond_share", "purples"),
}

left, right = st.columns([5, 6], gap="large")
with left:
    st.subheader("De provincies op de kaart")
    colour_by = st.radio("Kleur de kaart naar", list(MAP_COLOURS), horizontal=True, key="kaart")
    column, scheme = MAP_COLOURS[colour_by]
    st.altair_chart(tile_map(provinces, column, colour_by, scheme), width="content")
    if column == "beyond_share":
        st.caption("Het deel van de lopende experimenten dat is opgeschaald of structureel is geworden.")
    table = provinces.rename(columns={
        "code": "CBS-code", "name": "Provincie", "experiments": "Experimenten", "lessons": "Geleerde lessen",
        "results": "Metingen", "dilemmas_open": "Open dilemma's", "beyond_experimenting": "Voorbij het experimenteren",
        "last_loaded": "Laatste levering"})
    table["Voorbij het experimenteren (aandeel)"] = (provinces["beyond_share"] * 100).round(0).astype(int).astype(str) + "%"
    numbers_behind(table[["CBS-code", "Provincie", "Experimenten", "Geleerde lessen", "Open dilemma's", "Metingen",
                          "Voorbij het experimenteren", "Voorbij het experimenteren (aandeel)", "Laatste levering"]],
                   "provincies.csv")

with right:
    st.subheader("Per kerntaak, alle provincies samen")
    by_task = overview.core_tasks_by_phase()
    chart = alt.Chart(by_task[by_task["experimenten"] > 0]).mark_bar().encode(
        y=alt.Y("kerntaak:N", title=None, sort=list(dict.fromkeys(by_task["kerntaak"])), axis=alt.Axis(labelLimit=220)),
        x=alt.X("sum(experimenten):Q", title="Experimenten"),
        color=alt.Color("fase:N", title="Fase", scale=phase_scale()),
        order=alt.Order("phase_order:Q"),
        tooltip=["kerntaak", "fase", alt.Tooltip("experimenten:Q", title="experimenten")],
    ).properties(height=rows_height(by_task["kerntaak"].nunique(), row=40))
    st.altair_chart(chart, width="stretch")
    summary = overview.core_task_summary()
    numbers_behind(summary, "kerntaken.csv")

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Experimenten per fase")
    per_phase = overview.experiments_per_phase()
    chart = alt.Chart(per_phase[per_phase["experimenten"] > 0]).mark_bar().encode(
        y=alt.Y("provincie:N", title=None),
        x=alt.X("experimenten:Q", title="Experimenten", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("fase:N", title="Fase", scale=phase_scale()),
        order=alt.Order("phase_order:Q"),
        tooltip=["provincie", "fase", "experimenten"],
    ).properties(height=rows_height(per_phase["provincie"].nunique()))
    st.altair_chart(chart, width="stretch")
    phase_table = per_phase.pivot(index="provincie", columns="fase", values="experimenten")
    phase_table = phase_table[list(dict.fromkeys(per_phase.sort_values("phase_order")["fase"]))].reset_index()
    numbers_behind(phase_table, "experimenten-per-fase.csv")
with right:
    st.subheader("Experimenten per kerntaak")
    per_task = overview.experiments_per_core_task()
    chart = alt.Chart(per_task[per_task["experimenten"] > 0]).mark_bar().encode(
        y=alt.Y("provincie:N", title=None),
        x=alt.X("experimenten:Q", title="Experimenten", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("kerntaak:N", title="Kerntaak", scale=alt.Scale(scheme="tableau10"),
                        legend=alt.Legend(labelLimit=150)),
        tooltip=["provincie", "kerntaak", "experimenten"],
    ).properties(height=rows_height(per_task["provincie"].nunique()))
    st.altair_chart(chart, width="stretch")
    task_table = per_task.pivot(index="provincie", columns="kerntaak", values="experimenten").reset_index()
    numbers_behind(task_table, "experimenten-per-kerntaak.csv")

st.subheader("Hoe het zich ontwikkelde")
by = st.radio("Uitgesplitst naar", ["kerntaak", "provincie"], horizontal=True, key="ontwikkeling",
              format_func=lambda v: f"per {v}")
development = overview.development(by)
if development.empty:
    st.info("Geen van de experimenten heeft een startdatum; de ontwikkeling in de tijd is daarom niet te tonen.")
else:
    chart = alt.Chart(development).mark_area().encode(
        x=alt.X("maand:T", title="Startmaand", axis=alt.Axis(format="%Y", tickCount="year")),
        y=alt.Y("gestart tot en met:Q", title="Experimenten gestart (opgeteld)", stack=True),
        color=alt.Color("groep:N", title=by.capitalize(),
                        scale=alt.Scale(scheme="tableau10" if by == "kerntaak" else "tableau20")),
        tooltip=[alt.Tooltip("maand:T", title="maand", format="%m-%Y"), alt.Tooltip("groep:N", title=by),
                 alt.Tooltip("gestart tot en met:Q")],
    ).properties(height=320)
    st.altair_chart(chart, width="stretch")
    st.caption("Opgeteld: alle experimenten die tot en met die maand zijn gestart, ook als ze inmiddels zijn gestopt.")
    yearly = (development.assign(jaar=development["maand"].dt.year)
              .groupby(["jaar", "groep"], as_index=False)["gestart tot en met"].max()
              .pivot(index="jaar", columns="groep", values="gestart tot en met").reset_index())
    numbers_behind(yearly, f"ontwikkeling-per-{by}.csv")

report = Report("Overzicht van de provincies", {"Kaart gekleurd naar": colour_by, "Ontwikkeling": f"per {by}"})
report.table("Kerncijfers", table[["Provincie", "Experimenten", "Geleerde lessen", "Open dilemma's",
                                    "Voorbij het experimenteren", "Voorbij het experimenteren (aandeel)"]])
report.bars("Experimenten per provincie", table, "Provincie", "Experimenten")
report.table("Per kerntaak", summary)
report.table("Experimenten per fase", phase_table)
report.table("Experimenten per kerntaak", task_table)
if not development.empty:
    report.table(f"Experimenten gestart tot en met elk jaar, per {by}", yearly)
report_button(slot, report, "ida-overzicht.html")

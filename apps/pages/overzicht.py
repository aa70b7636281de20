"""Overzicht: the twelve provinces at a glance."""

import altair as alt
import streamlit as st

from apps import queries
from apps.components import numbers_behind, require_data

st.title("Overzicht")
st.caption("Waar staan de provincies met hun koploperdeals? Alle cijfers komen uit de laatste levering van elke provincie.")

require_data()
provinces = queries.provinces()
grid = queries.phase_by_core_task()

cols = st.columns(4)
cols[0].metric("Provincies", len(provinces))
cols[1].metric("Experimenten", int(provinces["experiments"].sum()))
cols[2].metric("Geleerde lessen", int(provinces["lessons"].sum()))
cols[3].metric("Open dilemma's", int(provinces["dilemmas_open"].sum()))

st.subheader("De provincies")
tiles = provinces.rename(columns={"name": "Provincie", "experiments": "Experimenten", "lessons": "Lessen"})
base = alt.Chart(tiles).encode(
    x=alt.X("tile_column:O", axis=None), y=alt.Y("tile_row:O", axis=None),
    tooltip=["Provincie", "Experimenten", "Lessen"],
)
tile_map = (
    base.mark_rect(cornerRadius=6, stroke="white", strokeWidth=3).encode(
        color=alt.Color("Experimenten:Q", scale=alt.Scale(scheme="blues"), legend=alt.Legend(title="Experimenten")))
    + base.mark_text(baseline="bottom", dy=-2, fontWeight="bold").encode(text="Provincie:N")
    + base.mark_text(baseline="top", dy=4).encode(text="Experimenten:Q")
).properties(height=420, width=420)
st.altair_chart(tile_map, use_container_width=False)
numbers_behind(tiles[["code", "Provincie", "Experimenten", "Lessen", "results", "dilemmas_open", "last_loaded"]],
               "provincies.csv")

left, right = st.columns(2)
with left:
    st.subheader("Experimenten per fase")
    per_phase = grid.groupby(["provincie", "phase_label", "phase_order"], as_index=False)["experiments"].sum()
    chart = alt.Chart(per_phase).mark_bar().encode(
        y=alt.Y("provincie:N", title=None),
        x=alt.X("experiments:Q", title="Experimenten"),
        color=alt.Color("phase_label:N", title="Fase", sort=alt.SortField("phase_order"),
                        scale=alt.Scale(scheme="viridis")),
        order=alt.Order("phase_order:Q"),
        tooltip=[alt.Tooltip("provincie", title="Provincie"), alt.Tooltip("phase_label", title="Fase"),
                 alt.Tooltip("experiments", title="Experimenten")],
    )
    st.altair_chart(chart, use_container_width=True)
    numbers_behind(per_phase.pivot(index="provincie", columns="phase_label", values="experiments").reset_index(),
                   "experimenten-per-fase.csv")
with right:
    st.subheader("Experimenten per kerntaak")
    per_task = grid.groupby(["provincie", "core_task_label"], as_index=False)["experiments"].sum()
    chart = alt.Chart(per_task).mark_bar().encode(
        y=alt.Y("provincie:N", title=None),
        x=alt.X("experiments:Q", title="Experimenten"),
        color=alt.Color("core_task_label:N", title="Kerntaak", scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip("provincie", title="Provincie"), alt.Tooltip("core_task_label", title="Kerntaak"),
                 alt.Tooltip("experiments", title="Experimenten")],
    )
    st.altair_chart(chart, use_container_width=True)
    numbers_behind(per_task.pivot(index="provincie", columns="core_task_label", values="experiments").reset_index(),
                   "experimenten-per-kerntaak.csv")

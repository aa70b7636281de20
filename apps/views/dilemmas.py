"""Dilemma's: vertical learning — the open dilemmas by escalation level and public value at stake, oldest first;
then the decided ones: what was decided, by which level, and how long it took."""

import altair as alt
import pandas as pd
import streamlit as st

from apps import queries
from apps.queries import dilemmas
from apps.components import LEVEL_COLOURS, Report, csv_download, describe, md, number, numbers_behind, report_button, require_data

SHOWN = 25
SHOWN_DECIDED = 6

st.title("Dilemma's")
st.caption("Verticaal leren: een dilemma dat een team niet zelf kan beslissen, gaat omhoog — van team naar "
           "concernmanagement (CMT), Gedeputeerde Staten (GS), Provinciale Staten (PS) en samen met de andere "
           "provincies naar het IPO. Hier staan ze met de oudste bovenaan: die wachten het langst op een besluit.")
slot = st.container()
require_data()

statuses = queries.labels("lesstatussen")
levels = queries.labels("escalatieniveaus")
values = queries.labels("publieke_waarden")
provinces = queries.province_names()

cols = st.columns(4)
chosen_statuses = cols[0].multiselect("Status", list(statuses), default=["open"] if "open" in statuses else [],
                                      format_func=statuses.get, key="status", placeholder="Alle statussen")
chosen_levels = cols[1].multiselect("Niveau", list(levels), format_func=levels.get, key="niveau",
                                    placeholder="Alle niveaus")
chosen_values = cols[2].multiselect("Publieke waarde", list(values), format_func=values.get, key="waarde",
                                    placeholder="Alle publieke waarden")
chosen_provinces = cols[3].multiselect("Provincie", list(provinces), format_func=provinces.get, key="provincie",
                                       placeholder="Alle provincies")
filters = dilemmas.DilemmaFilters(statuses=tuple(chosen_statuses), levels=tuple(chosen_levels),
                                 values=tuple(chosen_values), provinces=tuple(chosen_provinces))
applied = {
    "Status": describe((statuses[c] for c in chosen_statuses), "alle"),
    "Niveau": describe((levels[c] for c in chosen_levels), "alle"),
    "Publieke waarde": describe((values[c] for c in chosen_values), "alle"),
    "Provincie": describe((provinces[c] for c in chosen_provinces), "alle"),
}
report = Report("Dilemma's", applied)



def decided_section() -> None:
    """The decided dilemmas (any status filter): what was decided, by which level, and how long it took."""
    st.subheader("Besloten: wat, door wie en hoe snel")
    decisions = dilemmas.decided(filters)
    times = dilemmas.decision_times()
    times["niveau"] = times["niveau"].map(short)
    if decisions.empty:
        st.info("Geen besloten dilemma's met deze filters.")
        return
    cols = st.columns([2, 3], gap="large")
    with cols[0]:
        measured = times[times["besluiten"] > 0]
        chart = alt.Chart(measured).mark_bar().encode(
            x=alt.X("niveau:N", title=None, sort=level_order, scale=alt.Scale(domain=level_order), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("mediaan dagen:Q", title="Mediaan dagen tot besluit"),
            color=alt.Color("niveau:N", sort=level_order, legend=None,
                            scale=alt.Scale(domain=level_order, range=LEVEL_COLOURS[:len(level_order)])),
            tooltip=["niveau", "besluiten", "mediaan dagen"],
        ).properties(height=260)
        st.altair_chart(chart, width="stretch")
        st.caption("Hoe lang het duurde van inbrengen tot besluit, per niveau dat besloot (alle provincies).")
        numbers_behind(times.drop(columns=["volgorde"]), "besluittijd-per-niveau.csv")
    with cols[1]:
        for _, row in decisions.head(SHOWN_DECIDED).iterrows():
            with st.container(border=True):
                decided_on = f"{row['besloten op']:%d-%m-%Y}" if pd.notna(row["besloten op"]) else "een onbekende datum"
                took = f" · na {number(row['dagen'])} dagen" if pd.notna(row["dagen"]) else ""
                st.caption(f"{md(row['provincie'])} · besloten door {md(row['besloten door'])} op {decided_on}{took}")
                st.text(row["dilemma"])
                st.markdown("**Besluit**")
                st.text(row["besluit"] or "Geen besluit ingevuld.")
        if len(decisions) > SHOWN_DECIDED:
            st.caption(f"De {SHOWN_DECIDED} nieuwste van {number(len(decisions))}; alle staan in de tabel hieronder.")
    with st.expander(f"Alle {number(len(decisions))} besloten dilemma's als tabel"):
        table = decisions.drop(columns=["experiment_key", "lesson_key"])
        st.dataframe(table, hide_index=True, width="stretch", key="besloten")
        csv_download(table, "besloten-dilemmas.csv")
    report.table("Besloten dilemma's", decisions.drop(columns=["experiment_key", "lesson_key"]))


# short names on the axes: "Gedeputeerde Staten (GS)" → "GS"
short = {label: (label[label.rfind("(") + 1:-1] if label.endswith(")") else label) for label in levels.values()}
level_order = [short[label] for label in levels.values()]

everything = dilemmas.dilemmas(filters)
count = len(everything)
if not count:
    st.success("Geen dilemma's met deze filters.")
    report.paragraph("Geen dilemma's met deze filters.")
    decided_section()
    report_button(slot, report, "ida-dilemmas.html")
    st.stop()

oldest = everything.head(SHOWN)
by_level = dilemmas.dilemmas_by_level(filters)
board = int(by_level[by_level["volgorde"] >= 3]["dilemmas"].sum())
cols = st.columns(3)
cols[0].metric("Dilemma's", number(count))
cols[1].metric("Bij het bestuur (GS, PS of IPO)", number(board))
cols[2].metric("Oudste", f"{oldest['datum'].iloc[0]:%d-%m-%Y}",
               help=f"{number(oldest['dagen oud'].iloc[0])} dagen geleden ingebracht")

by_level["niveau"] = by_level["niveau"].map(short)
left, right = st.columns(2, gap="large")
with left:
    st.subheader("Op welk niveau")
    chart = alt.Chart(by_level).mark_bar(stroke="white", strokeWidth=1).encode(
        x=alt.X("niveau:N", title=None, sort=level_order, scale=alt.Scale(domain=level_order),
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("dilemmas:Q", title="Dilemma's", stack=True, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("niveau:N", sort=level_order, legend=None,
                        scale=alt.Scale(domain=level_order, range=LEVEL_COLOURS[:len(level_order)])),
        detail="provincie:N",
        tooltip=["niveau", "provincie", alt.Tooltip("dilemmas:Q", title="dilemma's")],
    ).properties(height=300)
    st.caption("Team → concernmanagementteam (CMT) → Gedeputeerde Staten (GS) → Provinciale Staten (PS) → IPO. "
               "Elk blokje is een provincie.")
    st.altair_chart(chart, width="stretch")
    level_table = by_level.pivot_table(index="provincie", columns="niveau", values="dilemmas", aggfunc="sum", fill_value=0)
    level_table = level_table[[lv for lv in level_order if lv in level_table.columns]].reset_index()
    numbers_behind(level_table, "dilemmas-per-niveau.csv")
with right:
    st.subheader("Welke publieke waarden op het spel staan")
    by_value = dilemmas.dilemmas_by_value(filters)
    by_value["niveau"] = by_value["niveau"].map(short)
    if by_value.empty:
        st.info("Bij deze dilemma's is geen publieke waarde opgegeven.")
        value_table = by_value
    else:
        heat = alt.Chart(by_value).encode(
            x=alt.X("niveau:N", title=None, sort=level_order, scale=alt.Scale(domain=level_order),
                    axis=alt.Axis(labelAngle=0, orient="top")),
            y=alt.Y("publieke waarde:N", title=None),
        )
        chart = (heat.mark_rect(stroke="white").encode(
                     color=alt.Color("dilemmas:Q", title="Dilemma's", scale=alt.Scale(scheme="orangered")),
                     tooltip=["publieke waarde", "niveau", alt.Tooltip("dilemmas:Q", title="dilemma's")])
                 + heat.mark_text().encode(text="dilemmas:Q", color=alt.condition(
                     f"datum.dilemmas > {by_value['dilemmas'].max() * 0.6}", alt.value("white"), alt.value("#111827")))
                 ).properties(height=300)
        st.altair_chart(chart, width="stretch")
        st.caption("Een dilemma waarbij twee waarden op het spel staan, telt bij beide.")
        value_table = by_value.pivot_table(index="publieke waarde", columns="niveau", values="dilemmas", aggfunc="sum",
                                           fill_value=0)
        value_table = value_table[[lv for lv in level_order if lv in value_table.columns]].reset_index()
        numbers_behind(value_table, "dilemmas-per-waarde.csv")

st.subheader("De oudste eerst")
for _, row in oldest.iterrows():
    with st.container(border=True):
        head = st.columns([2, 5])
        head[0].markdown(f"**{row['datum']:%d-%m-%Y}**  \n{number(row['dagen oud'])} dagen geleden")
        head[0].badge(row["niveau"], color="red" if row["niveau_volgorde"] >= 3 else "orange")
        head[1].text(row["dilemma"])
        head[1].caption(f"{md(row['provincie'])} · {md(row['kerntaak'])} · status {md(row['status'].lower())}"
                        + (f" · {md(row['publieke waarden'])}" if row["publieke waarden"] else ""))
        head[1].page_link("views/catalogus.py", label=f"Experiment: {md(row['experiment'])}", icon=":material/science:",
                          query_params={"experiment": row["experiment_key"]})
if count > SHOWN:
    st.caption(f"De {SHOWN} oudste van {number(count)}; alle staan in de tabel hieronder.")

table = everything.drop(columns=["niveau_volgorde", "experiment_key", "lesson_key"])
with st.expander(f"Alle {number(count)} dilemma's als tabel"):
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, "dilemmas.csv")

report.paragraph(f"{number(count)} dilemma's, waarvan {number(board)} bij het bestuur (GS, PS of IPO).")
report.bars("Dilemma's per niveau", by_level.groupby("niveau", sort=False, as_index=False)["dilemmas"].sum(), "niveau", "dilemmas")
if not value_table.empty:
    report.table("Publieke waarden per niveau", value_table)
report.items("De oudste eerst", [
    (f"{r['datum']:%d-%m-%Y} — {r['provincie']} — {r['niveau']}",
     f"{r['experiment']} · status {r['status'].lower()} · {r['publieke waarden'] or 'geen publieke waarde opgegeven'}",
     r["dilemma"]) for _, r in oldest.iterrows()])
report.table("Alle dilemma's", table)
decided_section()
report_button(slot, report, "ida-dilemmas.html")

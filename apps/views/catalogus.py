"""Catalogus: browse and search every experiment; one experiment in full, with its lessons and results.

A link `catalogus?experiment=<province_code>:<experiment_id>` opens that experiment (the Lessen, Dilemma's and
Voorbij het experimenteren pages link here).
"""

import altair as alt
import pandas as pd
import streamlit as st

from apps import queries
from apps.learning_panel import questions_panel, related_panel
from apps.queries import catalogue, learning
from apps.components import (Report, as_list, csv_download, describe, listed, md, number, phase_badge, report_button,
                             require_data)
from catalog.ckan_dicts import dataset_name

st.title("Catalogus")
st.caption("Alle experimenten van de provincies. Zoek op een woord uit de titel, samenvatting, trefwoorden, partners of "
           "gegevensbronnen, en klik op een experiment voor alles wat erover bekend is.")
slot = st.container()
require_data()

provinces = queries.province_names()
core_tasks = queries.labels("kerntaken")
phases = queries.labels("fasen")
lines = queries.labels("ida_sporen")

text = st.text_input("Zoeken", key="zoek", placeholder="bijvoorbeeld Merwedekanaalzone, Snuffelfiets, RIVM")
cols = st.columns(4)
chosen_provinces = cols[0].multiselect("Provincie", list(provinces), format_func=provinces.get, key="provincie",
                                       placeholder="Alle provincies")
chosen_tasks = cols[1].multiselect("Kerntaak", list(core_tasks), format_func=core_tasks.get, key="kerntaak",
                                   placeholder="Alle kerntaken")
chosen_phases = cols[2].multiselect("Fase", list(phases), format_func=phases.get, key="fase", placeholder="Alle fasen")
chosen_lines = cols[3].multiselect("IDA-spoor", list(lines), format_func=lines.get, key="spoor",
                                   placeholder="Alle sporen")
filters = catalogue.CatalogueFilters(text=text, provinces=tuple(chosen_provinces), core_tasks=tuple(chosen_tasks),
                                   phases=tuple(chosen_phases), lines=tuple(chosen_lines))
report = Report("Catalogus van experimenten", {
    "Zoekwoorden": text.strip() or "geen",
    "Provincie": describe((provinces[c] for c in chosen_provinces), "alle"),
    "Kerntaak": describe((core_tasks[c] for c in chosen_tasks), "alle"),
    "Fase": describe((phases[c] for c in chosen_phases), "alle"),
    "IDA-spoor": describe((lines[c] for c in chosen_lines), "alle"),
})

detail = st.container()
found = catalogue.catalogue(filters)
st.subheader(f"{number(len(found))} experimenten")
if found.empty:
    st.warning("Geen experimenten gevonden. Probeer een ander of korter woord, of zet een filter uit.")
    picked = None
else:
    event = st.dataframe(
        found, hide_index=True, width="stretch", key="catalogus-tabel", on_select="rerun", selection_mode="single-row",
        column_order=["provincie", "titel", "kerntaak", "fase", "IDA-spoor", "start", "lessen", "resultaten"],
        column_config={"start": st.column_config.DateColumn("start", format="DD-MM-YYYY")},
    )
    st.caption("Klik op een rij om het experiment te openen.")
    picked = found["experiment_key"].iloc[event.selection.rows[0]] if event.selection.rows else None
    csv_download(found.drop(columns=["experiment_key"]), "catalogus.csv")
    report.table("Experimenten", found.drop(columns=["experiment_key"]))

if picked and st.query_params.get("experiment") != picked:
    st.query_params["experiment"] = picked
key = picked or st.query_params.get("experiment")


def bullets(values) -> str:
    items = as_list(values)
    return "\n".join(f"• {v}" for v in items) if items else "—"


if key:
    row = catalogue.experiment(key)
    with detail:
        if row is None:
            st.warning("Dit experiment staat niet (meer) in de catalogus. Misschien is het id veranderd in een nieuwe levering.")
        else:
            with st.container(border=True):
                head = st.columns([5, 1])
                head[0].subheader(md(row["title"]))
                if head[1].button("Sluiten", key="sluiten", icon=":material/close:"):
                    st.query_params.pop("experiment", None)
                    st.rerun()
                st.caption(f"{md(row['province_name'])} · {md(row['core_task_label'])} · IDA-spoor "
                           f"{md(row['ida_line_label'].lower())} · id {md(row['experiment_id'])}")
                phase_badge(row)
                ckan_url = queries.settings().ckan_url
                if ckan_url:
                    st.link_button("In de open catalogus (CKAN)", icon=":material/open_in_new:",
                                   url=f"{ckan_url.rstrip('/')}/experiment/{dataset_name(row['province_code'], row['experiment_id'])}")
                if row["is_stopped"]:
                    st.text(f"Gestopt omdat: {row['stop_reason'] or 'geen reden opgegeven'}")
                left, right = st.columns(2, gap="large")
                with left:
                    st.markdown("**Samenvatting**")
                    st.text(row["summary"] or "—")
                    st.markdown("**Opgave**")
                    st.text(row["societal_task"] or "—")
                    period = " t/m ".join(f"{d:%d-%m-%Y}" for d in (row["start_date"], row["end_date"]) if pd.notna(d)) or "—"
                    budget = f"€ {number(row['budget_eur'])}" if pd.notna(row["budget_eur"]) else "—"
                    st.text(f"Looptijd: {period}\nBudget: {budget}\nEigenaar: {row['owner'] or '—'}\n"
                            f"Contact: {row['contact'] or '—'}")
                with right:
                    st.markdown("**Beoogde resultaten**")
                    st.text(bullets(row["intended_results"]))
                    st.markdown("**Partners**")
                    st.text(bullets(row["partners"]))
                    st.markdown("**Gegevensbronnen**")
                    st.text(bullets(row["data_sources"]))
                    value_labels = queries.labels("publieke_waarden")
                    st.text(f"Publieke waarden: {listed([value_labels.get(v, v) for v in as_list(row['public_values'])])}\n"
                            f"Trefwoorden: {listed(row['keywords'])}")

                question_entries = questions_panel(key)
                results = catalogue.experiment_results(key)
                st.markdown(f"**Resultaten** ({number(len(results))} metingen)")
                if results.empty:
                    st.text("Nog geen resultaten aangeleverd.")
                else:
                    latest = results[results["laatste"] & results["voortgang"].notna()].copy()
                    if not latest.empty:
                        latest["stand"] = latest.apply(
                            lambda r: f"{r['waarde']:g} (doel {r['doel']:g}, nulmeting {r['nulmeting']:g})", axis=1)
                        bars = alt.Chart(latest).mark_bar(height=16).encode(
                            y=alt.Y("indicator:N", title=None, axis=alt.Axis(labelLimit=260)),
                            x=alt.X("voortgang:Q", title="Op weg van nulmeting (0%) naar doel (100%)",
                                    axis=alt.Axis(format="%")),
                            color=alt.condition("datum.voortgang >= 1", alt.value("#31a354"), alt.value("#3182bd")),
                            tooltip=["indicator", "stand", alt.Tooltip("voortgang:Q", format=".0%"), "eenheid"])
                        goal = alt.Chart(pd.DataFrame({"doel": [1.0]})).mark_rule(color="#b30000", strokeWidth=2).encode(x="doel:Q")
                        st.altair_chart((bars + goal).properties(height=34 * len(latest) + 50), width="stretch")
                        st.caption("Laatste meting per indicator. Rode lijn: het doel; groen: gehaald.")
                    st.dataframe(results.drop(columns=["voortgang", "laatste"]), hide_index=True, width="stretch",
                                 key="detail-resultaten",
                                 column_config={"gemeten op": st.column_config.DateColumn("gemeten op", format="DD-MM-YYYY")})

                lessons = catalogue.experiment_lessons(key)
                st.markdown(f"**Geleerde lessen** ({number(len(lessons))})")
                if lessons.empty:
                    st.text("Nog geen lessen aangeleverd.")
                elif len(lessons) <= 20:
                    for (_, lesson), lesson_key in zip(lessons.iterrows(), learning.experiment_lesson_keys(key)):
                        st.text(lesson["les"])
                        st.caption(f"{lesson['datum']:%d-%m-%Y} · {md(lesson['categorie'])} · {md(lesson['richting'].lower())}"
                                   + (f" · dilemma ({md(lesson['dilemma'])}, {md(lesson['status'].lower())})"
                                      if lesson["dilemma"] else ""))
                        related_panel("les", lesson_key)
                else:
                    st.dataframe(lessons, hide_index=True, width="stretch", key="detail-lessen",
                                 column_config={"datum": st.column_config.DateColumn("datum", format="DD-MM-YYYY"),
                                                "les": st.column_config.TextColumn("les", width="large")})
                related_panel("experiment", key, expanded=True)
            report.filters["Geopend experiment"] = f"{row['province_name']} — {row['title']}"
            report.items("Geopend experiment", [(row["title"], f"{row['province_name']} · {row['phase_label']}",
                                                 row["summary"] or "")])
            report.items("Leervragen en hun antwoorden", question_entries)
            report.table("Resultaten", results.drop(columns=["voortgang", "laatste"]))
            report.table("Geleerde lessen", lessons)

report_button(slot, report, "ida-catalogus.html")

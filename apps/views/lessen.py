"""Lessen: search every lesson learned across the provinces, ranked, with filters; each links to its experiment."""

from datetime import date

import altair as alt
import streamlit as st

from apps import queries
from apps.learning_panel import related_panel
from apps.queries import lessons
from ida import search
from apps.components import Report, csv_download, describe, md, number, numbers_behind, report_button, require_data, rows_height

st.title("Lessen")
st.caption("Zoek in alle geleerde lessen van de provincies. De beste treffers staan bovenaan: een zeldzaam woord telt "
           "zwaarder dan een veelvoorkomend, en andere woordvormen, samenstellingen en synoniemen tellen mee.")
slot = st.container()
require_data()

provinces = queries.province_names()
core_tasks = queries.labels("kerntaken")
categories = queries.labels("categorieen")
directions = queries.labels("leerrichtingen")
years = lessons.lesson_years()

text = st.text_input("Zoeken", key="zoek", placeholder="bijvoorbeeld kalibratie sensoren, gezamenlijke inkoop, privacy",
                     help="Vindt ook andere woordvormen, samenstellingen en synoniemen: ‘sensor’ vindt ook "
                          "‘luchtkwaliteitssensoren’, ‘inkoop’ ook ‘aanbesteding’.")
cols = st.columns([3, 3, 3, 2, 3])
chosen_provinces = cols[0].multiselect("Provincie", list(provinces), format_func=provinces.get, key="provincie",
                                       placeholder="Alle provincies")
chosen_tasks = cols[1].multiselect("Kerntaak", list(core_tasks), format_func=core_tasks.get, key="kerntaak",
                                   placeholder="Alle kerntaken")
chosen_categories = cols[2].multiselect("Categorie", list(categories), format_func=categories.get, key="categorie",
                                        placeholder="Alle categorieën")
chosen_directions = cols[3].multiselect("Leerrichting", list(directions), format_func=directions.get, key="richting",
                                        placeholder="Beide", help="Horizontaal: tussen experimenten en provincies. "
                                        "Verticaal: dilemma's die hogerop in de organisatie worden voorgelegd.")
if len(years) > 1:
    first, last = cols[4].select_slider("Periode", options=years, value=(years[0], years[-1]), key="periode")
else:
    first = last = years[0] if years else None

filters = lessons.LessonFilters(
    provinces=tuple(chosen_provinces), core_tasks=tuple(chosen_tasks), categories=tuple(chosen_categories),
    directions=tuple(chosen_directions),
    date_from=date(first, 1, 1) if first and first != years[0] else None,
    date_to=date(last, 12, 31) if last and last != years[-1] else None,
)
if st.session_state.get("lessen-vraag") != (text, filters):  # a new question starts again at 20 lessons
    st.session_state["lessen-vraag"] = (text, filters)
    st.session_state["aantal"] = 20
shown = st.session_state["aantal"]
try:
    hits, per_province = lessons.search_lessons(text, filters, limit=shown)
except search.NotIndexed:
    st.warning("Deze gegevens zijn gepubliceerd zonder zoekindex. Draai de pijplijn opnieuw (ida pipeline).")
    st.stop()
total = int(hits["total"].iloc[0]) if len(hits) else 0

applied = {
    "Zoekwoorden": text.strip() or "geen (nieuwste lessen eerst)",
    "Provincie": describe((provinces[c] for c in chosen_provinces), "alle"),
    "Kerntaak": describe((core_tasks[c] for c in chosen_tasks), "alle"),
    "Categorie": describe((categories[c] for c in chosen_categories), "alle"),
    "Leerrichting": describe((directions[c] for c in chosen_directions), "beide"),
    "Periode": f"{first} t/m {last}" if first else "alle",
}
report = Report("Geleerde lessen", applied)

if not total:
    st.warning("Geen lessen gevonden. Probeer andere of minder woorden, of zet een filter uit.")
    report.paragraph("Geen lessen gevonden.")
    report_button(slot, report, "ida-lessen.html")
    st.stop()

terms = bool(text.strip())
st.subheader(f"{number(total)} {'les' if total == 1 else 'lessen'} gevonden")
chart = alt.Chart(per_province).mark_bar().encode(
    y=alt.Y("provincie:N", title=None),
    x=alt.X("sum(lessen):Q", title="Gevonden lessen", axis=alt.Axis(tickMinStep=1, format=",d")),
    color=alt.Color("categorie:N", title="Categorie", scale=alt.Scale(scheme="tableau10"),
                    legend=alt.Legend(labelLimit=150)),
    tooltip=["provincie", "categorie", "lessen"],
).properties(height=rows_height(per_province["provincie"].nunique(), row=26))
st.altair_chart(chart, width="stretch")
by_province = per_province.pivot(index="provincie", columns="categorie", values="lessen").fillna(0).astype(int)
by_province.insert(0, "totaal", by_province.sum(axis=1))
numbers_behind(by_province.reset_index(), "lessen-per-provincie.csv")

st.subheader("Beste treffers" if terms else "Nieuwste lessen")
for _, lesson in hits.iterrows():
    with st.container(border=True):
        st.text(lesson["lesson_text"])
        dilemma = f" · dilemma ({lesson['escalation_level_label'] or 'niveau onbekend'}, {lesson['status_label'].lower()})" \
            if lesson["is_dilemma"] else ""
        st.caption(f"{md(lesson['province_name'])} · {lesson['lesson_date']:%d-%m-%Y} · {md(lesson['category_label'])} · "
                   f"{md(lesson['direction_label'].lower())}{md(dilemma)}")
        st.page_link("views/catalogus.py", label=f"Experiment: {md(lesson['experiment_title'])}", icon=":material/science:",
                     query_params={"experiment": lesson["experiment_key"]})
        related_panel("les", lesson["lesson_key"])
if total > shown:
    more = st.columns([1, 3])
    if more[0].button(f"Toon meer (nu {number(len(hits))} van {number(total)})", key="meer"):
        st.session_state["aantal"] = shown + 30
        st.rerun()

table = hits[["province_name", "lesson_date", "category_label", "direction_label", "core_task_label", "experiment_title",
              "lesson_text"]].rename(columns={
    "province_name": "provincie", "lesson_date": "datum", "category_label": "categorie", "direction_label": "richting",
    "core_task_label": "kerntaak", "experiment_title": "experiment", "lesson_text": "les"})
with st.expander("Deze lessen als tabel"):
    st.dataframe(table, hide_index=True, width="stretch")
    csv_download(table, "lessen.csv")

report.paragraph(f"{number(total)} lessen gevonden; hieronder de {number(len(hits))} beste.")
report.bars("Gevonden lessen per provincie", by_province.reset_index(), "provincie", "totaal")
report.items("Lessen", [
    (f"{r['province_name']} — {r['experiment_title']}",
     f"{r['lesson_date']:%d-%m-%Y} · {r['category_label']} · {r['direction_label'].lower()}", r["lesson_text"])
    for _, r in hits.iterrows()])
report_button(slot, report, "ida-lessen.html")

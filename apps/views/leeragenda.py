"""Leeragenda: what needs attention per province (ida.agenda) — for a province's own coordinator one province's
items with what other provinces learned about them; for the kopgroep the counts per province and kind, and how many
learning questions have an answer, per province and per core task."""

from datetime import date

import altair as alt
import streamlit as st

from apps import queries
from apps.components import Report, csv_download, md, number, numbers_behind, report_button, require_data, rows_height
from apps.queries import agenda
from ida.agenda import KINDS

KIND_COLOURS = ["#6baed6", "#fd8d3c", "#e34a33", "#9e9ac8"]  # in the order of KINDS

st.title("Leeragenda")
st.caption("Wat vraagt nu aandacht? Een lopend experiment zonder nieuwe les, een leervraag die na het einde nog "
           "onbeantwoord is, een dilemma dat lang op een besluit wacht, en doelen zonder recent gemeten resultaat. "
           "Bij een open vraag of dilemma staat wat andere provincies erover leerden.")
slot = st.container()
require_data()

limits = queries.settings().agenda
today = date.today()
provinces = queries.province_names()
view = st.segmented_control("Voor wie", ["Mijn provincie", "Kopgroep: alle provincies"], default="Mijn provincie",
                            key="weergave")
st.caption(f"Stand op {today:%d-%m-%Y}. Grenzen: {limits.stale_lesson_months} maanden zonder les, "
           f"{limits.dilemma_open_days} dagen open op een niveau, {limits.result_months} maanden zonder resultaat.")


def province_view() -> Report:
    code = st.selectbox("Provincie", list(provinces), format_func=provinces.get, key="provincie")
    report = Report(f"Leeragenda {provinces[code]}", {"Provincie": provinces[code], "Stand op": f"{today:%d-%m-%Y}"})
    own = agenda.agenda(today, code)
    if not own:
        reason = agenda.why_empty(code)
        st.success(reason)
        report.paragraph(reason)
        return report
    cols = st.columns(len(KINDS))
    for col, (kind, label) in zip(cols, KINDS.items()):
        col.metric(label, number(sum(i.kind == kind for i in own)))
    for kind, label in KINDS.items():
        of_kind = [i for i in own if i.kind == kind]
        if not of_kind:
            continue
        st.subheader(f"{label} ({number(len(of_kind))})")
        for item in of_kind:
            with st.container(border=True):
                st.text(item.message)
                since = f"sinds {item.since:%d-%m-%Y}" if item.since else "nog nooit"
                st.caption(f"{md(item.experiment_title)} · {since}")
                if item.others:
                    st.markdown("**Andere provincies leerden hierover**")
                    for other in item.others:
                        st.text(other.text)
                        st.caption(f"{md(provinces.get(other.province_code, other.province_code))} · les "
                                   f"{md(other.lesson_key)}")
                        st.page_link("views/catalogus.py", label=f"Open {md(other.experiment_key)}",
                                     icon=":material/diversity_3:", query_params={"experiment": other.experiment_key})
                st.page_link("views/catalogus.py", label=f"Experiment: {md(item.experiment_title)}",
                             icon=":material/science:", query_params={"experiment": item.experiment_key})
        report.items(label, [(item.experiment_title, f"{provinces[code]} · {label}"
                              + (f" · sinds {item.since:%d-%m-%Y}" if item.since else ""),
                              item.message + "".join(f"\nAndere provincie ({o.province_code}, {o.lesson_key}): {o.text}"
                                                     for o in item.others))
                             for item in of_kind])
    return report


def kopgroep_view() -> Report:
    report = Report("Leeragenda van alle provincies", {"Stand op": f"{today:%d-%m-%Y}"})
    items = agenda.agenda(today)
    table = agenda.counts(items, provinces)
    st.subheader("Wat per provincie aandacht vraagt")
    order = list(KINDS.values())
    chart = alt.Chart(table).mark_bar().encode(
        y=alt.Y("provincie:N", title=None, sort=sorted(provinces.values())),
        x=alt.X("aantal:Q", title="Punten op de agenda", stack=True, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("soort:N", title=None, sort=order, scale=alt.Scale(domain=order, range=KIND_COLOURS),
                        legend=alt.Legend(orient="top")),
        order=alt.Order("volgorde:Q"),
        tooltip=["provincie", "soort", "aantal"],
    ).properties(height=rows_height(len(provinces)))
    st.altair_chart(chart, width="stretch")
    wide = table.pivot_table(index="provincie", columns="soort", values="aantal", aggfunc="sum", fill_value=0)
    wide = wide[[k for k in order if k in wide.columns]].reset_index()
    numbers_behind(wide, "leeragenda-per-provincie.csv")
    report.bars("Punten per provincie", wide.assign(totaal=wide[order].sum(axis=1)), "provincie", "totaal")
    report.table("Per provincie en soort", wide)
    empty = [(provinces[c], agenda.why_empty(c)) for c in provinces if not any(i.province_code == c for i in items)]
    for name, reason in empty:
        st.caption(f"{md(name)}: {md(reason)}")
        report.paragraph(f"{name}: {reason}")

    st.subheader("Leervragen met een antwoord")
    st.caption("Beantwoord: een les van het experiment noemt de leervraag. Of suggestie: ook een les die erop lijkt "
               "(een andere les, van welke provincie ook), volgens de zoekmachine.")
    for by, heading, labels, key in (("province_code", "Per provincie", provinces, "provincie"),
                                     ("core_task", "Per kerntaak", queries.labels("kerntaken"), "kerntaak")):
        shares = agenda.coverage(by, labels)
        long = shares.melt(id_vars=["naam", "leervragen"], value_vars=["beantwoord", "beantwoord of suggestie"],
                           var_name="antwoord", value_name="aandeel")
        st.markdown(f"**{heading}**")
        bars = alt.Chart(long).mark_bar().encode(
            y=alt.Y("naam:N", title=None), yOffset="antwoord:N",
            x=alt.X("aandeel:Q", title="Aandeel van de leervragen", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("antwoord:N", title=None, scale=alt.Scale(range=["#31a354", "#a1d99b"]),
                            legend=alt.Legend(orient="top")),
            tooltip=["naam", "leervragen", "antwoord", alt.Tooltip("aandeel:Q", format=".0%")],
        ).properties(height=rows_height(len(shares), row=36))
        st.altair_chart(bars, width="stretch")
        shown = shares.rename(columns={"naam": key})
        st.dataframe(shown, hide_index=True, width="stretch", key=f"leervragen-{key}", column_config={
            "beantwoord": st.column_config.ProgressColumn("beantwoord", format="percent", min_value=0, max_value=1),
            "beantwoord of suggestie": st.column_config.ProgressColumn("beantwoord of suggestie", format="percent",
                                                                       min_value=0, max_value=1)})
        csv_download(shown, f"leervragen-per-{key}.csv")
        report.table(f"Leervragen met een antwoord, {heading.lower()}", shown.assign(
            beantwoord=shown["beantwoord"].map("{:.0%}".format),
            **{"beantwoord of suggestie": shown["beantwoord of suggestie"].map("{:.0%}".format)}))
    return report


report = kopgroep_view() if view == "Kopgroep: alle provincies" else province_view()
report_button(slot, report, "ida-leeragenda.html")

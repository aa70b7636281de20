"""Voorbij het experimenteren: per province the path from idea to structural embedding, how long it takes (from the
phase history), what scaled up, what stopped and why."""

import altair as alt
import streamlit as st

from apps import queries
from apps.queries import scaling
from apps.components import (PHASE_COLOURS, Report, csv_download, describe, listed, md, number, numbers_behind,
                             phase_scale, report_button, require_data, rows_height)

STOPPED_SHOWN = 10

st.title("Voorbij het experimenteren")
st.caption("Starten met experimenteren lukt de provincies wel; het gaat erom dat een experiment wordt ingebed in het "
           "gewone werk (opschaling) en daar blijft (structureel). Hier ziet u hoe ver de experimenten kwamen, welke "
           "zijn opgeschaald, en welke zijn gestopt — met de reden, want daar valt veel van te leren.")
slot = st.container()
require_data()

provinces = queries.province_names()
chosen = st.multiselect("Provincie", list(provinces), format_func=provinces.get, key="provincie",
                        placeholder="Alle provincies")
chosen_provinces = tuple(chosen)
report = Report("Voorbij het experimenteren", {"Provincie": describe((provinces[c] for c in chosen), "alle")})

funnel = scaling.funnel(chosen_provinces)
per_province = scaling.phases_per_province(chosen_provinces)
scaled = scaling.scaled_up(chosen_provinces)
stopped = scaling.stopped(chosen_provinces)

running = int(funnel["experimenten"].iloc[0]) if len(funnel) else 0
beyond = len(scaled)
cols = st.columns(4)
cols[0].metric("Lopende experimenten", number(running), help="Alle experimenten die niet zijn gestopt.")
cols[1].metric("Opgeschaald of structureel", number(beyond))
cols[2].metric("Aandeel voorbij het experimenteren", f"{beyond / running:.0%}" if running else "—")
cols[3].metric("Gestopt", number(len(stopped)))

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Van idee naar structureel")
    phase_order = list(funnel["fase"])
    chart = (alt.Chart(funnel).transform_calculate(links="-datum.experimenten / 2", rechts="datum.experimenten / 2")
             .encode(y=alt.Y("fase:N", sort=phase_order, title=None)))
    funnel_chart = (chart.mark_bar().encode(
                        x=alt.X("links:Q", axis=None), x2="rechts:Q",
                        color=alt.Color("fase:N", sort=phase_order, legend=None,
                                        scale=alt.Scale(domain=phase_order,
                                                        range=[PHASE_COLOURS[p] for p in phase_order])),
                        tooltip=["fase", alt.Tooltip("experimenten:Q", title="bereikten minstens deze fase")])
                    + chart.mark_text(fontWeight="bold").encode(
                        x=alt.datum(0), text="experimenten:Q",
                        color=alt.condition(alt.FieldOneOfPredicate("fase", ["Experiment", "Opschaling", "Structureel"]),
                                            alt.value("white"), alt.value("#111827")))).properties(height=300)
    st.altair_chart(funnel_chart, width="stretch")
    st.caption("Elke balk telt de lopende experimenten die minstens die fase bereikten.")
    numbers_behind(funnel[["fase", "experimenten"]].rename(columns={"experimenten": "bereikten minstens deze fase"}),
                   "trechter.csv")
with right:
    st.subheader("Aandeel voorbij het experimenteren")
    shares = per_province.groupby("provincie", as_index=False).agg(aandeel=("aandeel_voorbij", "first"))
    chart = alt.Chart(shares).mark_bar(color=PHASE_COLOURS["Opschaling"]).encode(
        y=alt.Y("provincie:N", title=None, sort="-x"),
        x=alt.X("aandeel:Q", title="Deel van de lopende experimenten", axis=alt.Axis(format="%")),
        tooltip=["provincie", alt.Tooltip("aandeel:Q", format=".0%")],
    ).properties(height=rows_height(len(shares), row=24))
    st.altair_chart(chart, width="stretch")
    numbers_behind(shares.assign(aandeel=(shares["aandeel"] * 100).round(1)).rename(columns={"aandeel": "aandeel (%)"}),
                   "aandeel-voorbij.csv")

st.subheader("Per provincie: in welke fase de experimenten nu zijn")
phases = list(dict.fromkeys(per_province.sort_values("phase_order")["fase"]))
dark = per_province["experimenten"] > per_province["experimenten"].max() * 0.6
per_province["tekstkleur"] = dark.map({True: "white", False: "#111827"}).where(per_province["experimenten"] > 0, "#c0c0c0")
heat = alt.Chart(per_province).encode(
    x=alt.X("fase:N", sort=phases, title=None, axis=alt.Axis(labelAngle=0, orient="top")),
    y=alt.Y("provincie:N", title=None),
)
chart = (heat.mark_rect(stroke="white", strokeWidth=2).encode(
             color=alt.Color("experimenten:Q", title="Experimenten", scale=alt.Scale(scheme="greens")),
             tooltip=["provincie", "fase", "experimenten"])
         + heat.mark_text().encode(text="experimenten:Q", color=alt.Color("tekstkleur:N", scale=None, legend=None))
         ).resolve_scale(color="independent")
chart = chart.properties(height=rows_height(per_province["provincie"].nunique(), row=30, extra=40))
st.altair_chart(chart, width="stretch")
phase_table = per_province.pivot(index="provincie", columns="fase", values="experimenten")[phases].reset_index()
numbers_behind(phase_table, "fasen-per-provincie.csv")

st.subheader("Hoe lang duurt het?")
st.caption("Uit de fasegeschiedenis: elke levering legt vast in welke fase een experiment is, op de dag dat de "
           "levering binnenkwam. Over alle provincies heen.")
durations = scaling.time_to_scaling()
changes = scaling.phase_changes_per_year()
longest = scaling.longest_in_phase(chosen_provinces)
left, right = st.columns(2, gap="large")
with left:
    st.markdown("**Van experiment naar opschaling, per kerntaak**")
    measured = durations[durations["experimenten"] > 0]
    if measured.empty:
        st.info("Nog geen experiment ging, volgens de leveringen, van de fase experiment naar opschaling. Dat is te "
                "zien zodra een provincie een experiment in een latere levering een fase verder meldt.")
    else:
        chart = alt.Chart(measured).mark_bar(color=PHASE_COLOURS["Opschaling"]).encode(
            y=alt.Y("kerntaak:N", title=None, sort="x"),
            x=alt.X("mediaan dagen:Q", title="Mediaan aantal dagen"),
            tooltip=["kerntaak", "mediaan dagen", "experimenten", "snelste (dagen)", "langzaamste (dagen)"],
        ).properties(height=rows_height(len(measured), row=28))
        st.altair_chart(chart, width="stretch")
    numbers_behind(durations, "tijd-tot-opschaling.csv")
with right:
    st.markdown("**Faseovergangen per jaar**")
    if changes.empty:
        st.info("Nog geen faseovergangen: elk experiment is tot nu toe in één fase aangeleverd.")
    else:
        moved = [p for p in PHASE_COLOURS if p in set(changes["fase"])]
        chart = alt.Chart(changes).mark_bar().encode(
            x=alt.X("jaar:O", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("overgangen:Q", title="Experimenten die een fase verder gingen", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("fase:N", title="Naar fase", sort=moved, scale=phase_scale(moved)),
            tooltip=["jaar", "fase", "overgangen"],
        ).properties(height=280)
        st.altair_chart(chart, width="stretch")
    numbers_behind(changes.drop(columns=["phase_order"]), "faseovergangen-per-jaar.csv")

st.markdown("**Het langst in dezelfde fase**")
st.caption("Lopende experimenten (niet gestopt en nog niet structureel), het langst in hun huidige fase bovenaan.")
if longest.empty:
    st.info("Geen lopende experimenten.")
else:
    stuck = longest.drop(columns=["experiment_key"])
    stuck["bekijk"] = "catalogus?experiment=" + longest["experiment_key"]
    st.dataframe(stuck, hide_index=True, width="stretch", key="langst", column_config={
        "bekijk": st.column_config.LinkColumn("Experiment", display_text="bekijk"),
        "sinds": st.column_config.DateColumn("sinds", format="DD-MM-YYYY")})

st.subheader("Opgeschaald en structureel")
if scaled.empty:
    st.info("Nog geen experimenten in de fase opschaling of structureel.")
    scaled_table = scaled
else:
    scaled_table = scaled.assign(partners=scaled["partners"].map(listed)).drop(columns=["experiment_key"])
    scaled_table["bekijk"] = "catalogus?experiment=" + scaled["experiment_key"]
    st.dataframe(scaled_table, hide_index=True, width="stretch", key="opgeschaald", column_config={
        "bekijk": st.column_config.LinkColumn("Experiment", display_text="bekijk"),
        "start": st.column_config.DateColumn("start", format="DD-MM-YYYY")})
    csv_download(scaled_table.drop(columns=["bekijk"]), "opgeschaald.csv")

st.subheader("Gestopt, en waarom")
if stopped.empty:
    st.info("Geen gestopte experimenten.")
else:
    grid = st.columns(2, gap="medium")
    for index, (_, row) in enumerate(stopped.head(STOPPED_SHOWN).iterrows()):
        with grid[index % 2].container(border=True):
            st.markdown(f"**{md(row['experiment'])}**")
            st.caption(f"{md(row['provincie'])} · {md(row['kerntaak'])}")
            st.text(row["waarom gestopt"] or "Geen reden opgegeven.")
            st.page_link("views/catalogus.py", label="Naar het experiment", icon=":material/science:",
                         query_params={"experiment": row["experiment_key"]})
    if len(stopped) > STOPPED_SHOWN:
        st.caption(f"De eerste {STOPPED_SHOWN} van {number(len(stopped))}; alle staan in de tabel hieronder.")
    with st.expander("Alle gestopte experimenten als tabel"):
        st.dataframe(stopped.drop(columns=["experiment_key"]), hide_index=True, width="stretch")
        csv_download(stopped.drop(columns=["experiment_key"]), "gestopt.csv")

report.paragraph(f"{number(running)} lopende experimenten, waarvan {number(beyond)} opgeschaald of structureel; "
                 f"{number(len(stopped))} gestopt.")
report.bars("Van idee naar structureel (bereikten minstens deze fase)", funnel, "fase", "experimenten")
report.table("Per provincie: experimenten per fase", phase_table)
report.table("Van experiment naar opschaling, per kerntaak (dagen)", durations)
if not changes.empty:
    report.table("Faseovergangen per jaar", changes.drop(columns=["phase_order"]))
if not longest.empty:
    report.table("Het langst in dezelfde fase", longest.drop(columns=["experiment_key"]))
if not scaled.empty:
    report.table("Opgeschaald en structureel", scaled_table.drop(columns=["bekijk"]))
report.items("Gestopt, en waarom", [(f"{r['provincie']} — {r['experiment']}", r["kerntaak"], r["waarom gestopt"] or "Geen reden opgegeven.")
                                     for _, r in stopped.iterrows()][:500])
report_button(slot, report, "ida-voorbij-het-experimenteren.html")

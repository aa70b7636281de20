"""Volwassenheid: where each province stands on the recommendations of the external report (its own zelfscan),
how that changes over time, and per recommendation whom to ask — the provinces furthest ahead."""

import altair as alt
import streamlit as st

from apps.components import Report, md, numbers_behind, report_button, require_data, rows_height
from apps.queries import maturity

LEVELS = ["Initieel", "Herhaalbaar", "Gedefinieerd", "Beheerst", "Optimaliserend"]

st.title("Volwassenheid")
st.caption("Het externe rapport achter de IDA gaf vijf aanbevelingen om te groeien naar een datagedreven provincie "
           "(de derde in twee delen: gegevens en systemen). Elke provincie scoort zichzelf daarop met een zelfscan, "
           "van 1 (initieel) tot 5 (optimaliserend). Hier ziet u waar iedereen staat, hoe dat verandert, en wie u "
           "kunt bellen als u op een onderdeel verder wilt.")
slot = st.container()
require_data()

latest = maturity.latest_scan()
report = Report("Volwassenheid", {"Peildatum": "per provincie de laatste zelfscan"})
if latest.empty:
    st.info("Nog geen enkele provincie heeft een zelfscan aangeleverd.")
    report.paragraph("Nog geen zelfscans.")
    report_button(slot, report, "ida-volwassenheid.html")
    st.stop()

lines = maturity.recommendations()
line_order = [f"{n}. {label}" for n, label in zip(lines["nummer"], lines["label"])]
short_order = [f"{n} {short}" for n, short in zip(lines["nummer"], lines["kort"])]
latest["onderdeel"] = latest["nummer"] + ". " + latest["aanbeveling"]
provinces_scanned = latest["provincie"].nunique()
cols = st.columns(3)
cols[0].metric("Provincies met een zelfscan", f"{provinces_scanned} van 12")
cols[1].metric("Gemiddeld niveau", f"{latest['niveau'].mean():.1f}".replace(".", ","),
               help="Over alle provincies en onderdelen, in de laatste zelfscan van elke provincie.")
cols[2].metric("Vooruitgegaan sinds de vorige zelfscan", int((latest["verandering"] > 0).sum()),
               help="Onderdelen (provincie × aanbeveling) met een hoger niveau dan bij de vorige peildatum.")

st.subheader("Waar staat elke provincie?")
st.caption("De laatste zelfscan van elke provincie. Hoe donkerder, hoe verder. Een leeg vak: niet gescoord.")
heat = alt.Chart(latest).encode(
    x=alt.X("kort:N", sort=short_order, title=None,
            axis=alt.Axis(labelAngle=0, orient="top", labelOverlap=False, labelFontSize=12)),
    y=alt.Y("provincie:N", title=None),
)
chart = (heat.mark_rect(stroke="white", strokeWidth=2).encode(
             color=alt.Color("niveau:Q", title="Niveau", scale=alt.Scale(domain=[1, 5], scheme="purples"),
                             legend=alt.Legend(orient="bottom", values=[1, 2, 3, 4, 5])),
             tooltip=["provincie", "onderdeel", "niveau", "niveaunaam",
                      alt.Tooltip("peildatum:T", title="peildatum", format="%d-%m-%Y")])
         + heat.mark_text(fontSize=13).encode(
             text="niveau:Q", color=alt.condition("datum.niveau >= 4", alt.value("white"), alt.value("#111827")))
         ).properties(height=rows_height(provinces_scanned, row=32, extra=80))
st.altair_chart(chart, width="stretch")
grid = latest.pivot(index="provincie", columns="onderdeel", values="niveau")
grid = grid[[line for line in line_order if line in grid.columns]].reset_index()  # full names in the numbers
numbers_behind(grid, "zelfscan-laatste.csv")
with st.expander("Wat betekenen de onderdelen?"):
    st.dataframe(lines.rename(columns={"nummer": "nr.", "kort": "kort", "label": "onderdeel", "omschrijving": "wat het inhoudt"})
                 .drop(columns=["code"]), hide_index=True, width="stretch")

st.subheader("Wie kunt u het vragen?")
st.caption("Per onderdeel de provincie(s) met het hoogste niveau in hun laatste zelfscan.")
ahead = maturity.furthest_ahead()
st.dataframe(ahead.drop(columns=["recommendation_order"]).rename(
    columns={"aanbeveling": "onderdeel", "niveaunaam": "niveau (naam)", "provincies": "verst gevorderd"}),
    hide_index=True, width="stretch", key="verst")

st.subheader("Hoe ontwikkelt een provincie zich?")
names = dict(zip(latest["province_code"], latest["provincie"]))
province = st.selectbox("Provincie", list(names), format_func=names.get, key="trend_provincie")
trend = maturity.trend(province)
if trend["peildatum"].nunique() < 2:
    st.info("Deze provincie heeft nog maar één zelfscan; een ontwikkeling ziet u na de volgende.")
chart = alt.Chart(trend).mark_line(point=alt.OverlayMarkDef(size=80)).encode(
    x=alt.X("peildatum_tekst:O", title="Peildatum", sort=alt.EncodingSortField("peildatum"), axis=alt.Axis(labelAngle=0)),
    y=alt.Y("niveau:Q", title="Niveau", scale=alt.Scale(domain=[1, 5]), axis=alt.Axis(values=[1, 2, 3, 4, 5])),
    color=alt.Color("aanbeveling:N", sort=short_order, title="Onderdeel", legend=alt.Legend(orient="right")),
    tooltip=["aanbeveling", "niveau", "niveaunaam", alt.Tooltip("peildatum_tekst:N", title="peildatum")],
).properties(height=320)
st.altair_chart(chart, width="stretch")
trend_table = trend.pivot(index="aanbeveling", columns="peildatum", values="niveau")
trend_table.columns = [f"{c:%d-%m-%Y}" for c in trend_table.columns]
numbers_behind(trend_table.reset_index(), "zelfscan-verloop.csv")
explained = latest[(latest["province_code"] == province) & (latest["toelichting"] != "")]
if not explained.empty:
    st.markdown(f"**Toelichting van {md(names[province])} bij de laatste zelfscan**")
    for _, row in explained.iterrows():
        st.caption(md(row["onderdeel"]))
        st.text(row["toelichting"])

report.table("Laatste zelfscan per provincie", grid)
report.table("Wie kunt u het vragen?", ahead.drop(columns=["recommendation_order"]))
report_button(slot, report, "ida-volwassenheid.html")

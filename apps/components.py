"""Pieces every page uses: the guard for a platform without data, the numbers behind a chart, the tile map,
plain-text helpers, and the meeting report (a self-contained HTML download).

User text (titles, lessons, partners …) comes from the provinces' deliveries. It reaches the page only as plain
text: through `st.text`, `st.dataframe`, chart data, or `md()` (escaped for Markdown) — never as HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st

from apps import queries
from ida import csv_safe
from ida.errors import IdaError, NotPublished

# Colours that mean the same on every page.
PHASE_COLOURS = {
    "Idee": "#d6e6f4", "Verkenning": "#abcfe5", "Voorbereiding": "#6aaed6", "Experiment": "#3182bd",
    "Opschaling": "#31a354", "Structureel": "#006d2c", "Gestopt": "#a3a3a3",
}
LEVEL_COLOURS = ["#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"]  # team → IPO


def phase_badge(experiment: dict | pd.Series) -> None:
    """An experiment's phase as a badge: green beyond experimenting, grey when stopped, blue otherwise."""
    st.badge(experiment["phase_label"], color="green" if experiment["is_beyond_experimenting"]
             else "gray" if experiment["is_stopped"] else "blue")


def require_data() -> None:
    """Stop the page with a plain explanation when the pipeline has not published anything yet."""
    try:
        queries.version()
    except NotPublished:
        st.info("Er zijn nog geen gegevens. Draai eerst de pijplijn: `make pipeline` of `ida pipeline`.")
        st.stop()


def sign_in(form: str, label: str, authorise: Callable[[str], str], holder_key: str, token_key: str) -> str:
    """The signed-in holder of a token (a province, a coordinator), kept in the session; until then a sign-in
    form, and the page stops. `authorise` gives the token's holder or raises an IdaError (shown in Dutch)."""
    holder = st.session_state.get(holder_key)
    if holder is not None:
        return holder
    st.subheader("Inloggen")
    with st.form(form):
        token = st.text_input(label, type="password", key=f"{form}_token")
        if st.form_submit_button("Inloggen"):
            try:
                st.session_state[holder_key] = authorise(token)
                st.session_state[token_key] = token
                st.rerun()
            except IdaError as problem:
                st.error(md(problem))
    st.stop()


def number(value: float | int) -> str:
    """A whole number the Dutch way: 12.345."""
    return f"{int(value):,}".replace(",", ".")


def md(text: object) -> str:
    """User text made safe for st.markdown/st.subheader: every Markdown, HTML, LaTeX and directive character
    is escaped, so it shows exactly as delivered."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$:&])", r"\\\1", str(text if text is not None else ""))


def as_list(values: object) -> list[str]:
    """A list field of a query result (a list, an array, or None/NA when empty) as a list of non-empty texts."""
    if values is None or isinstance(values, (str, bytes)):
        return [values] if values else []
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError:  # NA, NaN
        return []
    return [str(v) for v in items if v is not None and not (isinstance(v, float) and v != v) and str(v) != ""]


def listed(values: object, empty: str = "—") -> str:
    """A list field as one line of text."""
    items = as_list(values)
    return "; ".join(items) if items else empty


def numbers_behind(table: pd.DataFrame, file_name: str) -> None:
    """The numbers of a chart, one click away, with a CSV download (made only when clicked)."""
    with st.expander("Cijfers bij deze grafiek"):
        st.dataframe(table, hide_index=True, width="stretch")
        csv_download(table, file_name)


def csv_download(table: pd.DataFrame, file_name: str) -> None:
    """A "Download als CSV" button for `table` (made only when clicked; with a BOM, so Excel reads the accents;
    formulas neutralised, see ida/csv_safe.py)."""
    st.download_button("Download als CSV", lambda: csv_safe.frame_csv(table).encode("utf-8-sig"),
                       file_name=file_name, mime="text/csv", key=f"download-{file_name}")


def tile_map(provinces: pd.DataFrame, value: str, title: str, scheme: str = "blues", height: int = 400) -> alt.LayerChart:
    """The twelve provinces as tiles roughly where they lie (tile_column/tile_row of the provincies seed),
    coloured by `value`. Needs no geometry, so nothing is downloaded. A share (0–1) shows as a percentage."""
    share = value.endswith("share")
    data = provinces[["name", "tile_column", "tile_row", value]].rename(columns={value: title})
    split = data["name"].str.partition("-")  # Noord-Holland on two lines: "Noord-" above "Holland"
    data["line1"] = (split[0] + split[1]).where(split[1] != "", "")
    data["line2"] = split[2].where(split[1] != "", data["name"])
    data["label"] = data[title].map(lambda v: f"{v:.0%}" if share else number(v))
    top = float(data[title].max()) if len(data) else 0.0
    dark = f"datum['{title}'] > {top * 0.55}"
    text_colour = alt.condition(dark, alt.value("white"), alt.value("#1f2937"))
    base = alt.Chart(data).encode(
        x=alt.X("tile_column:O", axis=None), y=alt.Y("tile_row:O", axis=None),
        tooltip=[alt.Tooltip("name:N", title="Provincie"), alt.Tooltip(f"{title}:Q", format=".0%" if share else ",d")],
    )
    return (
        base.mark_rect(cornerRadius=6, stroke="white", strokeWidth=3).encode(
            color=alt.Color(f"{title}:Q", scale=alt.Scale(scheme=scheme, zero=True),
                            legend=alt.Legend(title=title, orient="bottom", format=".0%" if share else ",d",
                                              gradientLength=220, tickMinStep=0.01 if share else 1)))
        + base.mark_text(baseline="bottom", dy=-15, fontWeight="bold", fontSize=12).encode(text="line1:N", color=text_colour)
        + base.mark_text(baseline="bottom", dy=-1, fontWeight="bold", fontSize=12).encode(text="line2:N", color=text_colour)
        + base.mark_text(baseline="top", dy=3, fontSize=15).encode(text="label:N", color=text_colour)
    ).properties(height=height, width=int(height * 1.1))


def rows_height(rows: int, row: int = 28, extra: int = 60) -> int:
    """Height of a chart with one bar per row: Streamlit fits axes and legends inside the height, so add room."""
    return max(row * 3, row * rows) + extra


def phase_scale(labels: Iterable[str] | None = None) -> alt.Scale:
    domain = [p for p in PHASE_COLOURS if labels is None or p in set(labels)]
    return alt.Scale(domain=domain, range=[PHASE_COLOURS[p] for p in domain])


# ---------------------------------------------------------------------------------------------- the report


@dataclass
class Report:
    """A page as a self-contained HTML report for a meeting: the filters applied at the top, then the
    figures (as bars) and tables. Every text is escaped with html.escape; nothing is loaded from elsewhere."""

    title: str
    filters: dict[str, str]
    parts: list[str] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def paragraph(self, text: str) -> None:
        self.parts.append(f"<p>{html.escape(text)}</p>")

    def bars(self, heading: str, table: pd.DataFrame, label: str, value: str, note: str = "") -> None:
        """A horizontal bar per row: the picture, then the same numbers readable."""
        self.heading(heading)
        if note:
            self.paragraph(note)
        top = float(table[value].max()) if len(table) else 0.0
        rows = []
        for _, row in table.iterrows():
            width = 0 if not top else max(0.5, 100 * float(row[value]) / top)
            shown = number(row[value]) if float(row[value]).is_integer() else f"{row[value]:.2f}".replace(".", ",")
            rows.append(f"<tr><th>{html.escape(str(row[label]))}</th><td class='bar'><span style='width:{width:.1f}%'>"
                        f"</span></td><td class='num'>{html.escape(shown)}</td></tr>")
        self.parts.append(f"<table class='bars'>{''.join(rows)}</table>")

    def table(self, heading: str, table: pd.DataFrame, max_rows: int = 1000) -> None:
        self.heading(heading)
        shown = table.head(max_rows).copy()
        for column in shown.columns:
            if shown[column].map(lambda v: isinstance(v, (list, tuple)) or hasattr(v, "tolist")).any():
                shown[column] = shown[column].map(listed)
        self.parts.append(shown.to_html(index=False, escape=True, na_rep="—", border=0, classes="data"))
        if len(table) > max_rows:
            self.paragraph(f"De eerste {number(max_rows)} van {number(len(table))} rijen; de CSV-download op de pagina bevat alles.")

    def items(self, heading: str, entries: list[tuple[str, str, str]]) -> None:
        """Entries of (title, context line, text), e.g. lessons or dilemmas."""
        self.heading(heading)
        for title, context, text in entries:
            self.parts.append(f"<div class='item'><h3>{html.escape(title)}</h3><p class='meta'>{html.escape(context)}</p>"
                              f"<p>{html.escape(text)}</p></div>")

    def html(self) -> str:
        try:
            stand = queries.published_at()
        except NotPublished:
            stand = "onbekend"
        filters = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in self.filters.items())
        made = datetime.now().strftime("%d-%m-%Y %H:%M")
        return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>{html.escape(self.title)} — IDA Leerplatform</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #1f2937; line-height: 1.45; }}
h1 {{ margin-bottom: .2rem; }} h2 {{ margin-top: 2rem; border-bottom: 1px solid #d1d5db; padding-bottom: .2rem; }}
h3 {{ margin: .2rem 0; font-size: 1rem; }}
table {{ border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }}
table.data {{ width: 100%; }} td {{ overflow-wrap: anywhere; }}
@media print {{ body {{ margin: 0; max-width: none; }} h2 {{ break-after: avoid; }} .item, tr {{ break-inside: avoid; }} }}
table.data th, table.data td {{ border-bottom: 1px solid #e5e7eb; padding: .25rem .5rem; text-align: left; vertical-align: top; }}
table.filters th {{ text-align: left; padding-right: 1rem; }}
table.bars {{ width: 100%; }} table.bars th {{ text-align: left; width: 14rem; font-weight: normal; padding: .15rem .5rem .15rem 0; }}
table.bars td.bar span {{ display: inline-block; height: .9rem; background: #3182bd; border-radius: 2px; }}
td.num {{ text-align: right; width: 5rem; }}
.item {{ border-left: 3px solid #3182bd; padding: .2rem .8rem; margin: .8rem 0; }} .meta {{ color: #6b7280; margin: 0; font-size: .9rem; }}
.filterbox {{ background: #f3f4f6; padding: .6rem 1rem; border-radius: 6px; }}
</style></head><body>
<h1>{html.escape(self.title)}</h1>
<p class="meta">IDA Leerplatform — rapport gemaakt op {made}; stand van de gegevens: {html.escape(stand)}.</p>
<div class="filterbox"><strong>Toegepaste filters</strong>
<table class="filters">{filters or "<tr><td>Geen: alle provincies en alle gegevens.</td></tr>"}</table></div>
{"".join(self.parts)}
</body></html>
"""


def report_button(slot: st.delta_generator.DeltaGenerator, report: Report, file_name: str) -> None:
    """The download of the page's report, in `slot` (a container near the page title). Built only when clicked."""
    slot.download_button("Rapport voor een vergadering (HTML)", lambda: report.html().encode("utf-8"),
                         file_name=file_name, mime="text/html", key=f"report-{file_name}", icon=":material/download:",
                         help="Een los HTML-bestand met de cijfers van deze pagina en de filters die nu gelden.")


def describe(selected: Iterable[str], everything: str) -> str:
    """How a multiselect filter reads in a report: its choices, or `everything` when none is chosen."""
    chosen = [str(s) for s in selected]
    return ", ".join(chosen) if chosen else everything

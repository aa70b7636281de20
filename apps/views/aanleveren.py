"""Aanleveren: a province signs in with its own upload token, checks and submits its delivery."""

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from apps import queries
from apps.components import md, sign_in
from ida.errors import IdaError
from ida.intake import submissions
from ida.intake.reading import DELIVERY_SUFFIXES
from ida.standard import templates
from ida.standard.vocabularies import provinces

SHOWN_IN_FULL = 100  # findings shown as a plain table; a longer report becomes a scrollable grid


def upload_problems(uploads: list, limit: int) -> list[str]:
    """Why uploaded files cannot be delivered (a kind the standard does not know, or too big), before reading them."""
    problems = []
    for upload in uploads:
        name = upload.name
        if Path(name).suffix.lower() not in DELIVERY_SUFFIXES:
            problems.append(f"{name}: dit soort bestand kan niet worden aangeleverd. Lever CSV (.csv), Excel (.xlsx), "
                            "JSON (.json) of een ZIP (.zip) daarvan aan.")
        elif upload.size > limit:
            problems.append(f"{name} is te groot ({upload.size / 2**20:.1f} MiB; maximaal {limit / 2**20:g} MiB). "
                            "Lever het in delen aan.")
    return problems


settings = queries.settings()
st.title("Aanleveren")
st.caption("Lever de experimenten, lessen en resultaten van uw provincie aan, en sinds standaard v1.1 ook uw zelfscan "
           "en intrekkingen van eigen experimenten of lessen. U kunt alleen voor uw eigen provincie aanleveren.")

st.subheader("Sjablonen en standaard")
cols = st.columns(3)
cols[0].download_button("Excel-sjabloon", templates.xlsx_template(), "sjabloon-levering.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
cols[1].download_button("CSV-sjablonen (zip)", templates.csv_templates_zip(), "sjablonen-csv.zip", mime="application/zip")
cols[2].download_button("JSON-schema van de standaard", templates.schema_json(), "levering.schema.json", mime="application/json")

province = sign_in("inloggen", "Uploadtoken van uw provincie",
                   lambda token: submissions.authorise(settings.upload_tokens, token), "province", "upload_token")

name = provinces().label(province)
left, right = st.columns([4, 1])
left.success(f"Ingelogd als Provincie {name} ({province}).")
if right.button("Uitloggen"):
    del st.session_state["province"], st.session_state["upload_token"]
    st.rerun()

st.subheader(f"Levering van Provincie {name}")
limit = settings.limits.max_file_bytes
# No type list and a generous size for Streamlit itself: this page refuses, in Dutch, what the platform cannot take.
uploads = st.file_uploader(f"Bestanden (CSV, Excel, JSON of een ZIP daarvan; maximaal {limit / 2**20:g} MiB per bestand)",
                           accept_multiple_files=True, key="uploads", max_upload_size=settings.limits.upload_mib)
refused = upload_problems(uploads or [], limit)
for problem in refused:
    st.error(md(problem))
if uploads and not refused and st.button("Controleren en aanleveren", type="primary"):
    try:
        result = submissions.submit(settings, st.session_state["upload_token"], [(u.name, u.getvalue()) for u in uploads],
                                    channel="app", province=province)
    except IdaError as problem:
        st.error(md(problem))
        st.stop()
    report = result.report
    counts = ", ".join(f"{n} {kind}" for kind, n in report.counts.items())
    if report.accepted:
        st.success(f"Goedgekeurd en aangeleverd: {counts}. De gegevens verschijnen na de volgende verwerking op het platform.")
        if result.duplicate_of:
            st.info("Deze levering is identiek aan een eerdere; ze wordt niet opnieuw geladen.")
    else:
        st.error(f"Afgekeurd: {report.error_count} fouten. Er is niets van deze levering verwerkt. Verbeter de fouten en lever opnieuw aan.")
    findings = pd.DataFrame(
        [{"soort": kind, "bestand": f.file, "werkblad": f.sheet or "", "rij": f.row, "kolom": f.column or "",
          "waarde": f.value or "", "melding": f.message}
         for kind, group in (("fout", report.errors), ("waarschuwing", report.warnings)) for f in group],
        columns=["soort", "bestand", "werkblad", "rij", "kolom", "waarde", "melding"],
    ).astype({"rij": "Int64"})
    if len(findings) > SHOWN_IN_FULL:
        st.dataframe(findings, hide_index=True, width="stretch", key="rapport")
    elif len(findings):
        # a short report in full: every message readable without scrolling
        st.table(findings.astype({"rij": "string"}).fillna(""), hide_index=True)
    if len(findings):
        st.download_button("Rapport downloaden (JSON)", json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str),
                           f"rapport-{result.folder.name}.json", mime="application/json", on_click="ignore")

st.subheader("Eerdere leveringen")
history = submissions.submissions(settings.submissions_dir, province)
if history:
    st.dataframe(pd.DataFrame([
        {"ontvangen": m["received_at"], "bestanden": ", ".join(m["files"]), "oordeel": "goedgekeurd" if m["accepted"] else "afgekeurd",
         "fouten": m["errors"], "experimenten": m["counts"]["experimenten"], "lessen": m["counts"]["lessen"]}
        for m in reversed(history)
    ]), hide_index=True, width="stretch")
else:
    st.write("Nog geen leveringen.")

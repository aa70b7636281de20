"""Te classificeren: harvested records that do not meet the standard yet, for the IPO coordinators.

Everything a source wrote is shown as plain text (tables, text, code blocks), never as Markdown or HTML.
"""

import json

import streamlit as st

from apps.queries import harvest
from apps.components import require_data
from ida.standard.vocabularies import provinces

st.title("Te classificeren")
st.caption("Records die het platform uit de portalen van de provincies oogstte, maar die (nog) niet aan de "
           "standaard voldoen, bijvoorbeeld omdat er geen kerntaak uit af te leiden is. Niets wordt weggegooid: "
           "een record verdwijnt hier pas als de bron het verbetert of het intrekt, of als een IPO-coördinator het op "
           "de pagina Beheer classificeert of afwijst.")

require_data()

names = provinces()
choice = st.selectbox("Provincie", ["Alle provincies", *(names.label(c) for c in names.codes)], key="tc_provincie")
province = None if choice == "Alle provincies" else names.resolve(choice)

queue, sources, withdrawn = harvest.to_classify(province), harvest.harvest_sources(province), harvest.withdrawn_at_source(province)
failed = int((sources["status"] == "mislukt").sum()) if not sources.empty else 0
cols = st.columns(3)
cols[0].metric("Te classificeren", len(queue))
cols[1].metric("Bronnen mislukt bij de laatste oogst", failed)
cols[2].metric("Ingetrokken bij de bron", len(withdrawn))

st.subheader("Wachtrij")
if queue.empty:
    st.text("Er wacht niets op classificatie.")
else:
    shown = queue.rename(columns={"province_name": "Provincie", "title": "Titel", "reason": "Reden",
                                  "source_kind": "Soort bron", "record_url": "Link", "fetched_at": "Opgehaald"})
    st.dataframe(shown[["Provincie", "Titel", "Reden", "Soort bron", "Link", "Opgehaald"]], hide_index=True,
                 width="stretch", key="tc_wachtrij")
    labels = {row.queue_key: f"{row.province_name}: {row.title or row.record_id}" for row in queue.itertuples()}
    picked = st.selectbox("Bekijk een record", list(labels), format_func=labels.get, key="tc_record")
    record = queue.set_index("queue_key").loc[picked]
    st.text(f"Reden: {record['reason']}")
    st.text(f"Bron: {record['source_url']}  ({record['source_kind']})")
    st.text(f"Link: {record['record_url']}")
    st.code(json.dumps(json.loads(record["record_json"]), indent=2, ensure_ascii=False), language="json")

st.subheader("Bronnen")
if sources.empty:
    st.text("Er zijn nog geen portalen geoogst; zie sources.yml.")
else:
    st.dataframe(sources.rename(columns={
        "province_name": "Provincie", "source_kind": "Soort", "source_url": "Adres", "status": "Status",
        "error": "Melding", "seen": "Records", "experiments": "Experimenten", "to_classify": "Te classificeren",
        "last_run_at": "Laatste oogst", "last_success_at": "Laatst gelukt"}), hide_index=True,
        width="stretch", key="tc_bronnen")

st.subheader("Ingetrokken bij de bron")
if withdrawn.empty:
    st.text("Geen records ingetrokken bij de bron.")
else:
    st.caption("Deze records staan niet meer bij de bron. Het platform bewaart wat het had.")
    st.dataframe(withdrawn.rename(columns={
        "province_name": "Provincie", "experiment_id": "Experiment", "record_url": "Link", "source_url": "Bron",
        "last_fetched_at": "Laatst gezien", "withdrawn_at": "Ingetrokken vastgesteld"}), hide_index=True,
        width="stretch", key="tc_ingetrokken")

"""Beheer: an IPO coordinator signs in with a coordinator token, classifies harvested records into the
standard or dismisses them, sees the withdrawals, and reads the audit log of every action.

A province's upload token gives no access here. Everything a source or a person wrote is shown as plain
text (tables, text, code blocks), never as Markdown or HTML.
"""

import json

import pandas as pd
import streamlit as st

from apps import queries
from apps.components import require_data, sign_in
from apps.queries import curation as curation_queries
from apps.queries import withdrawals
from catalog import curation
from ida import audit
from ida.errors import IdaError, UsageError

SHOWN_ENTRIES = 200  # the newest audit entries on the page; the download holds them all

settings = queries.settings()
st.title("Beheer")
st.caption("Voor IPO-coördinatoren: records die het oogsten niet kon classificeren in de standaard plaatsen of "
           "afwijzen, de intrekkingen bekijken, en het auditlog van elke handeling lezen.")

coordinator = sign_in("beheer_inloggen", "Coördinatortoken",
                      lambda token: curation.authorise(settings.coordinator_tokens, token), "coordinator", "coordinator_token")

left, right = st.columns([4, 1])
left.success(f"Ingelogd als coördinator {coordinator}.")
if right.button("Uitloggen", key="beheer_uitloggen"):
    del st.session_state["coordinator"], st.session_state["coordinator_token"]
    st.rerun()

done_message = st.session_state.pop("beheer_gedaan", None)
if done_message:
    st.success(done_message)

require_data()

entries = audit.entries(settings.audit_log)
decided = curation.decided(entries)
queue = curation_queries.queue()
if not queue.empty:
    is_decided = [(k, c) in decided for k, c in zip(queue["queue_key"], queue["checksum"])]
    pending, queue = queue[is_decided], queue[[not d for d in is_decided]]
else:
    pending = queue

st.subheader("Te classificeren")
st.metric("Wachten op een coördinator", len(queue))
if queue.empty:
    st.text("Er wacht niets op classificatie.")
else:
    st.dataframe(queue.rename(columns={"province_name": "Provincie", "title": "Titel", "reason": "Reden",
                                       "record_url": "Link", "fetched_at": "Opgehaald"})[
        ["Provincie", "Titel", "Reden", "Link", "Opgehaald"]], hide_index=True, width="stretch", key="beheer_wachtrij")
    labels = {row.queue_key: f"{row.province_name}: {row.title or row.record_id}" for row in queue.itertuples()}
    picked = st.selectbox("Record", list(labels), format_func=labels.get, key="beheer_record")
    record = queue.set_index("queue_key").loc[picked]
    st.text(f"Sleutel: {picked}")
    st.text(f"Reden: {record['reason']}")
    st.text(f"Bron: {record['source_url']}  ({record['source_kind']})")
    st.text(f"Link: {record['record_url']}")
    with st.expander("Het record zoals geoogst"):
        st.code(json.dumps(json.loads(record["record_json"]), indent=2, ensure_ascii=False), language="json")

    core_tasks, phases, lines = queries.labels("kerntaken"), queries.labels("fasen"), queries.labels("ida_sporen")
    classify_tab, dismiss_tab = st.tabs(["Classificeren", "Afwijzen"])
    with classify_tab, st.form("beheer_classificeren"):
        st.caption("Het record wordt een experiment van zijn provincie, als levering via het archief: het wordt "
                   "gecontroleerd als elke levering en staat na de volgende verwerking op het platform.")
        cols = st.columns(3)
        task = cols[0].selectbox("Kerntaak", list(core_tasks), format_func=core_tasks.get, index=None,
                                 placeholder="Kies een kerntaak", key="beheer_kerntaak")
        phase = cols[1].selectbox("Fase", list(phases), format_func=phases.get, index=None,
                                  placeholder="Kies een fase", key="beheer_fase")
        line = cols[2].selectbox("IDA-spoor", list(lines), format_func=lines.get, index=None,
                                 placeholder="Kies een spoor", key="beheer_spoor")
        stopped = st.text_input("Reden gestopt (alleen bij fase Gestopt)", key="beheer_reden_gestopt")
        if st.form_submit_button("Classificeren", type="primary"):
            try:
                if not (task and phase and line):
                    raise UsageError("Kies een kerntaak, een fase en een IDA-spoor.")
                done = curation.classify(settings, st.session_state["coordinator_token"], picked,
                                         curation.Classification.of(task, phase, line, stopped))
                replaced = (f" Let op: {record['province_name']} had al een experiment {done.experiment_id}; dit "
                            "wordt de nieuwste versie ervan." if done.replaces else "")
                st.session_state["beheer_gedaan"] = (
                    f"Geclassificeerd: '{record['title'] or record['record_id']}' wordt experiment {done.experiment_id} "
                    f"van {record['province_name']}. Het staat op het platform na de volgende verwerking.{replaced}")
                st.rerun()
            except IdaError as problem:
                st.error(str(problem))
    with dismiss_tab, st.form("beheer_afwijzen"):
        reason = st.text_area("Reden van afwijzen", max_chars=curation.MAX_REASON, key="beheer_reden")
        if st.form_submit_button("Afwijzen"):
            try:
                curation.dismiss(settings, st.session_state["coordinator_token"], picked, reason)
                st.session_state["beheer_gedaan"] = f"Afgewezen: '{record['title'] or record['record_id']}'."
                st.rerun()
            except IdaError as problem:
                st.error(str(problem))

if not pending.empty:
    st.subheader("Afgehandeld, wacht op verwerking")
    st.caption("Besloten, maar de pijplijn heeft dit nog niet verwerkt; daarna verdwijnt het uit de wachtrij.")
    st.dataframe(pd.DataFrame([{"Provincie": row.province_name, "Titel": row.title or row.record_id,
                                "Besluit": decided[(row.queue_key, row.checksum)]["action"],
                                "Door": decided[(row.queue_key, row.checksum)]["who"]}
                               for row in pending.itertuples()]), hide_index=True, width="stretch", key="beheer_wacht")

st.subheader("Intrekkingen")
by_provinces = withdrawals.withdrawn()
st.markdown("**Ingetrokken door de provincies**")
if by_provinces.empty:
    st.text("Geen intrekkingen van provincies.")
else:
    st.caption("Met de reden die de provincie gaf; de pagina Ingetrokken toont ze uitgebreider.")
    st.dataframe(by_provinces.drop(columns=["record_kind", "province_code"]), hide_index=True, width="stretch",
                 key="beheer_intrekkingen", column_config={
                     "ingetrokken": st.column_config.DateColumn("ingetrokken op", format="DD-MM-YYYY"),
                     "reden": st.column_config.TextColumn("reden", width="large")})
at_source = curation_queries.withdrawn_at_source()
st.markdown("**Ingetrokken bij de bron**")
if at_source.empty:
    st.text("Geen records ingetrokken bij de bron.")
else:
    st.dataframe(at_source.rename(columns={
        "province_name": "Provincie", "experiment_id": "Experiment", "record_url": "Link", "source_url": "Bron",
        "last_fetched_at": "Laatst gezien", "withdrawn_at": "Ingetrokken vastgesteld"}), hide_index=True,
        width="stretch", key="beheer_ingetrokken_bron")

st.subheader("Auditlog")
st.caption("Elke handeling van een coördinator: wanneer, wie, wat, de toestand ervoor en erna. Het log wordt alleen "
           "aangevuld, nooit gewijzigd.")
if not entries:
    st.text("Nog geen handelingen.")
else:
    newest = [curation.audit_line(e) for e in reversed(entries[-SHOWN_ENTRIES:])]
    st.code("\n".join(newest), language=None, wrap_lines=True)
    st.download_button("Auditlog downloaden (JSON-regels)", settings.audit_log.read_bytes(), "auditlog.jsonl",
                       mime="application/jsonl", on_click="ignore")

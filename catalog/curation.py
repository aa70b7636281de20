"""Curation by IPO coordinators: classify a harvested record from the to-classify queue, or dismiss it.

Who: a coordinator, signed in with a coordinator token (`IDA_COORDINATOR_TOKENS`, issued by
`ida token new --coordinator NAAM`); a province's upload token is never one. The queue is
`marts.to_classify` of the serving copy, minus what a coordinator already decided (the audit log
knows that at once; the mart after the next pipeline run).

Classifying builds the record's `experimenten` row the way harvesting would have (catalog.harvest.mapping,
the same experiment id) with the coordinator's core task, phase and IDA line, and hands it to the intake
archive as a delivery of the record's province (channel `beheer`, its origin — source, record, checksum,
coordinator — in the submission's meta.json). It is validated like every delivery, refused whole when it
does not meet the standard, and loaded by the pipeline like every accepted submission (raw.deliveries
`source_kind = curatie`, `source` = the record's link). Dismissing writes only the decision. Both write
one entry to the append-only audit log (ida.audit), which the pipeline loads into `raw.curation_decisions`:
a record leaves `marts.to_classify` when its queued version has a decision. A later, changed version
of the record at the source is queued again.

The lesson and result files a record links to are not fetched here (a coordinator's click never
waits on a province's portal): a classification makes the experiment; its lessons come in with a
harvest or a delivery of the province.
"""

from __future__ import annotations

import json
import tempfile
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from catalog.ckan_dicts import EXPERIMENT_TYPE
from catalog.harvest import dcat
from catalog.harvest.mapping import NotAnExperiment, ckan_generic, from_ckan_experiment, from_generic
from ida import audit
from ida.errors import IdaError, NotAuthorised, UsageError
from ida.intake import tokens
from ida.intake.submissions import archive_submission
from ida.intake.validation import validate
from ida.settings import Settings
from ida.standard.vocabularies import vocabulary
from ida.warehouse import serving

CLASSIFY, DISMISS = "classificeren", "afwijzen"
CHANNEL = "beheer"
DELIVERY_FILE = "experimenten.json"
MAX_NAME, MAX_REASON = 100, 1000
QUEUE_COLUMNS = ("queue_key", "province_code", "province_name", "record_id", "source_kind", "source_url", "source_id",
                 "record_url", "title", "reason", "record_json", "checksum", "fetched_at")


class NotQueued(IdaError):
    """The record is not (or no longer) in the to-classify queue."""

    exit_code = 1


class AlreadyDecided(IdaError):
    """A coordinator already classified or dismissed this version of the record."""

    exit_code = 1


class ClassificationRejected(IdaError):
    """The record, with the chosen classification, does not meet the standard."""

    exit_code = 1


@dataclass(frozen=True)
class Queued:
    """One record of the to-classify queue, as marts.to_classify holds it."""

    queue_key: str
    province_code: str
    province_name: str
    record_id: str
    source_kind: str
    source_url: str
    source_id: str
    record_url: str
    title: str | None
    reason: str
    record_json: str
    checksum: str
    fetched_at: datetime

    def what(self) -> dict[str, Any]:
        """The record as the audit log names it."""
        return {"queue_key": self.queue_key, "province_code": self.province_code, "source_id": self.source_id,
                "source_kind": self.source_kind, "source_url": self.source_url, "record_id": self.record_id,
                "record_url": self.record_url, "title": self.title, "checksum": self.checksum}

    def before(self) -> dict[str, Any]:
        return {"status": "te_classificeren", "reason": self.reason, "fetched_at": self.fetched_at.isoformat(timespec="seconds")}


@dataclass(frozen=True)
class Classification:
    """A coordinator's choice: vocabulary codes of the standard."""

    kerntaak: str
    fase: str
    ida_spoor: str
    reden_gestopt: str | None = None

    @classmethod
    def of(cls, kerntaak: str, fase: str, ida_spoor: str, reden_gestopt: str | None = None) -> Classification:
        """Codes (or Dutch labels, any case) checked against the vocabularies; UsageError naming the choices."""
        def code(name: str, column: str, value: str) -> str:
            vocab = vocabulary(name)
            found = vocab.resolve(value or "")
            if found is None:
                raise UsageError(f"Onbekende {column} '{value}'. Kies uit: {', '.join(vocab.codes)}.")
            return found

        reason = (reden_gestopt or "").strip() or None
        chosen = cls(code("kerntaken", "kerntaak", kerntaak), code("fasen", "fase", fase),
                     code("ida_sporen", "IDA-spoor", ida_spoor), reason)
        if chosen.fase == "gestopt" and not reason:
            raise UsageError("Bij fase 'gestopt' hoort een reden (reden_gestopt). Geef die op.")
        return chosen


@dataclass(frozen=True)
class Classified:
    entry: dict[str, Any]
    submission: str
    experiment_id: str
    replaces: bool  # the province already had an experiment with this id; the classification is its latest version


# ------------------------------------------------------------------------------------------ who

def clean_name(name: str) -> str:
    """A coordinator's name as the audit log shows it: trimmed, printable, at most MAX_NAME characters."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise UsageError("Geef de naam van de coördinator, bijvoorbeeld --coordinator 'Jan de Vries (IPO)'.")
    if len(cleaned) > MAX_NAME or any(unicodedata.category(c).startswith("C") for c in cleaned):
        raise UsageError(f"De naam van de coördinator mag hoogstens {MAX_NAME} gewone tekens hebben.")
    return cleaned


def issue_token(settings: Settings, name: str) -> str:
    """A new coordinator token for `name`; only its hash is stored (IDA_COORDINATOR_TOKENS)."""
    return tokens.issue(settings.coordinator_tokens, clean_name(name), prefix="ipo")


def authorise(token_file: Path, token: str | None) -> str:
    """The name of the coordinator `token` belongs to; NotAuthorised when it is missing or no coordinator's."""
    if not token or not token.strip():
        raise NotAuthorised("Geef uw coördinatortoken (voor 'ida classify': de omgevingsvariabele IDA_COORDINATOR_TOKEN).")
    name = tokens.holder_for(token_file, token)
    if name is None:
        raise NotAuthorised("Dit is geen coördinatortoken. Alleen IPO-coördinatoren kunnen records classificeren of "
                            "afwijzen; een uploadtoken van een provincie geeft hier geen toegang. Vraag een "
                            "coördinatortoken aan bij de beheerder van het platform.")
    return name


# ------------------------------------------------------------------------------------------ the queue

def decided(entries: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(queue_key, checksum) -> the entry that decided that version of the record."""
    return {(e["what"]["queue_key"], e["what"]["checksum"]): e for e in entries
            if e.get("action") in (CLASSIFY, DISMISS) and isinstance(e.get("what"), dict)}


def _rows(con: duckdb.DuckDBPyConnection, where: str = "", params: tuple = ()) -> list[Queued]:
    try:
        rows = con.execute(f"select {', '.join(QUEUE_COLUMNS)} from marts.to_classify {where} "  # noqa: S608 - fixed text
                           "order by fetched_at desc, province_code, title", list(params)).fetchall()
    except duckdb.CatalogException:  # a serving copy from before the harvest marts
        return []
    return [Queued(*row) for row in rows]


def queue(settings: Settings) -> list[Queued]:
    """The records waiting for a coordinator: the mart's queue minus what the audit log already decided."""
    done = decided(audit.entries(settings.audit_log))
    with serving.connect(settings.serving_dir) as con:
        return [q for q in _rows(con) if (q.queue_key, q.checksum) not in done]


def find(settings: Settings, queue_key: str, entries: list[dict[str, Any]]) -> Queued:
    """The queued record with this key; NotQueued or AlreadyDecided otherwise."""
    key = (queue_key or "").strip().lower()
    with serving.connect(settings.serving_dir) as con:
        found = _rows(con, "where queue_key = ?", (key,))
    if not found:
        raise NotQueued(f"Er staat geen record met sleutel '{queue_key}' in de wachtrij 'Te classificeren'. "
                        "Bekijk de wachtrij met 'ida classify --list'.")
    record = found[0]
    earlier = decided(entries).get((record.queue_key, record.checksum))
    if earlier:
        done = "geclassificeerd" if earlier["action"] == CLASSIFY else "afgewezen"
        raise AlreadyDecided(f"Dit record is al {done} door {earlier['who']} op {earlier['at']}. Het verdwijnt uit de "
                             "wachtrij bij de volgende verwerking; een nieuwe versie bij de bron komt er weer in.")
    return record


# ------------------------------------------------------------------------------------------ classify

def experiment_row(record: Queued, choice: Classification) -> dict[str, Any]:
    """The record's `experimenten` row with the coordinator's classification, built as harvesting builds it
    (so a later harvest of the same record updates the same experiment). ClassificationRejected when the
    record cannot be an experiment of its province at all (another province's publisher, say)."""
    document = json.loads(record.record_json)
    try:
        if record.source_kind == "ckan" and document.get("type") == EXPERIMENT_TYPE:
            row = from_ckan_experiment(document, record.province_code)
            row.update(kerntaak=choice.kerntaak, fase=choice.fase, ida_spoor=choice.ida_spoor)
        elif record.source_kind == "ckan":
            generic = ckan_generic(document, record.source_url.rstrip("/"))
            row = from_generic(generic, record.province_code, document.get("id") or record.record_id,
                               core_task=choice.kerntaak, phase=choice.fase, ida_line=choice.ida_spoor)
        else:
            row = from_generic(dcat.from_document(document), record.province_code, record.record_id,
                               core_task=choice.kerntaak, phase=choice.fase, ida_line=choice.ida_spoor)
    except NotAnExperiment as problem:
        raise ClassificationRejected(f"Dit record kan geen experiment van {record.province_name} worden: {problem} "
                                     "Wijs het af met een reden.") from None
    if choice.reden_gestopt:
        row["reden_gestopt"] = choice.reden_gestopt
    return row


def delivery(row: dict[str, Any]) -> bytes:
    """The one-row delivery in the exchange format's JSON (the same bytes for the same row and choice)."""
    kept = {k: v for k, v in row.items() if v not in (None, "", [], ())}
    return json.dumps({"experimenten": [kept]}, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _findings(report: Any) -> str:
    shown = []
    for f in report.errors[:10]:
        value = f" (waarde: '{f.value}')" if f.value not in (None, "") else ""
        shown.append(f"{f.column or f.file}: {f.message}{value}")
    more = f" (en nog {len(report.errors) - 10})" if len(report.errors) > 10 else ""
    return "; ".join(shown) + more


def classify(settings: Settings, token: str | None, queue_key: str, choice: Classification) -> Classified:
    """Classify a queued record: validate its delivery, archive it for the pipeline, log the action."""
    who = authorise(settings.coordinator_tokens, token)
    with audit.exclusive(settings.audit_log) as write:
        record = find(settings, queue_key, audit.entries(settings.audit_log))
        row = experiment_row(record, choice)
        data = delivery(row)
        known = serving.known_experiments(settings.serving_dir, record.province_code)
        with tempfile.TemporaryDirectory(prefix="ida-classify-") as folder:
            path = Path(folder) / DELIVERY_FILE
            path.write_bytes(data)
            report = validate([path], record.province_code, known, settings.limits)
        if not report.accepted:
            raise ClassificationRejected(
                f"Het record voldoet ook met deze classificatie niet aan de standaard: {_findings(report)}. "
                "Laat de provincie het bij de bron verbeteren, of wijs het af met een reden.")
        origin = {**record.what(), "classified_by": who, "classification": asdict(choice)}
        submission = archive_submission(settings.submissions_dir, record.province_code, [(DELIVERY_FILE, data)], known,
                                        CHANNEL, settings.limits, origin=origin)
        if not submission.report.accepted:  # the same validator as above: only a changed platform gets here
            raise ClassificationRejected(f"De levering is afgekeurd: {_findings(submission.report)}.")
        replaces = row["experiment_id"] in known
        after = {"status": "geclassificeerd", **asdict(choice), "experiment_id": row["experiment_id"],
                 "replaces_existing": replaces, "submission": submission.folder.name, "delivery_id": submission.delivery_id}
        entry = write(who, CLASSIFY, record.what(), record.before(), after)
    return Classified(entry, submission.folder.name, row["experiment_id"], replaces)


def dismiss(settings: Settings, token: str | None, queue_key: str, reason: str) -> dict[str, Any]:
    """Dismiss a queued record with a reason: it leaves the queue; the audit log keeps why."""
    who = authorise(settings.coordinator_tokens, token)
    cleaned = (reason or "").strip()
    if not cleaned:
        raise UsageError("Geef een reden waarom dit record wordt afgewezen (--reason).")
    if len(cleaned) > MAX_REASON:
        raise UsageError(f"De reden is {len(cleaned)} tekens lang; hoogstens {MAX_REASON} mag.")
    with audit.exclusive(settings.audit_log) as write:
        record = find(settings, queue_key, audit.entries(settings.audit_log))
        return write(who, DISMISS, record.what(), record.before(), {"status": "afgewezen", "reden": cleaned})


# ------------------------------------------------------------------------------------------ the pipeline

def decision_rows(entries: list[dict[str, Any]], province: str) -> list[dict[str, Any]]:
    """The decisions on `province`'s records as rows of raw.curation_decisions."""
    rows = []
    for e in entries:
        what, after = e.get("what"), e.get("after") or {}
        if e.get("action") not in (CLASSIFY, DISMISS) or not isinstance(what, dict) or what.get("province_code") != province:
            continue
        rows.append({
            "entry_id": e["id"], "province_code": province, "source_id": what["source_id"], "record_id": what["record_id"],
            "checksum": what["checksum"], "queue_key": what["queue_key"], "action": e["action"], "decided_by": e["who"],
            "decided_at": datetime.fromisoformat(e["at"]).replace(tzinfo=None), "kerntaak": after.get("kerntaak"),
            "fase": after.get("fase"), "ida_spoor": after.get("ida_spoor"), "experiment_id": after.get("experiment_id"),
            "delivery_id": after.get("delivery_id"), "reason": after.get("reden"),
        })
    return rows


def audit_line(entry: dict[str, Any]) -> str:
    """One audit entry as a line of plain text: when, who, what, before → after."""
    what, before, after = entry.get("what") or {}, entry.get("before") or {}, entry.get("after") or {}
    record = f"{what.get('province_code', '')} '{what.get('title') or what.get('record_id', '')}' ({what.get('record_url', '')})"
    was = before.get("status", "")
    if entry.get("action") == CLASSIFY:
        now = (f"geclassificeerd: kerntaak={after.get('kerntaak')}, fase={after.get('fase')}, spoor={after.get('ida_spoor')}, "
               f"experiment {after.get('experiment_id')}, levering {after.get('submission')}")
    elif entry.get("action") == DISMISS:
        now = f"afgewezen: {after.get('reden')}"
    else:
        now = json.dumps(after, ensure_ascii=False) if after else ""
    return f"{entry.get('at')}  {entry.get('who')}  {entry.get('action')}  {record}  voor: {was}  na: {now}"

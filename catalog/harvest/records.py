"""A harvested record on its way in: fetched, mapped, its lesson/result files read, then validated.

The same validator as for uploads (ida.intake.validation.validate_delivery) checks every batch. A batch
is one table per record type; a finding's row points back to the record it came from, and that
record (with its lessons and results) goes to the to-classify queue with the findings as reason,
while the rest of the batch is accepted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from catalog.harvest import http
from catalog.harvest.mapping import RESOURCE_COLUMNS, Distribution
from ida.intake.reading import Delivery, Table, Unreadable, read_bytes
from ida.standard.record_types import RECORD_TYPES
from ida.intake.validation import Report, validate_delivery

Progress = Callable[[str, int, "int | None"], None]


def checksum(document: Any) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Harvested:
    """One record of a source, new or changed since the last harvest."""

    record_id: str
    url: str
    modified: str | None
    document: dict[str, Any]
    title: str | None
    experiment: dict[str, Any] | None = None  # a row of `experimenten` (Dutch columns)
    reason: str | None = None                 # why it goes to the to-classify queue
    distributions: list[Distribution] = field(default_factory=list)
    tables: dict[str, list[tuple[str, list[dict[str, Any]]]]] = field(default_factory=dict)  # type -> [(url, rows)]
    checksum: str = ""

    def __post_init__(self) -> None:
        self.checksum = self.checksum or checksum(self.document)

    def reject(self, reason: str) -> None:
        self.experiment, self.reason = None, reason


def read_distributions(records: list[Harvested], session: requests.Session, options: http.Options) -> None:
    """Download the lesson/result CSVs of the records that map to an experiment and read them as tables.

    A file that is gone (404) or unreadable sends its record to the queue; a transient failure that
    outlasts the retries fails the whole source (HarvestError), so nothing half is stored."""
    jobs = [(r, d, d.record_type) for r in records if r.experiment for d in r.distributions if d.record_type]
    if not jobs:
        return

    def fetch(job: tuple[Harvested, Distribution, str]) -> tuple[Harvested, Distribution, str, bytes | str]:
        record, dist, record_type = job
        try:
            return record, dist, record_type, http.get(session, dist.url, options).body
        except http.HarvestError as problem:
            if problem.status in (401, 403, 404):  # gone or closed: this record waits, the source goes on
                return record, dist, record_type, str(problem)
            raise

    with ThreadPoolExecutor(max_workers=4) as pool:
        fetched = list(pool.map(fetch, jobs))
    for record, dist, record_type, body in fetched:
        if not record.experiment:
            continue
        if isinstance(body, str):
            record.reject(f"Het bestand met {record_type} is niet op te halen: {body}")
            continue
        delivery = Delivery()
        try:
            read_bytes(body, f"{record_type}.csv", delivery)
        except Unreadable as problem:
            record.reject(f"{record_type} ({dist.url}): {problem}")
            continue
        table = delivery.tables[0]
        record.tables.setdefault(record_type, []).append((dist.url, _rows(table, record_type, record.experiment)))


def _rows(table: Table, record_type: str, experiment: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows as dicts of the standard's columns (English export columns renamed), each with
    its row number as a spreadsheet user counts it; a missing experiment_id is the record's own."""
    renames = RESOURCE_COLUMNS[record_type]
    headers = [renames.get(h.strip().casefold(), h.strip().casefold()) for h in table.headers]
    rows = []
    for offset, cells in enumerate(table.rows):
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        row = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(headers)}
        if not row.get("experiment_id"):
            row["experiment_id"] = experiment["experiment_id"]
        row["__row__"] = table.first_row + offset
        rows.append(row)
    return rows


@dataclass
class Fetched:
    """What a harvester found: the new or changed records, and which records the source still has
    (`present`; None when the source did not change, so nothing can have been withdrawn)."""

    records: list[Harvested]
    present: set[str] | None
    seen: int
    high_water: str | None = None
    validators: dict[str, Any] | None = None


@dataclass
class Batch:
    """Accepted records with their validated report (provenance already pointing at the source)."""

    records: list[Harvested]
    report: Report | None


def _cell(value: Any) -> Any:
    """A value as the reader would give it: hashable (a list becomes a tuple, an object its JSON text)."""
    if isinstance(value, (list, tuple)):
        return tuple(v if isinstance(v, (str, int, float)) else json.dumps(v, default=str) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def _delivery(records: list[Harvested]) -> tuple[Delivery, dict[str, list[tuple[int, str, int]]]]:
    """One table per record type over all records; per table, row -> (record index, url, source row)."""
    delivery, origin = Delivery(), {}
    for name, record_type in RECORD_TYPES.items():
        headers = [c.name for c in record_type.columns]
        rows, where = [], []
        for index, record in enumerate(records):
            if name == "experimenten":
                rows.append([_cell(record.experiment.get(h)) for h in headers])
                where.append((index, record.url, 1))
                continue
            for url, table_rows in record.tables.get(name, []):
                for row in table_rows:
                    rows.append([_cell(row.get(h)) for h in headers])
                    where.append((index, url, row["__row__"]))
        if rows:
            delivery.tables.append(Table(name, name, None, headers, rows, first_row=0))
            origin[name] = where
    return delivery, origin


def validate_batch(records: list[Harvested], province: str, known: set[str]) -> Batch:
    """Validate the records that map to experiments; failing ones get a reason, the rest are accepted."""
    candidates = [r for r in records if r.experiment]
    for _ in range(10):
        if not candidates:
            return Batch([], None)
        delivery, origin = _delivery(candidates)
        report = validate_delivery(delivery, province, known)
        if report.accepted:
            _point_at_sources(report, origin)
            return Batch(candidates, report)
        failing: dict[int, list[str]] = {}
        for finding in report.errors:
            where = origin.get(finding.file)
            if where is None or finding.row is None:
                indices = range(len(candidates)) if where is None else sorted({w[0] for w in where})
                for i in indices:
                    failing.setdefault(i, []).append(finding.message)
                continue
            index, url, row = where[finding.row]
            prefix = f"{finding.column}: " if finding.file == "experimenten" else f"{finding.file} ({url}, rij {row}), {finding.column}: "
            value = f" (waarde: '{finding.value}')" if finding.value not in (None, "") else ""
            failing.setdefault(index, []).append(f"{prefix}{finding.message}{value}")
        for index, messages in failing.items():
            candidates[index].reject("Voldoet niet aan de standaard: " + " | ".join(dict.fromkeys(messages)))
        candidates = [r for r in candidates if r.experiment]
    raise AssertionError("validation did not converge")  # pragma: no cover - each round removes a record


def _point_at_sources(report: Report, origin: dict[str, list[tuple[int, str, int]]]) -> None:
    """Provenance per row: the record's link (experiments) or the CSV's URL and row (lessons, results)."""
    for name, rows in report.records.items():
        for record in rows:
            _, url, row = origin[name][record["source_row"]]
            record["source_file"], record["source_row"] = url, row

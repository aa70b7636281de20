"""One harvest of one source, end to end, and a province's sources one after the other.

fetch (network, nothing written) → read the lesson/result files → validate the batch with the
upload validator → write: accepted records through `ida.warehouse.raw.load` (raw.experimenten,
lessen, resultaten, with Source(kind="ckan"/"dcat")), then in one transaction the records' versions,
the to-classify queue, the tombstones and the run. A source that fails writes only a failed run:
what the platform held from it stays, its state does not move, the next run tries again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import duckdb

from ida.warehouse import raw as warehouse
from ida.settings import HarvestSettings
from catalog.harvest import ckan, dcat, http, records, state
from catalog.harvest.records import Progress
from catalog.harvest.sources import HarvestSource, Registry

log = logging.getLogger("catalog.harvest")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass
class Result:
    """How one harvest of one source went."""

    province: str
    source_id: str
    kind: str
    url: str
    status: str  # ok | mislukt
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    unchanged: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_json(self) -> dict[str, Any]:
        """The summary `ida harvest-source --json` prints."""
        return {"experiments": self.counts.get("experiments", 0), "lessons": self.counts.get("lessons", 0),
                "to_classify": self.counts.get("to_classify", 0), "errors": self.errors}

    def summary(self) -> str:
        if not self.ok:
            return f"{self.province} {self.kind} {self.url}: MISLUKT: {'; '.join(self.errors)}"
        c = self.counts
        change = "ongewijzigd" if self.unchanged else f"{c['fetched']} nieuw of gewijzigd"
        return (f"{self.province} {self.kind} {self.url}: {c['seen']} records, {change}; {c['experiments']} experimenten, "
                f"{c['lessons']} lessen, {c['results']} resultaten, {c['to_classify']} te classificeren, "
                f"{c['withdrawn']} ingetrokken bij de bron")


def harvest_source(con: duckdb.DuckDBPyConnection, province: str, source: HarvestSource, *, dry_run: bool = False,
                   progress: Progress | None = None, options: http.Options | None = None,
                   settings: HarvestSettings = HarvestSettings(), known_experiments: frozenset[str] = frozenset()) -> Result:
    """Harvest `source` for `province` into the warehouse at `con` (with `dry_run`: only count); `options`
    (default: from `settings` and the source's timeout) say how patient to be; lessons may refer to
    `known_experiments` (what the platform holds for the province, as for a delivery)."""
    options = options or http.Options.of(settings, source.timeout)
    run = state.Run(uuid.uuid4().hex, province, source.source_id, source.kind, source.url, _now())
    result = Result(province, source.source_id, source.kind, source.url, "ok", dry_run=dry_run)
    try:
        held = state.held(con, province, source.source_id)
        last = state.last_ok(con, province, source.source_id)
        session = http.session()
        fetcher = ckan.fetch if source.kind == "ckan" else dcat.fetch
        fetched = fetcher(source, province, held, last, options, progress, session)
        records.read_distributions(fetched.records, session, options)
        batch = records.validate_batch(fetched.records, province, set(known_experiments))
    except http.HarvestError as problem:
        return _failed(con, run, result, str(problem), dry_run)
    except Exception as problem:  # isolation: no source may take the others down, whatever it serves
        log.exception("harvest of %s failed unexpectedly", source.source_id)
        return _failed(con, run, result, f"Onverwachte fout bij het oogsten van {source.url}: "
                                         f"{type(problem).__name__}: {str(problem)[:300]}", dry_run)

    fetched_at = _now()
    queued = [r for r in fetched.records if r.reason]
    gone = [] if fetched.present is None else [h for i, h in held.items() if i not in fetched.present]
    report = batch.report
    run.high_water, run.validators = fetched.high_water, fetched.validators
    run.counts.update(seen=fetched.seen, fetched=len(fetched.records), experiments=len(batch.records),
                      lessons=report.counts.get("lessen", 0) if report else 0,
                      results=report.counts.get("resultaten", 0) if report else 0,
                      to_classify=len(queued), withdrawn=len(gone))
    result.counts, result.unchanged = dict(run.counts), fetched.present is None
    if dry_run:
        return result

    if report is not None:
        run.delivery_id = _delivery_id(source.source_id, batch.records, held)
        files = tuple(sorted({r.url for r in batch.records}))
        warehouse.load(con, report, run.delivery_id, warehouse.Source(source.kind, source.url, files, fetched_at))
    base = (province, source.source_id, source.kind, source.url)
    versions = [(*base, r.record_id, r.url, r.modified, r.checksum, fetched_at,
                 "experiment" if r.experiment else "to_classify",
                 r.experiment["experiment_id"] if r.experiment else None,
                 run.delivery_id if r.experiment else None, run.run_id) for r in fetched.records]
    queue = [(*base, r.record_id, r.url, r.title, r.reason, json.dumps(r.document, default=str, ensure_ascii=False),
              fetched_at, r.checksum, run.run_id) for r in queued]
    tombstones = [(*base, h.record_id, h.record_url, h.experiment_id, h.checksum, h.fetched_at, fetched_at, run.run_id)
                  for h in gone]
    run.finished_at = _now()
    state.record_success(con, run, versions, queue, tombstones)
    log.info(result.summary())
    return result


def _failed(con: duckdb.DuckDBPyConnection, run: state.Run, result: Result, message: str, dry_run: bool) -> Result:
    run.status, run.error, run.finished_at = "mislukt", message, _now()
    result.status, result.errors = "mislukt", [message]
    if not dry_run:
        state.record_failure(con, run)
    log.error(result.summary())
    return result


def _delivery_id(source_id: str, accepted: list[records.Harvested], held: dict[str, state.Held]) -> str:
    """Stable for the same change (a retry after a crash loads nothing twice), new for every other."""
    digest = hashlib.sha256(f"harvest\0{source_id}\n".encode())
    for r in sorted(accepted, key=lambda r: r.record_id):
        before = held[r.record_id].checksum if r.record_id in held else ""
        digest.update(f"{r.record_id}\0{before}\0{r.checksum}\n".encode())
    return digest.hexdigest()


def harvest_province(con: duckdb.DuckDBPyConnection, province: str, registry: Registry,
                     progress_for: Any = None, settings: HarvestSettings = HarvestSettings(),
                     known_experiments: frozenset[str] = frozenset()) -> list[Result]:
    """Every ckan/dcat source of `province`, each on its own: one failing source stops none of the others."""
    results = []
    for source in registry.harvested(province):
        progress = progress_for(source) if progress_for else None
        results.append(harvest_source(con, province, source, progress=progress, settings=settings,
                                      known_experiments=known_experiments))
    return results

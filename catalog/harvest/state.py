"""What the warehouse remembers of each source: its runs, the latest version of every record, tombstones.

All append-only (ida/warehouse/raw_schema.sql, `raw.harvest_*`): the state of a source is the
latest successful run (high-water mark, page validators) and, per record, the latest row of
`raw.harvest_records` unless a later tombstone says it was withdrawn at the source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb


@dataclass(frozen=True)
class Held:
    """The latest version of one record the platform holds from a source."""

    record_id: str
    record_url: str
    modified: str | None
    checksum: str
    outcome: str
    experiment_id: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class LastRun:
    high_water: str | None
    validators: dict[str, Any] | None


@dataclass
class Run:
    """One harvest of one source, as raw.harvest_runs records it."""

    run_id: str
    province: str
    source_id: str
    kind: str
    url: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "ok"
    error: str | None = None
    high_water: str | None = None
    validators: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("seen", "fetched", "experiments", "lessons", "results", "to_classify", "withdrawn"), 0))
    delivery_id: str | None = None


def held(con: duckdb.DuckDBPyConnection, province: str, source_id: str) -> dict[str, Held]:
    rows = con.execute("""
        with latest as (
            select * from raw.harvest_records
            where province_code = $p and source_id = $s
            qualify row_number() over (partition by record_id order by fetched_at desc) = 1
        ),
        gone as (
            select record_id, max(withdrawn_at) as withdrawn_at from raw.withdrawn_at_source
            where province_code = $p and source_id = $s group by record_id
        )
        select latest.record_id, record_url, modified, checksum, outcome, experiment_id, fetched_at
        from latest left join gone using (record_id)
        where gone.withdrawn_at is null or gone.withdrawn_at < latest.fetched_at
    """, {"p": province, "s": source_id}).fetchall()
    return {r[0]: Held(*r) for r in rows}


def last_ok(con: duckdb.DuckDBPyConnection, province: str, source_id: str) -> LastRun | None:
    row = con.execute("""
        select high_water, validators from raw.harvest_runs
        where province_code = ? and source_id = ? and status = 'ok'
        order by finished_at desc limit 1
    """, [province, source_id]).fetchone()
    if row is None:
        return None
    return LastRun(row[0], json.loads(row[1]) if row[1] else None)


def _run_row(run: Run) -> list[Any]:
    c = run.counts
    return [run.run_id, run.province, run.source_id, run.kind, run.url, run.started_at, run.finished_at, run.status,
            run.error, run.high_water, json.dumps(run.validators) if run.validators else None, c["seen"], c["fetched"],
            c["experiments"], c["lessons"], c["results"], c["to_classify"], c["withdrawn"], run.delivery_id]


def record_failure(con: duckdb.DuckDBPyConnection, run: Run) -> None:
    con.execute(f"insert into raw.harvest_runs values ({', '.join('?' * 19)})", _run_row(run))


def record_success(con: duckdb.DuckDBPyConnection, run: Run, records: list[tuple], to_classify: list[tuple],
                   tombstones: list[tuple]) -> None:
    """The run, its records, the to-classify queue entries and the tombstones, in one transaction."""
    con.execute("begin transaction")
    try:
        if records:
            con.executemany(f"insert into raw.harvest_records values ({', '.join('?' * 13)})", records)
        if to_classify:
            con.executemany(f"insert into raw.to_classify values ({', '.join('?' * 12)})", to_classify)
        if tombstones:
            con.executemany(f"insert into raw.withdrawn_at_source values ({', '.join('?' * 11)})", tombstones)
        con.execute(f"insert into raw.harvest_runs values ({', '.join('?' * 19)})", _run_row(run))
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise

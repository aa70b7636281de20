"""The DuckDB warehouse: the raw layer's schema, loading accepted deliveries, and what it holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ida.standard.record_types import RECORD_TYPES
from ida.intake.validation import Report

SCHEMA_SQL = Path(__file__).with_name("raw_schema.sql")
PROVENANCE = ("delivery_id", "province_code", "source_file", "source_row", "loaded_at")


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse; the writer makes sure the raw layer exists."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            con.execute(SCHEMA_SQL.read_text())
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class Source:
    """Where a delivery came from."""

    kind: str  # upload | ckan | dcat
    location: str
    file_names: tuple[str, ...]
    received_at: datetime


def is_loaded(con: duckdb.DuckDBPyConnection, delivery_id: str) -> bool:
    return con.execute("select count(*) from raw.deliveries where delivery_id = ?", [delivery_id]).fetchone()[0] > 0


def load(con: duckdb.DuckDBPyConnection, report: Report, delivery_id: str, source: Source) -> bool:
    """Append an accepted delivery to the raw layer in one transaction; False if it was loaded before."""
    if not report.accepted or report.province is None:
        raise ValueError("Only an accepted delivery of a known province can be loaded.")
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        if is_loaded(con, delivery_id):
            con.execute("rollback")
            return False
        con.execute(
            "insert into raw.deliveries values (?, ?, ?, ?, ?, ?, ?)",
            [delivery_id, report.province, source.kind, source.location, list(source.file_names), source.received_at, loaded_at],
        )
        for name, record_type in RECORD_TYPES.items():
            records = report.records.get(name)
            if records:
                _insert(con, name, record_type.columns, records, delivery_id, report.province, loaded_at)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return True


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: Any, records: list[dict[str, Any]],
            delivery_id: str, province: str, loaded_at: datetime) -> None:
    names = [c.name for c in columns if c.name != "provincie"]
    frame = pd.DataFrame.from_records(
        [(delivery_id, province, r["source_file"], r["source_row"], loaded_at, *(r[n] for n in names)) for r in records],
        columns=[*PROVENANCE, *names],
    )
    con.register("incoming", frame)
    try:
        con.execute(f"insert into raw.{table} by name select * from incoming")  # noqa: S608 - fixed table names
    finally:
        con.unregister("incoming")


DECISION_COLUMNS = ("entry_id", "province_code", "source_id", "record_id", "checksum", "queue_key", "action",
                    "decided_by", "decided_at", "kerntaak", "fase", "ida_spoor", "experiment_id", "delivery_id", "reason")


def load_decisions(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Append the coordinators' decisions not loaded before (by audit entry id); how many were new."""
    if not rows:
        return 0
    frame = pd.DataFrame.from_records([[r.get(c) for c in DECISION_COLUMNS] for r in rows], columns=list(DECISION_COLUMNS))
    con.register("incoming_decisions", frame)
    try:
        before = con.execute("select count(*) from raw.curation_decisions").fetchone()[0]
        con.execute("""
            insert into raw.curation_decisions by name
            select * from incoming_decisions
            where entry_id not in (select entry_id from raw.curation_decisions)
        """)
        return con.execute("select count(*) from raw.curation_decisions").fetchone()[0] - before
    finally:
        con.unregister("incoming_decisions")

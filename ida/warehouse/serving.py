"""The serving copy: a read-only snapshot of the marts for the app, swapped in atomically.

DuckDB has one writer. The pipeline writes the warehouse; after a successful build it copies the
marts into a new file under the serving folder and then replaces the pointer `current.json` with
one atomic rename. Readers resolve the pointer, open that file read-only, and never touch the
warehouse, so a running pipeline cannot break a page. The file name is the version readers cache on.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from ida import search
from ida.errors import NotPublished
from ida.intake.validation import KnownRecords

POINTER = "current.json"
SERVED_SCHEMAS = ("marts", "vocab")
KEEP_VERSIONS = 3
GRACE_SECONDS = 600  # an old version stays this long after being replaced, for readers still on it


def publish(warehouse: Path, serving_dir: Path) -> Path:
    """Copy the served schemas of `warehouse` into a new version and point readers at it."""
    serving_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = serving_dir / f"marts-{stamp}.duckdb"
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'warehouse' and schema_name in ?",
            [list(SERVED_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{table}" as select * from warehouse."{schema}"."{table}"')
        con.execute("detach warehouse")
        if {("marts", "lessons"), ("marts", "experiments")} <= set(tables):
            search.build_index(con, target)  # the search index: schema `search` and the folder beside the copy
        con.execute("checkpoint")
    finally:
        con.close()
    pointer = {"file": target.name, "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    temporary = serving_dir / f".{POINTER}.{os.getpid()}"
    temporary.write_text(json.dumps(pointer))
    os.replace(temporary, serving_dir / POINTER)
    _prune(serving_dir, keep=target.name)
    return target


def current(serving_dir: Path) -> Path:
    """The file of the version readers should open now."""
    try:
        pointer = json.loads((serving_dir / POINTER).read_text())
    except FileNotFoundError:
        raise NotPublished(serving_dir) from None
    return serving_dir / pointer["file"]


def connect(serving_dir: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current version."""
    return duckdb.connect(str(current(serving_dir)), read_only=True)


def _prune(serving_dir: Path, keep: str) -> None:
    versions = sorted(serving_dir.glob("marts-*.duckdb"), reverse=True)
    for old in versions[KEEP_VERSIONS:]:
        if old.name != keep and time.time() - old.stat().st_mtime > GRACE_SECONDS:
            old.unlink(missing_ok=True)
            Path(f"{old}.wal").unlink(missing_ok=True)
            search.remove_index(old)


def known_experiments(serving_dir: Path, province: str) -> KnownRecords:
    """What the platform holds for `province` that a new delivery may refer to: its experiments (with their
    learning questions, which a lesson's `leervraag` names) and its lessons (which a withdrawal names).
    Withdrawn records are not in the marts, so they are not known."""
    try:
        with connect(serving_dir) as con:
            experiments = con.execute("select experiment_id, learning_questions from marts.experiments where province_code = ?",
                                      [province]).fetchall()
            lessons = con.execute("select lesson_id from marts.lessons where province_code = ?", [province]).fetchall()
    except NotPublished:
        return KnownRecords()
    return KnownRecords({e: tuple(questions or ()) for e, questions in experiments}, frozenset(r[0] for r in lessons))

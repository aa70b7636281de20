"""The serving copy: a read-only snapshot of the marts for the app, swapped in atomically.

DuckDB has one writer. The pipeline writes the warehouse; after a successful build it copies the
marts into a new file under the serving folder and then replaces the pointer `current.json` with
one atomic rename. Readers resolve the pointer, open that file read-only, and never touch the
warehouse, so a running pipeline cannot break a page. The file name is the version readers cache on.
"""

from __future__ import annotations

import json
import os
import shutil
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


def publish(warehouse: Path, serving_dir: Path, provinces: list[str] | None = None) -> Path:
    """Copy the served schemas of `warehouse` into a new version and point readers at it.

    With `provinces` (an increment) the new version starts as a file copy of the current one, and only the
    rows of those provinces are replaced in each table that has a `province_code` (the marts are built per
    province: a province's rows depend on its own data and the vocabularies only); tables without one, or
    whose columns changed, are copied whole. Without `provinces`, or when there is no current version,
    every table is copied."""
    serving_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = serving_dir / f"marts-{stamp}.duckdb"
    base = _current_file(serving_dir) if provinces is not None else None
    if base is not None:
        shutil.copyfile(base, target)
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'warehouse' and schema_name in ?",
            [list(SERVED_SCHEMAS)],
        ).fetchall()
        if base is not None:
            _replace_rows(con, tables, provinces or [])
        else:
            for schema, table in tables:
                con.execute(f'create schema if not exists "{schema}"')
                con.execute(f'create table "{schema}"."{table}" as select * from warehouse."{schema}"."{table}"')
        con.execute("detach warehouse")
        if {("marts", "lessons"), ("marts", "experiments")} <= set(tables):
            # the search index (schema `search` and the folder beside the copy): on an increment, only the
            # documents of `provinces` are tokenised anew
            search.build_index(con, target, previous=base, provinces=provinces if base is not None else None)
        con.execute("checkpoint")
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        raise
    con.close()
    pointer = {"file": target.name, "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    temporary = serving_dir / f".{POINTER}.{os.getpid()}"
    temporary.write_text(json.dumps(pointer))
    os.replace(temporary, serving_dir / POINTER)
    _prune(serving_dir, keep=target.name)
    return target


def _current_file(serving_dir: Path) -> Path | None:
    try:
        path = current(serving_dir)
    except NotPublished:
        return None
    return path if path.exists() else None


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute("select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = ? "
                       "and table_name = ? order by column_index", [database, schema, table]).fetchall()


def _replace_rows(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]], provinces: list[str]) -> None:
    """In the copy of the previous version: the rows of `provinces` from the warehouse, the rest untouched."""
    own = con.execute("select current_database()").fetchone()[0]
    # an index would be updated row by row (0.4 s for one province's lessons at 240,000); whoever reads by it
    # (the search index) makes it anew afterwards, in one go
    for schema, index in con.execute("select schema_name, index_name from duckdb_indexes() where database_name = ? "
                                     "and schema_name in ?", [own, list(SERVED_SCHEMAS)]).fetchall():
        con.execute(f'drop index "{schema}"."{index}"')
    for schema, table in con.execute("select schema_name, table_name from duckdb_tables() where database_name = ? "
                                     "and schema_name in ?", [own, list(SERVED_SCHEMAS)]).fetchall():
        if (schema, table) not in tables:
            con.execute(f'drop table "{schema}"."{table}"')
    for schema, table in tables:
        name, source = f'"{schema}"."{table}"', f'warehouse."{schema}"."{table}"'
        columns = _columns(con, "warehouse", schema, table)
        if columns == _columns(con, own, schema, table) and ("province_code", "VARCHAR") in columns:
            if provinces:
                con.execute("begin transaction")
                con.execute(f"delete from {name} where province_code in ?", [provinces])
                con.execute(f"insert into {name} select * from {source} where province_code in ?", [provinces])
                con.execute("commit")
        else:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f"create or replace table {name} as select * from {source}")


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

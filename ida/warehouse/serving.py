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

from ida.errors import NotPublished
from ida.intake.validation import KnownRecords

POINTER = "current.json"
SERVED_SCHEMAS = ("marts", "vocab")
SEARCH_SCHEMA = "search"  # the lessons' search index, built in each serving copy (see build_search_index)
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
        if ("marts", "lessons") in tables:
            build_search_index(con)
        con.execute("checkpoint")
    finally:
        con.close()
    pointer = {"file": target.name, "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    temporary = serving_dir / f".{POINTER}.{os.getpid()}"
    temporary.write_text(json.dumps(pointer))
    os.replace(temporary, serving_dir / POINTER)
    _prune(serving_dir, keep=target.name)
    return target


# Words too common to search on (Dutch and English function words); tokens of one character are left out too.
STOPWORDS = (
    "aan", "al", "als", "and", "bij", "dan", "dat", "de", "deze", "die", "dit", "door", "een", "en", "er", "for",
    "geen", "had", "heeft", "het", "hij", "hoe", "in", "is", "je", "kan", "maar", "met", "na", "naar", "niet", "nog",
    "of", "om", "omdat", "on", "ook", "op", "over", "te", "the", "to", "toe", "tot", "u", "uit", "van", "voor",
    "was", "wat", "we", "wel", "werd", "wie", "wij", "worden", "wordt", "ze", "zij", "zijn", "zo",
)


ACCENTED, PLAIN = "áàâäãåéèêëíìîïóòôöõøúùûüýÿçñ", "aaaaaaeeeeiiiioooooouuuuyycn"


def tokens_sql(text: str) -> str:
    """DuckDB expression: the search tokens of `text` (lower case, common accents dropped, split on anything
    else than a letter or digit). The index and the app's queries both tokenise with it. (translate() is
    three times faster than strip_accents() on 240,000 lessons.)"""
    return f"string_split_regex(translate(lower(coalesce({text}, '')), '{ACCENTED}', '{PLAIN}'), '[^a-z0-9]+')"


# BM25 parameters: K1, how fast a repeated term stops counting; B, how much a long lesson is discounted.
BM25_K1, BM25_B = 1.2, 0.75


def build_search_index(con: duckdb.DuckDBPyConnection, lessons: str = "marts.lessons", schema: str = SEARCH_SCHEMA) -> None:
    """The lessons' full-text index as two plain tables, ranked with BM25 (apps/queries.py):

    - `lesson_docs(doc_id, lesson_key, doc_length, province_code, core_task, category, direction, lesson_date)`:
      one row per lesson with its number of indexed terms and the columns the app filters on;
    - `lesson_terms(term, doc_id, tf, weight)`: each term of a lesson (its text and its experiment's title), how
      often it occurs, and its BM25 weight there — idf(term) · tf·(K1+1) / (tf + K1·(1 − B + B·length/average
      length)) — so a search only adds weights up. Sorted by term: looking up a term or a prefix reads only a
      few row groups.

    DuckDB's own FTS extension is not bundled with the Python package (it is downloaded on first use),
    so the index is built with core SQL only.
    """
    stopwords = ", ".join(f"'{word}'" for word in STOPWORDS)
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"""
        create or replace temp table search_ids as
        select row_number() over (order by lesson_key)::integer as doc_id, lesson_key, province_code, core_task,
               category, direction, lesson_date, lesson_text || ' ' || experiment_title as document
        from {lessons}
    """)
    con.execute(f"""
        create or replace temp table search_tf as
        with tokens as (select doc_id, unnest({tokens_sql("document")}) as term from search_ids)
        select term, doc_id, count(*)::integer as tf
        from tokens
        where length(term) > 1 and term not in ({stopwords})
        group by term, doc_id
    """)
    con.execute(f"""
        create or replace table {schema}.lesson_docs as
        select i.doc_id, i.lesson_key, coalesce(t.doc_length, 0)::integer as doc_length,
               i.province_code, i.core_task, i.category, i.direction, i.lesson_date
        from search_ids i
        left join (select doc_id, sum(tf) as doc_length from search_tf group by doc_id) t using (doc_id)
        order by i.doc_id
    """)
    con.execute(f"""
        create or replace table {schema}.lesson_terms as
        with stats as (select count(*)::double as n, avg(doc_length)::double as avgdl from {schema}.lesson_docs),
        document_frequency as (select term, count(*)::double as df from search_tf group by term)
        select t.term, t.doc_id, t.tf,
               (ln(1 + (stats.n - f.df + 0.5) / (f.df + 0.5))
                * t.tf * {BM25_K1 + 1} / (t.tf + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * d.doc_length / stats.avgdl)))::float
                   as weight
        from search_tf t
        join document_frequency f using (term)
        join {schema}.lesson_docs d using (doc_id)
        cross join stats
        order by t.term, t.doc_id
    """)
    con.execute("drop table search_ids")
    con.execute("drop table search_tf")


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

"""The dashboard's queries, against the read-only serving copy only: the connection and cache shared by
every page area here, the queries themselves in a module per page area (overview, compare, lessons,
dilemmas, scaling, catalogue, harvest).

Results are cached per serving-copy version: a new pipeline run shows up at the next page load,
and a running pipeline never touches the file the app reads. Derived numbers come from the dbt marts;
the queries select and filter, the pages only draw.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import streamlit as st

from ida.errors import NotPublished
from ida.settings import Settings
from ida.warehouse import serving


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """The platform settings, read once per dashboard process."""
    return Settings.from_env()


def version() -> str:
    """The file name of the current serving copy; the cache key of every query. NotPublished without one."""
    return serving.current(settings().serving_dir).name


def published_at() -> str:
    """When the current serving copy was published, for the reports (dd-mm-jjjj uu:mm, UTC)."""
    try:
        stamp = json.loads((settings().serving_dir / serving.POINTER).read_text())["published_at"]
    except FileNotFoundError:
        raise NotPublished(settings().serving_dir) from None
    return f"{stamp[8:10]}-{stamp[5:7]}-{stamp[:4]} {stamp[11:16]} (UTC)"


@st.cache_resource(max_entries=2, show_spinner=False)
def connection(version_name: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to one serving-copy version (each query takes a cursor of its own)."""
    return duckdb.connect(str(settings().serving_dir / version_name), read_only=True)


@st.cache_data(max_entries=512, show_spinner=False)
def _frame(sql: str, params: tuple, version_name: str) -> pd.DataFrame:
    return connection(version_name).cursor().execute(sql, list(params)).df()


def frame(sql: str, *params: object) -> pd.DataFrame:
    return _frame(sql, params, version())


def words(text: str) -> list[str]:
    """The words of a free-text filter; SQL compares them with strip_accents(lower(...)) on both sides."""
    return text.split()


def where_in(column: str, values: tuple, conditions: list[str], params: list) -> None:
    """Add `column in (values)` to the conditions when any value is chosen."""
    if values:
        conditions.append(f"{column} in ({', '.join('?' for _ in values)})")
        params.extend(values)


def where(conditions: list[str]) -> str:
    return f"where {' and '.join(conditions)}" if conditions else ""


# ------------------------------------------------------------------------------------------ vocabularies

VOCABULARIES = ("kerntaken", "fasen", "ida_sporen", "categorieen", "leerrichtingen", "escalatieniveaus",
                "publieke_waarden", "lesstatussen")


def vocabulary(name: str) -> pd.DataFrame:
    """code and label of a vocabulary, in its own order."""
    if name not in VOCABULARIES:
        raise ValueError(name)
    order = "volgorde" if name in ("fasen", "escalatieniveaus") else "rowid"
    return frame(f"select code, label from vocab.{name} order by {order}")


def labels(name: str) -> dict[str, str]:
    """code → label of a vocabulary, in its own order (for select boxes)."""
    table = vocabulary(name)
    return dict(zip(table["code"], table["label"]))


def province_names() -> dict[str, str]:
    table = frame("select code, naam from vocab.provincies order by naam")
    return dict(zip(table["code"], table["naam"]))


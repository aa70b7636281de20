"""Every query the dashboard runs, against the read-only serving copy only.

Results are cached per serving-copy version: a new pipeline run shows up at the next page load,
and a running pipeline never touches the file the app reads.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from catalog import serving
from catalog.settings import Settings


class NotPublished(Exception):
    """No serving copy yet: the pipeline has not run."""


def version() -> str:
    """The file name of the current serving copy; the cache key of every query."""
    try:
        return serving.current(Settings.from_env().serving_dir).name
    except serving.NoServingCopy:
        raise NotPublished from None


@st.cache_resource(max_entries=2)
def _connection(version_name: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(Settings.from_env().serving_dir / version_name), read_only=True)


@st.cache_data(max_entries=256, show_spinner=False)
def _frame(sql: str, params: tuple, version_name: str) -> pd.DataFrame:
    return _connection(version_name).cursor().execute(sql, list(params)).df()


def frame(sql: str, *params: object) -> pd.DataFrame:
    return _frame(sql, params, version())


def provinces() -> pd.DataFrame:
    return frame("select * from marts.provinces order by code")


def phase_by_core_task() -> pd.DataFrame:
    return frame("""
        select p.name as provincie, c.province_code, c.phase, c.phase_label, c.phase_order,
               c.core_task, c.core_task_label, c.experiments
        from marts.comparison_province_phase_core_task c
        join marts.provinces p on p.code = c.province_code
        order by c.province_code, c.phase_order, c.core_task
    """)


def experiments() -> pd.DataFrame:
    return frame("select * from marts.experiments order by province_code, experiment_id")


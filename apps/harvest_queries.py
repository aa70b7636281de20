"""The queries of the page 'Te classificeren', against the read-only serving copy only (catalog.serving).

Cached per serving-copy version, like apps/queries.py. A copy published before the harvest marts
existed simply has no harvest: the page then shows empty tables.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from catalog import serving
from catalog.settings import Settings


def version() -> str | None:
    try:
        return serving.current(Settings.from_env().serving_dir).name
    except serving.NoServingCopy:
        return None


@st.cache_data(max_entries=64, show_spinner=False)
def _frame(sql: str, params: tuple, version_name: str) -> pd.DataFrame:
    con = serving.connect(Settings.from_env().serving_dir)
    try:
        return con.execute(sql, list(params)).df()
    except duckdb.CatalogException:
        return pd.DataFrame()
    finally:
        con.close()


def _where_province(province: str | None) -> tuple[str, tuple]:
    return ("where province_code = ?", (province,)) if province else ("", ())


def queue(province: str | None) -> pd.DataFrame:
    """The to-classify queue, newest first."""
    where, params = _where_province(province)
    return _frame(f"""
        select queue_key, province_code, province_name, title, reason, source_kind, source_url, record_url,
               record_id, record_json, fetched_at
        from marts.to_classify {where}
        order by fetched_at desc, province_code, title
    """, params, version())


def sources(province: str | None) -> pd.DataFrame:
    """Each harvested source with its latest run."""
    where, params = _where_province(province)
    return _frame(f"""
        select province_name, source_kind, source_url, status, error, seen, experiments, to_classify,
               last_run_at, last_success_at
        from marts.harvest_sources {where}
        order by status desc, province_code, source_url
    """, params, version())


def withdrawn(province: str | None) -> pd.DataFrame:
    """Records withdrawn at their source (kept on the platform)."""
    where, params = _where_province(province)
    return _frame(f"""
        select province_name, experiment_id, record_url, source_url, last_fetched_at, withdrawn_at
        from marts.withdrawn_at_source {where}
        order by withdrawn_at desc, province_name
    """, params, version())

"""Queries of the page area harvest."""

from __future__ import annotations

import duckdb
import pandas as pd

from apps.queries import frame


def _harvest(sql: str, province: str | None) -> pd.DataFrame:
    """A harvest mart, of one province or all; empty for a copy published before the harvest marts existed."""
    where, params = ("where province_code = ?", (province,)) if province else ("", ())
    try:
        return frame(sql.format(where=where), *params)
    except duckdb.CatalogException:
        return pd.DataFrame()


def to_classify(province: str | None) -> pd.DataFrame:
    """The to-classify queue, newest first."""
    return _harvest("""
        select queue_key, province_code, province_name, title, reason, source_kind, source_url, record_url,
               record_id, record_json, fetched_at
        from marts.to_classify {where}
        order by fetched_at desc, province_code, title
    """, province)


def harvest_sources(province: str | None) -> pd.DataFrame:
    """Each harvested source with its latest run."""
    return _harvest("""
        select province_name, source_kind, source_url, status, error, seen, experiments, to_classify,
               last_run_at, last_success_at
        from marts.harvest_sources {where}
        order by status desc, province_code, source_url
    """, province)


def withdrawn_at_source(province: str | None) -> pd.DataFrame:
    """Records withdrawn at their source (kept on the platform)."""
    return _harvest("""
        select province_name, experiment_id, record_url, source_url, last_fetched_at, withdrawn_at
        from marts.withdrawn_at_source {where}
        order by withdrawn_at desc, province_name
    """, province)

"""Queries of the page area curation (Beheer): the to-classify queue with what a decision needs, and the
records withdrawn at their source (the provinces' own withdrawals: apps/queries/withdrawals.py)."""

from __future__ import annotations

import duckdb
import pandas as pd

from apps.queries import frame


def _optional(sql: str) -> pd.DataFrame:
    """A mart that an older serving copy may not have yet: empty then."""
    try:
        return frame(sql)
    except duckdb.CatalogException:
        return pd.DataFrame()


def queue() -> pd.DataFrame:
    """Every record of the to-classify queue, newest first, with its checksum (decisions are per version)."""
    return _optional("""
        select queue_key, checksum, province_code, province_name, title, reason, source_kind, source_url,
               record_url, record_id, record_json, fetched_at
        from marts.to_classify
        order by fetched_at desc, province_code, title
    """)


def withdrawn_at_source() -> pd.DataFrame:
    """Harvested records the provinces' portals no longer have (kept on the platform)."""
    return _optional("""
        select province_name, experiment_id, record_url, source_url, last_fetched_at, withdrawn_at
        from marts.withdrawn_at_source
        order by withdrawn_at desc, province_name
    """)

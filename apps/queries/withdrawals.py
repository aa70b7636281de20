"""Queries of the page Ingetrokken: what the provinces withdrew, with their reasons (for the coordinators)."""

from __future__ import annotations

import pandas as pd

from apps.queries import frame, where, where_in


def withdrawn(provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every withdrawn experiment and lesson, newest withdrawal first."""
    conditions, params = [], []
    where_in("province_code", provinces, conditions, params)
    return frame(f"""
        select withdrawn_on as ingetrokken, province_name as provincie, record_kind_label as soort,
               record_id as id, coalesce(experiment_title, '') as experiment, coalesce(lesson_text, '') as les,
               case when is_withdrawn_with_experiment then 'met het experiment ingetrokken: ' || reason
                    else reason end as reden,
               record_kind, province_code
        from marts.withdrawn
        {where(conditions)}
        order by withdrawn_on desc, province_name, record_kind, record_id
    """, *params)

"""Queries of the page area Overzicht."""

from __future__ import annotations

import pandas as pd

from apps.queries import frame


def provinces() -> pd.DataFrame:
    return frame("select * from marts.provinces order by code")


def experiments_per_phase() -> pd.DataFrame:
    return frame("""
        select province_name as provincie, phase_label as fase, phase_order, sum(experiments)::bigint as experimenten
        from marts.comparison_province_phase_core_task
        group by all
        order by provincie, phase_order
    """)


def experiments_per_core_task() -> pd.DataFrame:
    return frame("""
        select province_name as provincie, core_task_label as kerntaak, sum(experiments)::bigint as experimenten
        from marts.comparison_province_phase_core_task
        group by all
        order by provincie, kerntaak
    """)


def core_tasks_by_phase() -> pd.DataFrame:
    return frame("""
        select c.core_task_label as kerntaak, c.phase_label as fase, c.phase_order, sum(c.experiments)::bigint as experimenten
        from marts.comparison_province_phase_core_task c
        join vocab.kerntaken k on k.code = c.core_task
        group by c.core_task_label, c.phase_label, c.phase_order, k.rowid
        order by k.rowid, c.phase_order
    """)


def core_task_summary() -> pd.DataFrame:
    return frame("""
        select core_task_label as kerntaak, provinces_active as "provincies actief", experiments as experimenten,
               experiments_beyond_experimenting as "voorbij het experimenteren", lessons as lessen,
               dilemmas_open as "open dilemma's", results_with_target as "resultaten met doel",
               results_target_reached as "doel gehaald"
        from marts.comparison_core_task c
        join vocab.kerntaken k on k.code = c.core_task
        order by k.rowid
    """)


def development(by: str) -> pd.DataFrame:
    """Experiments started up to each month, summed per core task or per province (from the month mart)."""
    group = {"kerntaak": "core_task_label", "provincie": "province_name"}[by]
    return frame(f"""
        select start_month as maand, {group} as groep, sum(experiments_started_to_date)::bigint as "gestart tot en met"
        from marts.experiments_by_start_month
        group by all
        order by maand, groep
    """)


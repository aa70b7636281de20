"""Queries of the page area Catalogus."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from apps.queries import frame, where_in, where, words


@dataclass(frozen=True)
class CatalogueFilters:
    text: str = ""
    provinces: tuple[str, ...] = ()
    core_tasks: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()


def catalogue(filters: CatalogueFilters) -> pd.DataFrame:
    """Experiments matching every word of the search text (in title, summary, task, keywords, partners, data
    sources, owner or id), title matches first."""
    conditions, params = [], []
    where_in("e.province_code", filters.provinces, conditions, params)
    where_in("e.core_task", filters.core_tasks, conditions, params)
    where_in("e.phase", filters.phases, conditions, params)
    where_in("e.ida_line", filters.lines, conditions, params)
    terms = words(filters.text)
    haystack = ("lower(strip_accents(concat_ws(' ', e.title, e.summary, e.societal_task, e.owner, e.experiment_id, "
                "array_to_string(e.keywords, ' '), array_to_string(e.partners, ' '), array_to_string(e.data_sources, ' '))))")
    for word in terms:
        conditions.append(f"contains({haystack}, strip_accents(lower(?)))")
        params.append(word)
    title_hits = " + ".join("contains(lower(strip_accents(e.title)), strip_accents(lower(?)))::int" for _ in terms) or "0::int"
    return frame(f"""
        select e.experiment_key, e.province_name as provincie, e.title as titel, e.core_task_label as kerntaak,
               e.phase_label as fase, e.ida_line_label as "IDA-spoor", e.start_date as start, e.lessons as lessen,
               e.results as resultaten
        from marts.experiments e
        {where(conditions)}
        order by {title_hits} desc, e.province_name, e.title
    """, *params, *terms)


def experiment(key: str) -> dict | None:
    table = frame("select * from marts.experiments where experiment_key = ?", key)
    return None if table.empty else table.iloc[0].to_dict()


def experiment_lessons(key: str) -> pd.DataFrame:
    return frame("""
        select lesson_date as datum, category_label as categorie, direction_label as richting, lesson_text as les,
               case when is_dilemma then coalesce(escalation_level_label, 'ja') else '' end as dilemma,
               status_label as status
        from marts.lessons where experiment_key = ? order by lesson_date, lesson_key
    """, key)


def experiment_results(key: str) -> pd.DataFrame:
    return frame("""
        select indicator, unit as eenheid, baseline as nulmeting, target as doel, value as waarde,
               measured_on as "gemeten op",
               case when target_reached then 'gehaald' when not target_reached then 'nog niet' else 'geen doel' end
                   as "doel gehaald",
               progress_share as voortgang, is_latest_measurement as laatste
        from marts.results where experiment_key = ? order by indicator, measured_on
    """, key)


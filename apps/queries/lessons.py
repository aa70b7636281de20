"""Queries of the page area Lessen: the lesson search runs on the platform's search engine (ida.search)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from apps.queries import connection, frame, version, where_in
from ida import search


@dataclass(frozen=True)
class LessonFilters:
    provinces: tuple[str, ...] = ()
    core_tasks: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def sql(self, alias: str = "l") -> tuple[str, list]:
        conditions: list[str] = []
        params: list = []
        where_in(f"{alias}.province_code", self.provinces, conditions, params)
        where_in(f"{alias}.core_task", self.core_tasks, conditions, params)
        where_in(f"{alias}.category", self.categories, conditions, params)
        where_in(f"{alias}.direction", self.directions, conditions, params)
        if self.date_from:
            conditions.append(f"{alias}.lesson_date >= ?")
            params.append(self.date_from)
        if self.date_to:
            conditions.append(f"{alias}.lesson_date <= ?")
            params.append(self.date_to)
        return " and ".join(conditions) or "true", params


LESSON_COLUMNS = """l.lesson_key, l.province_code, l.province_name, l.experiment_key, l.experiment_id, l.experiment_title,
    l.core_task_label, l.category_label, l.direction_label, l.lesson_date, l.lesson_text, l.is_dilemma,
    l.escalation_level_label, l.status_label"""

@st.cache_data(max_entries=128, show_spinner=False)
def _search(text: str, filters: LessonFilters, limit: int, version_name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    cursor = connection(version_name).cursor()  # a connection of its own: what it registers is private
    try:
        if text.strip():
            index = search.Index.of(cursor)
            scores = index.lesson_scores(text)
            found = scores.nonzero()[0]
            cursor.register("found", pd.DataFrame({"lesson_key": index.lessons.keys[found], "score": scores[found].astype(float)}))
        else:
            cursor.execute("create temp table found as select lesson_key, null::double as score from marts.lessons")
        where, params = filters.sql("l")
        hits = cursor.execute(f"""
            select {LESSON_COLUMNS}, f.score, count(*) over () as total
            from found f join marts.lessons l using (lesson_key)
            where {where}
            order by f.score desc nulls last, l.lesson_date desc, l.lesson_key
            limit {int(limit)}
        """, params).df()
        per_province = cursor.execute(f"""
            select l.province_name as provincie, l.category_label as categorie, count(*)::bigint as lessen
            from found f join marts.lessons l using (lesson_key)
            where {where}
            group by all
            order by provincie, categorie
        """, params).df()
    finally:
        cursor.close()
    return hits, per_province


def search_lessons(text: str, filters: LessonFilters, limit: int = 50) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lesson search, on the platform's search engine (ida.search):

    - the best `limit` lessons within the filters (newest first without a query), with `total`, the number of all
      lessons found. Order: by BM25 score over Dutch stems, compound parts and synonyms (a word that is rare among
      all lessons weighs more, one that a lesson repeats more, a long lesson a little less);
    - all lessons found, counted per province and category (for the chart).
    """
    return _search(text, filters, limit, version())


def lesson_years() -> list[int]:
    bounds = frame("select min(year(lesson_date)) as first, max(year(lesson_date)) as last from marts.lessons")
    if bounds["first"].isna()[0]:
        return []
    return list(range(int(bounds["first"][0]), int(bounds["last"][0]) + 1))


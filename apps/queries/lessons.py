"""Queries of the page area Lessen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from apps.queries import frame, where_in, words, connection, version
from ida.warehouse import serving


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

def search_terms(text: str) -> list[str]:
    """The query's search terms, tokenised exactly as the index (ida.warehouse.serving.tokens_sql)."""
    if not text.strip():
        return []
    terms = frame(f"select list_distinct({serving.tokens_sql('?')}) as terms", text)["terms"][0]
    stop = set(serving.STOPWORDS)
    return sorted(t for t in terms if len(t) > 1 and t not in stop)


def _found(terms: list[str], filters: LessonFilters) -> tuple[str, list]:
    """SQL of the lessons found within the filters — doc_id, score, terms_matched, lesson_date, province_code,
    category — and its parameters. Only the search index is read (ida.warehouse.serving.build_search_index).

    Found are the lessons that hold every search term; when no lesson holds them all, those that hold the most.
    A term of four letters or more also matches the words that start with it (fiets → fietsers, stikstof →
    stikstofaanpak), so Dutch compounds and plurals are found; the score adds up the BM25 weights of the
    matching words (each with its own idf, as a search engine does for a prefix query).
    """
    where, params = filters.sql("d")
    if not terms:
        return f"""select d.doc_id, null::double as score, 0 as terms_matched, d.lesson_date, d.province_code, d.category
                   from search.lesson_docs d where {where}""", params
    blocks, block_params = [], []
    for number, term in enumerate(terms):
        if len(term) >= 4:
            blocks.append(f"select {number} as qi, doc_id, weight from search.lesson_terms where term >= ? and term < ?")
            block_params += [term, term + "{"]  # '{' sorts right after 'z': the range holds every word starting with term
        else:
            blocks.append(f"select {number} as qi, doc_id, weight from search.lesson_terms where term = ?")
            block_params.append(term)
    return f"""
        with matches as (
            select qi, doc_id, sum(weight) as weight from ({" union all ".join(blocks)}) group by qi, doc_id
        ),
        per_lesson as (select doc_id, sum(weight)::double as score, count(*) as terms_matched from matches group by doc_id),
        found as (
            select p.*, d.lesson_date, d.province_code, d.category
            from per_lesson p join search.lesson_docs d using (doc_id)
            where {where}
        )
        select * from found where terms_matched = (select max(terms_matched) from found)
    """, [*block_params, *params]


CANDIDATES = 200  # the best lessons by BM25 among which a literal phrase match moves to the top


@st.cache_data(max_entries=128, show_spinner=False)
def _search(text: str, filters: LessonFilters, limit: int, version_name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    terms = search_terms(text)
    found, params = _found(terms, filters)
    phrase = " ".join(words(text)) if len(terms) > 1 else ""
    cursor = connection(version_name).cursor()  # a connection of its own: its temp table is private
    try:
        cursor.execute(f"create temp table found as {found}", params)
        hits = cursor.execute(f"""
            with candidates as (
                select *, count(*) over () as total from found
                order by score desc nulls last, lesson_date desc, doc_id
                limit {CANDIDATES}
            )
            select {LESSON_COLUMNS}, c.score, c.terms_matched,
                   (? <> '' and contains(lower(strip_accents(l.lesson_text)), strip_accents(lower(?)))) as phrase_match, c.total
            from candidates c
            join search.lesson_docs d using (doc_id)
            join marts.lessons l using (lesson_key)
            order by phrase_match desc, c.score desc nulls last, l.lesson_date desc, l.lesson_key
            limit {int(limit)}
        """, [phrase, phrase]).df()
        per_province = cursor.execute("""
            select p.naam as provincie, c.label as categorie, count(*)::bigint as lessen
            from found f
            join vocab.provincies p on p.code = f.province_code
            join vocab.categorieen c on c.code = f.category
            group by all
            order by provincie, categorie
        """).df()
    finally:
        cursor.close()
    return hits, per_province


def search_lessons(text: str, filters: LessonFilters, limit: int = 50) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lesson search, in one pass over the index:

    - the best `limit` lessons within the filters (newest first without a query), with `total`, the number of all
      lessons found. Order: by BM25 score (a term that is rare among all lessons weighs more, one that a lesson
      repeats more, a long lesson a little less); among the best 200, lessons holding the whole query literally
      (a phrase of two words or more) come first;
    - all lessons found, counted per province and category (for the chart).
    """
    return _search(text, filters, limit, version())


def lesson_years() -> list[int]:
    bounds = frame("select min(year(lesson_date)) as first, max(year(lesson_date)) as last from marts.lessons")
    if bounds["first"].isna()[0]:
        return []
    return list(range(int(bounds["first"][0]), int(bounds["last"][0]) + 1))


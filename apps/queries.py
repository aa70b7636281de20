"""Every query the dashboard runs, against the read-only serving copy only.

Results are cached per serving-copy version: a new pipeline run shows up at the next page load,
and a running pipeline never touches the file the app reads. Aggregation happens here, in SQL;
the pages only draw.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from ida import search
from ida.warehouse import serving
from ida.settings import Settings


class NotPublished(Exception):
    """No serving copy yet: the pipeline has not run."""


def version() -> str:
    """The file name of the current serving copy; the cache key of every query."""
    try:
        return serving.current(Settings.from_env().serving_dir).name
    except serving.NoServingCopy:
        raise NotPublished from None


def published_at() -> str:
    """When the current serving copy was published, for the reports (dd-mm-jjjj uu:mm, UTC)."""
    serving_dir = Settings.from_env().serving_dir
    try:
        stamp = json.loads((serving_dir / serving.POINTER).read_text())["published_at"]
    except FileNotFoundError:
        raise NotPublished from None
    return f"{stamp[8:10]}-{stamp[5:7]}-{stamp[:4]} {stamp[11:16]} (UTC)"


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(version_name: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(Settings.from_env().serving_dir / version_name), read_only=True)


@st.cache_data(max_entries=512, show_spinner=False)
def _frame(sql: str, params: tuple, version_name: str) -> pd.DataFrame:
    return _connection(version_name).cursor().execute(sql, list(params)).df()


def frame(sql: str, *params: object) -> pd.DataFrame:
    return _frame(sql, params, version())


def _normalise(text: str) -> str:
    """Lower case without accents, as the SQL side does with lower(strip_accents(...))."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return [w for w in _normalise(text).split() if w]


def _in(column: str, values: tuple, conditions: list[str], params: list) -> None:
    """Add `column in (values)` to the conditions when any value is chosen."""
    if values:
        conditions.append(f"{column} in ({', '.join('?' for _ in values)})")
        params.extend(values)


def _where(conditions: list[str]) -> str:
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


# ------------------------------------------------------------------------------------------ Overzicht


def provinces() -> pd.DataFrame:
    return frame("""
        select p.*, coalesce(b.beyond, 0) as beyond_experimenting,
               coalesce(b.beyond / nullif(b.running, 0), 0) as beyond_share
        from marts.provinces p
        left join (
            select province_code, count(*) filter (where is_beyond_experimenting)::bigint as beyond,
                   count(*) filter (where not is_stopped)::double as running
            from marts.experiments group by province_code
        ) b on b.province_code = p.code
        order by p.code
    """)


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


# ------------------------------------------------------------------------------------------ Vergelijken


@dataclass(frozen=True)
class Selection:
    """What the administrator compares: a core task, an IDA line, or a theme (free text)."""

    kind: str  # "kerntaak" | "spoor" | "thema"
    value: str

    def sql(self) -> tuple[str, list]:
        """A condition on marts.experiments (alias e) and its parameters."""
        if self.kind == "kerntaak":
            return "e.core_task = ?", [self.value]
        if self.kind == "spoor":
            return "e.ida_line = ?", [self.value]
        words = _words(self.value)
        if not words:
            return "false", []
        haystack = ("lower(strip_accents(concat_ws(' ', e.title, e.summary, e.societal_task, "
                    "array_to_string(e.keywords, ' '))))")
        return " and ".join(f"contains({haystack}, ?)" for _ in words), words


def compared_experiments(selection: Selection) -> pd.DataFrame:
    condition, params = selection.sql()
    return frame(f"""
        select e.experiment_key, e.province_code, e.province_name, e.experiment_id, e.title, e.summary,
               e.core_task_label, e.ida_line_label, e.phase, e.phase_label, e.phase_order, e.is_beyond_experimenting,
               e.is_stopped, e.stop_reason,
               e.partners, e.data_sources, e.learning_questions, e.intended_results, e.start_date, e.end_date,
               e.lessons, e.dilemmas_open
        from marts.experiments e
        where {condition}
        order by e.province_name, e.phase_order desc, e.title
    """, *params)


def compared_per_province(selection: Selection) -> pd.DataFrame:
    """Per province: the selected experiments, beyond experimenting, lessons, results against targets."""
    condition, params = selection.sql()
    return frame(f"""
        with selected as (select * from marts.experiments e where {condition}),
        result_stats as (
            select r.province_code, count(*) filter (where r.target_reached is not null) as with_target,
                   count(*) filter (where r.target_reached) as reached
            from marts.results r join selected s using (experiment_key)
            where r.is_latest_measurement
            group by r.province_code
        )
        select p.code as province_code, p.name, p.tile_column, p.tile_row,
               count(s.experiment_key)::bigint as experiments,
               (count(s.experiment_key) filter (where s.is_beyond_experimenting))::bigint as beyond,
               coalesce(sum(s.lessons), 0)::bigint as lessons,
               coalesce(max(r.with_target), 0)::bigint as results_with_target,
               coalesce(max(r.reached), 0)::bigint as results_reached
        from marts.provinces p
        left join selected s on s.province_code = p.code
        left join result_stats r on r.province_code = p.code
        group by all
        order by p.code
    """, *params)


def compared_phases(selection: Selection) -> pd.DataFrame:
    condition, params = selection.sql()
    return frame(f"""
        select e.province_name as provincie, e.phase_label as fase, e.phase_order, count(*)::bigint as experimenten
        from marts.experiments e
        where {condition}
        group by all
        order by provincie, phase_order
    """, *params)


def compared_results(selection: Selection) -> pd.DataFrame:
    """The latest measurement of every indicator of the selected experiments."""
    condition, params = selection.sql()
    return frame(f"""
        select r.province_name as provincie, r.experiment_title as experiment, r.indicator, r.unit as eenheid,
               r.baseline as nulmeting, r.target as doel, r.value as waarde, r.measured_on as "gemeten op",
               case when r.target_reached then 'gehaald' when not r.target_reached then 'nog niet' else 'geen doel' end
                   as "doel gehaald",
               r.progress_share as voortgang, r.experiment_key
        from marts.results r
        join marts.experiments e using (experiment_key)
        where r.is_latest_measurement and {condition}
        order by provincie, experiment, r.indicator
    """, *params)


# ------------------------------------------------------------------------------------------ Lessen


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
        _in(f"{alias}.province_code", self.provinces, conditions, params)
        _in(f"{alias}.core_task", self.core_tasks, conditions, params)
        _in(f"{alias}.category", self.categories, conditions, params)
        _in(f"{alias}.direction", self.directions, conditions, params)
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
    cursor = _connection(version_name).cursor()  # a connection of its own: what it registers is private
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


# ------------------------------------------------------------------------------------------ Dilemma's


@dataclass(frozen=True)
class DilemmaFilters:
    statuses: tuple[str, ...] = ("open",)
    levels: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()

    def sql(self) -> tuple[str, list]:
        conditions, params = ["l.is_dilemma"], []
        _in("l.status", self.statuses, conditions, params)
        _in("l.escalation_level", self.levels, conditions, params)
        _in("l.province_code", self.provinces, conditions, params)
        if self.values:
            conditions.append(f"list_has_any(l.public_values, [{', '.join('?' for _ in self.values)}])")
            params.extend(self.values)
        return " and ".join(conditions), params


def dilemmas(filters: DilemmaFilters) -> pd.DataFrame:
    """Dilemmas, oldest first, with the labels of their public values."""
    where, params = filters.sql()
    return frame(f"""
        with value_labels as (
            select map_from_entries(list((code, label) order by rowid)) as label_of from vocab.publieke_waarden
        )
        select l.lesson_date as datum, date_diff('day', l.lesson_date, current_date) as "dagen oud",
               l.province_name as provincie, coalesce(l.escalation_level_label, 'Onbekend') as niveau,
               coalesce(l.escalation_order, 99) as niveau_volgorde, l.status_label as status,
               coalesce(array_to_string(list_transform(l.public_values, v -> value_labels.label_of[v]), ', '), '')
                   as "publieke waarden",
               l.lesson_text as dilemma, l.experiment_title as experiment, l.core_task_label as kerntaak,
               l.experiment_key, l.lesson_key
        from marts.lessons l
        cross join value_labels
        where {where}
        order by l.lesson_date, l.lesson_key
    """, *params)


def dilemmas_by_level(filters: DilemmaFilters) -> pd.DataFrame:
    where, params = filters.sql()
    return frame(f"""
        select n.label as niveau, n.volgorde, l.province_name as provincie, count(l.lesson_key)::bigint as dilemmas
        from vocab.escalatieniveaus n
        join marts.lessons l on l.escalation_level = n.code and {where}
        group by all
        order by n.volgorde, provincie
    """, *params)


def dilemmas_by_value(filters: DilemmaFilters) -> pd.DataFrame:
    """Dilemmas per public value at stake × escalation level (a dilemma with two values counts for both)."""
    where, params = filters.sql()
    return frame(f"""
        with dilemma_values as (
            select unnest(l.public_values) as value, l.escalation_level from marts.lessons l where {where}
        )
        select w.label as "publieke waarde", n.label as niveau, n.volgorde, count(*)::bigint as dilemmas
        from dilemma_values d
        join vocab.publieke_waarden w on w.code = d.value
        join vocab.escalatieniveaus n on n.code = d.escalation_level
        group by all
        order by "publieke waarde", n.volgorde
    """, *params)


# ------------------------------------------------------------------------------------------ Voorbij het experimenteren


def funnel(provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per phase from idee to structureel: the running experiments that reached at least that phase."""
    conditions, params = ["not e.is_stopped"], []
    _in("e.province_code", provinces, conditions, params)
    return frame(f"""
        select f.label as fase, f.volgorde, count(e.experiment_key)::bigint as experimenten
        from vocab.fasen f
        left join marts.experiments e on e.phase_order >= f.volgorde and {" and ".join(conditions)}
        where f.code <> 'gestopt'
        group by all
        order by f.volgorde
    """, *params)


def phases_per_province(provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    """Province × phase (gestopt last), with each province's share beyond experimenting of its running experiments."""
    conditions, params = [], []
    _in("province_code", provinces, conditions, params)
    return frame(f"""
        with per_phase as (
            select province_name as provincie, phase, phase_label as fase, phase_order, is_beyond_experimenting,
                   sum(experiments)::bigint as experimenten
            from marts.comparison_province_phase_core_task
            {_where(conditions)}
            group by all
        )
        select *,
               coalesce(sum(experimenten) filter (where is_beyond_experimenting) over (partition by provincie)
                        / nullif(sum(experimenten) filter (where phase <> 'gestopt') over (partition by provincie), 0), 0)
                   as aandeel_voorbij
        from per_phase
        order by provincie, phase_order
    """, *params)


def scaled_up(provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    conditions, params = ["e.is_beyond_experimenting"], []
    _in("e.province_code", provinces, conditions, params)
    return frame(f"""
        select e.province_name as provincie, e.title as experiment, e.phase_label as fase, e.core_task_label as kerntaak,
               e.start_date as start, e.partners, e.lessons as lessen, e.experiment_key
        from marts.experiments e
        where {" and ".join(conditions)}
        order by e.province_name, e.phase_order desc, e.title
    """, *params)


def stopped(provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    conditions, params = ["e.is_stopped"], []
    _in("e.province_code", provinces, conditions, params)
    return frame(f"""
        select e.province_name as provincie, e.title as experiment, e.core_task_label as kerntaak,
               coalesce(e.stop_reason, '') as "waarom gestopt", e.start_date as start, e.end_date as einde,
               e.lessons as lessen, e.experiment_key
        from marts.experiments e
        where {" and ".join(conditions)}
        order by e.province_name, e.title
    """, *params)


# ------------------------------------------------------------------------------------------ Catalogus


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
    _in("e.province_code", filters.provinces, conditions, params)
    _in("e.core_task", filters.core_tasks, conditions, params)
    _in("e.phase", filters.phases, conditions, params)
    _in("e.ida_line", filters.lines, conditions, params)
    words = _words(filters.text)
    haystack = ("lower(strip_accents(concat_ws(' ', e.title, e.summary, e.societal_task, e.owner, e.experiment_id, "
                "array_to_string(e.keywords, ' '), array_to_string(e.partners, ' '), array_to_string(e.data_sources, ' '))))")
    for word in words:
        conditions.append(f"contains({haystack}, ?)")
        params.append(word)
    title_hits = " + ".join("contains(lower(strip_accents(e.title)), ?)::int" for _ in words) or "0::int"
    return frame(f"""
        select e.experiment_key, e.province_name as provincie, e.title as titel, e.core_task_label as kerntaak,
               e.phase_label as fase, e.ida_line_label as "IDA-spoor", e.start_date as start, e.lessons as lessen,
               e.results as resultaten
        from marts.experiments e
        {_where(conditions)}
        order by {title_hits} desc, e.province_name, e.title
    """, *params, *words)


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


# ------------------------------------------------------------------------------------------ harvest


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

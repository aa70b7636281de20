"""Queries of the page area Vergelijken."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from apps.queries import frame, words


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
        terms = words(self.value)
        if not terms:
            return "false", []
        haystack = ("lower(strip_accents(concat_ws(' ', e.title, e.summary, e.societal_task, "
                    "array_to_string(e.keywords, ' '))))")
        return " and ".join(f"contains({haystack}, strip_accents(lower(?)))" for _ in terms), terms


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


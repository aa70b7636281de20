"""Queries of the page area Dilemma's."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from apps.queries import frame, where_in


@dataclass(frozen=True)
class DilemmaFilters:
    statuses: tuple[str, ...] = ("open",)
    levels: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()

    def sql(self) -> tuple[str, list]:
        conditions, params = ["l.is_dilemma"], []
        where_in("l.status", self.statuses, conditions, params)
        where_in("l.escalation_level", self.levels, conditions, params)
        where_in("l.province_code", self.provinces, conditions, params)
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



def decided(filters: DilemmaFilters) -> pd.DataFrame:
    """Decided dilemmas (whatever the status filter says), newest decision first: what, by whom, how long it took."""
    where, params = replace(filters, statuses=()).sql()
    return frame(f"""
        select d.decided_on as "besloten op", d.raised_on as ingebracht, d.days_to_decision as dagen,
               d.province_name as provincie, coalesce(d.decided_by_label, 'Onbekend') as "besloten door",
               coalesce(d.escalation_level_label, 'Onbekend') as "ingebracht bij",
               coalesce(d.decision, '') as besluit, d.lesson_text as dilemma, d.experiment_title as experiment,
               d.core_task_label as kerntaak, d.experiment_key, d.lesson_key
        from marts.dilemma_decisions d
        join marts.lessons l on l.lesson_key = d.lesson_key
        where {where}
        order by d.decided_on desc nulls last, d.lesson_key
    """, *params)


def decision_times() -> pd.DataFrame:
    """Per escalation level (all provinces): dilemmas it decided and the median days from raising to deciding."""
    return frame("""
        select decided_by_label as niveau, level_order as volgorde, decisions as besluiten,
               median_days_to_decision as "mediaan dagen"
        from marts.dilemma_decision_times
        order by level_order
    """)

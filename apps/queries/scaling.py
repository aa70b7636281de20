"""Queries of the page area Voorbij het experimenteren."""

from __future__ import annotations

import pandas as pd

from apps.queries import frame, where_in, where


def funnel(provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per phase from idee to structureel: the running experiments that reached at least that phase."""
    conditions, params = ["not e.is_stopped"], []
    where_in("e.province_code", provinces, conditions, params)
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
    where_in("province_code", provinces, conditions, params)
    return frame(f"""
        with per_phase as (
            select province_name as provincie, phase, phase_label as fase, phase_order, is_beyond_experimenting,
                   sum(experiments)::bigint as experimenten
            from marts.comparison_province_phase_core_task
            {where(conditions)}
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
    where_in("e.province_code", provinces, conditions, params)
    return frame(f"""
        select e.province_name as provincie, e.title as experiment, e.phase_label as fase, e.core_task_label as kerntaak,
               e.start_date as start, e.partners, e.lessons as lessen, e.experiment_key
        from marts.experiments e
        where {" and ".join(conditions)}
        order by e.province_name, e.phase_order desc, e.title
    """, *params)


def stopped(provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    conditions, params = ["e.is_stopped"], []
    where_in("e.province_code", provinces, conditions, params)
    return frame(f"""
        select e.province_name as provincie, e.title as experiment, e.core_task_label as kerntaak,
               coalesce(e.stop_reason, '') as "waarom gestopt", e.start_date as start, e.end_date as einde,
               e.lessons as lessen, e.experiment_key
        from marts.experiments e
        where {" and ".join(conditions)}
        order by e.province_name, e.title
    """, *params)



def time_to_scaling() -> pd.DataFrame:
    """Per core task (all provinces): how many experiments went from experiment to opschaling, and the median days."""
    return frame("""
        select core_task_label as kerntaak, experiments_scaled as experimenten,
               median_days_to_scaling as "mediaan dagen", shortest_days_to_scaling as "snelste (dagen)",
               longest_days_to_scaling as "langzaamste (dagen)"
        from marts.scaling_time_core_task
        order by median_days_to_scaling nulls last, core_task_label
    """)


def phase_changes_per_year() -> pd.DataFrame:
    """How many experiments moved into each phase per year (all provinces)."""
    return frame("""
        select year as jaar, phase_label as fase, phase_order, changes as overgangen
        from marts.phase_changes_by_year
        order by year, phase_order
    """)


def longest_in_phase(provinces: tuple[str, ...] = (), limit: int = 10) -> pd.DataFrame:
    """The running experiments longest in their current phase (not stopped, not structural: those are meant to stay)."""
    conditions, params = ["is_current_phase", "phase not in ('gestopt', 'structureel')"], []
    where_in("province_code", provinces, conditions, params)
    return frame(f"""
        select province_name as provincie, experiment_title as experiment, phase_label as fase,
               started_on as sinds, days_in_phase as dagen, core_task_label as kerntaak, experiment_key
        from marts.phase_history
        {where(conditions)}
        order by days_in_phase desc, experiment_key
        limit {int(limit)}
    """, *params)

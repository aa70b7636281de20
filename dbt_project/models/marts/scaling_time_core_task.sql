{#-
    How long it takes to get "beyond experimenting": per experiment, the days from the start of its phase
    `experiment` to the first later start of `opschaling` or `structureel`; per core task the median.
-#}
with

history as (

    select * from {{ ref('phase_history') }}

),

core_tasks as (

    select * from {{ ref('kerntaken') }}

),

reached_experiment as (

    select experiment_key, core_task, min(started_on) as experiment_on
    from history
    where phase = 'experiment'
    group by experiment_key, core_task

),

reached_scaling as (

    select
        reached_experiment.experiment_key,
        reached_experiment.core_task,
        reached_experiment.experiment_on,
        min(history.started_on) as scaling_on

    from reached_experiment
    inner join history
        on reached_experiment.experiment_key = history.experiment_key
        and history.phase in ('opschaling', 'structureel')
        and history.started_on >= reached_experiment.experiment_on
    group by reached_experiment.experiment_key, reached_experiment.core_task, reached_experiment.experiment_on

),

per_core_task as (

    select
        core_task,
        count(*) as experiments_scaled,
        median(scaling_on - experiment_on)::double as median_days_to_scaling,
        min(scaling_on - experiment_on)::integer as shortest_days_to_scaling,
        max(scaling_on - experiment_on)::integer as longest_days_to_scaling

    from reached_scaling
    group by core_task

),

final as (

    select
        ---------- ids
        core_tasks.code as core_task,
        core_tasks.label as core_task_label,

        ---------- experiments that went from experiment to opschaling (or structureel)
        coalesce(per_core_task.experiments_scaled, 0) as experiments_scaled,
        per_core_task.median_days_to_scaling,
        per_core_task.shortest_days_to_scaling,
        per_core_task.longest_days_to_scaling

    from core_tasks
    left join per_core_task on core_tasks.code = per_core_task.core_task

)

select * from final

with

core_tasks as (

    select * from {{ ref('kerntaken') }}

),

experiments as (

    select * from {{ ref('experiments') }}

),

results as (

    select * from {{ ref('results') }}

),

experiment_stats as (

    select
        core_task,
        count(distinct province_code) filter (where not is_stopped) as provinces_active,
        count(*) as experiments,
        count(*) filter (where is_beyond_experimenting) as experiments_beyond_experimenting,
        sum(lessons)::bigint as lessons,
        sum(dilemmas_open)::bigint as dilemmas_open

    from experiments
    group by core_task

),

-- each indicator counts once, judged by its latest measurement
result_stats as (

    select
        core_task,
        count(*) filter (where target_reached is not null) as results_with_target,
        count(*) filter (where target_reached) as results_target_reached

    from results
    where is_latest_measurement
    group by core_task

),

final as (

    select
        ---------- the core task
        core_tasks.code as core_task,
        core_tasks.label as core_task_label,

        ---------- experiments
        coalesce(experiment_stats.provinces_active, 0) as provinces_active,
        coalesce(experiment_stats.experiments, 0) as experiments,
        coalesce(experiment_stats.experiments_beyond_experimenting, 0) as experiments_beyond_experimenting,

        ---------- lessons
        coalesce(experiment_stats.lessons, 0) as lessons,
        coalesce(experiment_stats.dilemmas_open, 0) as dilemmas_open,

        ---------- results
        coalesce(result_stats.results_with_target, 0) as results_with_target,
        coalesce(result_stats.results_target_reached, 0) as results_target_reached

    from core_tasks
    left join experiment_stats on core_tasks.code = experiment_stats.core_task
    left join result_stats on core_tasks.code = result_stats.core_task

)

select * from final

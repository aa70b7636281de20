with

withdrawn as (

    select record_key from {{ ref('int_withdrawals_applied') }} where record_kind = 'experiment'

),

experiments as (

    -- a withdrawn experiment leaves every mart the dashboards read (marts.withdrawn keeps it)
    select * from {{ ref('int_experiments_current') }}
    where experiment_key not in (select record_key from withdrawn)

),

lessons as (

    select * from {{ ref('lessons') }}

),

results as (

    select * from {{ ref('results') }}

),

lesson_counts as (

    select
        experiment_key,
        count(*) as lessons,
        count(*) filter (where is_dilemma) as dilemmas,
        count(*) filter (where is_open_dilemma) as dilemmas_open

    from lessons
    group by experiment_key

),

result_counts as (

    select
        experiment_key,
        count(*) as results

    from results
    group by experiment_key

),

final as (

    select
        ---------- ids
        experiments.experiment_key,
        experiments.province_code,
        experiments.experiment_id,
        experiments.province_name,

        ---------- text
        experiments.title,
        experiments.summary,
        experiments.societal_task,
        experiments.owner,
        experiments.contact,

        ---------- classification
        experiments.core_task,
        experiments.core_task_label,
        experiments.ida_line,
        experiments.ida_line_label,
        experiments.phase,
        experiments.phase_label,
        experiments.phase_order,
        experiments.is_beyond_experimenting,
        experiments.is_stopped,
        experiments.stop_reason,

        ---------- lists
        experiments.learning_questions,
        experiments.intended_results,
        experiments.data_sources,
        experiments.partners,
        experiments.public_values,
        experiments.keywords,

        ---------- numerics
        experiments.budget_eur,

        ---------- dates
        experiments.start_date,
        experiments.end_date,

        ---------- counts
        coalesce(lesson_counts.lessons, 0) as lessons,
        coalesce(result_counts.results, 0) as results,
        coalesce(lesson_counts.dilemmas, 0) as dilemmas,
        coalesce(lesson_counts.dilemmas_open, 0) as dilemmas_open,

        ---------- provenance of the current version
        experiments.loaded_at as last_loaded,
        experiments.delivery_id,
        experiments.source_file,
        experiments.source_row

    from experiments
    left join lesson_counts on experiments.experiment_key = lesson_counts.experiment_key
    left join result_counts on experiments.experiment_key = result_counts.experiment_key

)

select * from final

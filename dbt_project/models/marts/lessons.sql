{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_build_scope() }}",
        on_schema_change='fail'
    )
}}

with

withdrawn as (

    select record_kind, record_key from {{ ref('int_withdrawals_applied') }}

),

lessons as (

    select * from {{ ref('int_lessons_current') }}
    where lesson_key not in (select record_key from withdrawn where record_kind = 'les')
    -- an increment: only the provinces with new data; their rows replace the old ones (delete_build_scope)
    and {{ in_build_scope() }}

),

experiments as (

    -- a withdrawn experiment takes its lessons and results with it
    select * from {{ ref('int_experiments_current') }}
    where experiment_key not in (select record_key from withdrawn where record_kind = 'experiment')

),

final as (

    select
        ---------- ids
        lessons.lesson_key,
        lessons.province_code,
        lessons.lesson_id,
        lessons.experiment_key,
        lessons.experiment_id,

        ---------- context from the experiment
        experiments.province_name,
        experiments.title as experiment_title,
        experiments.core_task,
        experiments.core_task_label,

        ---------- the lesson
        lessons.lesson_text,
        lessons.direction,
        lessons.direction_label,
        lessons.category,
        lessons.category_label,
        lessons.public_values,

        ---------- dilemma
        lessons.is_dilemma,
        lessons.escalation_level,
        lessons.escalation_level_label,
        lessons.escalation_order,
        lessons.status,
        lessons.status_label,
        lessons.is_open_dilemma,

        ---------- v1.1: the learning question it answers, and the decision on a dilemma
        lessons.learning_question,
        lessons.decision,
        lessons.decided_by,
        lessons.decided_by_label,

        ---------- dates
        lessons.lesson_date,
        lessons.decided_on,
        (lessons.decided_on - lessons.lesson_date)::integer as days_to_decision,

        ---------- provenance
        lessons.loaded_at as last_loaded,
        lessons.delivery_id,
        lessons.source_file,
        lessons.source_row

    from lessons
    -- a lesson whose experiment is not known (an orphan) is left out; int_lessons_current warns about it
    inner join experiments on lessons.experiment_key = experiments.experiment_key

)

select * from final

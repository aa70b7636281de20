with

lessons as (

    select * from {{ ref('int_lessons_current') }}

),

experiments as (

    select * from {{ ref('int_experiments_current') }}

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

        ---------- dates
        lessons.lesson_date,

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

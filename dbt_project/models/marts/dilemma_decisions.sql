with

lessons as (

    -- not withdrawn
    select * from {{ ref('lessons') }}

),

final as (

    select
        ---------- ids
        lesson_key,
        province_code,
        province_name,
        experiment_key,
        experiment_title,
        core_task,
        core_task_label,

        ---------- the dilemma
        lesson_text,
        escalation_level,
        escalation_level_label,
        escalation_order,
        status,
        status_label,

        ---------- the decision
        decision,
        decided_by,
        decided_by_label,

        ---------- dates: from raising (the lesson's date) to deciding
        lesson_date as raised_on,
        decided_on,
        days_to_decision

    from lessons
    where is_dilemma and (status = 'besloten' or decision is not null or decided_on is not null)

)

select * from final

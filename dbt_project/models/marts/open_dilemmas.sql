{#-
    The open dilemmas, each with the day it reached its current escalation level: the day it was raised (the
    lesson's date) when it still has the level it was first delivered with, or else the received date of the
    delivery that last changed its level (or made it a dilemma). The learning agenda counts from that day.
-#}
with

lessons as (

    -- not withdrawn, still open
    select * from {{ ref('lessons') }}
    where is_open_dilemma

),

versions as (

    select * from {{ ref('stg_raw__lessons') }}

),

deliveries as (

    select * from {{ ref('stg_raw__deliveries') }}

),

ordered as (

    select
        versions.lesson_key,
        versions.escalation_level,
        versions.is_dilemma,
        cast(deliveries.received_at as date) as received_on,
        row_number() over by_delivery as version_number,
        lag(versions.escalation_level) over by_delivery as previous_level,
        lag(versions.is_dilemma) over by_delivery as previous_is_dilemma

    from versions
    inner join deliveries on versions.delivery_id = deliveries.delivery_id
    where versions.lesson_key in (select lesson_key from lessons)
    window by_delivery as (
        partition by versions.lesson_key
        order by deliveries.received_at, versions.loaded_at, versions.source_row
    )

),

level_changes as (

    select
        lesson_key,
        max(received_on) as changed_on

    from ordered
    where version_number > 1
      and (previous_level is distinct from escalation_level or not coalesce(previous_is_dilemma, false))
    group by lesson_key

),

final as (

    select
        ---------- ids
        lessons.lesson_key,
        lessons.province_code,
        lessons.province_name,
        lessons.experiment_key,
        lessons.experiment_title,
        lessons.core_task,
        lessons.core_task_label,

        ---------- the dilemma
        lessons.lesson_text,
        lessons.escalation_level,
        lessons.escalation_level_label,
        lessons.escalation_order,

        ---------- dates
        lessons.lesson_date as raised_on,
        greatest(lessons.lesson_date, coalesce(level_changes.changed_on, lessons.lesson_date)) as level_since

    from lessons
    left join level_changes on lessons.lesson_key = level_changes.lesson_key

)

select * from final

{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_build_scope() }}",
        on_schema_change='fail'
    )
}}

-- an increment: only the provinces with new data (in_build_scope); their rows replace the old ones

with

withdrawals as (

    select * from {{ ref('int_withdrawals_applied') }}
    where {{ in_build_scope() }}

),

experiments as (

    -- current versions, withdrawn ones included
    select * from {{ ref('int_experiments_current') }}
    where {{ in_build_scope() }}

),

lessons as (

    select * from {{ ref('int_lessons_current') }}
    where {{ in_build_scope() }}

),

kinds as (

    select * from {{ ref('intrekkingssoorten') }}

),

provinces as (

    select * from {{ ref('provincies') }}

),

withdrawn_experiments as (

    select * from withdrawals where record_kind = 'experiment'

),

explicit as (

    select
        withdrawals.record_kind,
        withdrawals.record_key,
        withdrawals.province_code,
        withdrawals.record_id,
        coalesce(lessons.experiment_key, withdrawals.record_key) as experiment_key,
        withdrawals.reason,
        withdrawals.withdrawn_on,
        false as is_withdrawn_with_experiment,
        withdrawals.delivery_id

    from withdrawals
    left join lessons on withdrawals.record_kind = 'les' and withdrawals.record_key = lessons.lesson_key

),

with_their_experiment as (

    -- a withdrawn experiment takes its lessons with it, with its reason and date
    select
        'les' as record_kind,
        lessons.lesson_key as record_key,
        lessons.province_code,
        lessons.lesson_id as record_id,
        lessons.experiment_key,
        withdrawn_experiments.reason,
        withdrawn_experiments.withdrawn_on,
        true as is_withdrawn_with_experiment,
        withdrawn_experiments.delivery_id

    from lessons
    inner join withdrawn_experiments on lessons.experiment_key = withdrawn_experiments.record_key
    where lessons.lesson_key not in (select record_key from withdrawals where record_kind = 'les')

),

unioned as (

    select * from explicit
    union all
    select * from with_their_experiment

),

final as (

    select
        ---------- ids
        unioned.record_key,
        unioned.record_kind,
        kinds.label as record_kind_label,
        unioned.province_code,
        provinces.naam as province_name,
        unioned.record_id,
        unioned.experiment_key,

        ---------- what it was
        experiments.title as experiment_title,
        lessons.lesson_text,

        ---------- the withdrawal
        unioned.reason,
        unioned.withdrawn_on,
        unioned.is_withdrawn_with_experiment,

        ---------- provenance
        unioned.delivery_id

    from unioned
    left join kinds on unioned.record_kind = kinds.code
    left join provinces on unioned.province_code = provinces.code
    left join experiments on unioned.experiment_key = experiments.experiment_key
    left join lessons on unioned.record_kind = 'les' and unioned.record_key = lessons.lesson_key

)

select * from final

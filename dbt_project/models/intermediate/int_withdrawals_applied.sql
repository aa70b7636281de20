{#-
    The withdrawals in effect. Of all withdrawals of one record, the one from the latest delivery counts
    (ordered as latest_per_key orders versions: loaded_at, then source_row). It is in effect unless a later
    delivery holds the record again: latest delivery wins per key. Within one delivery the withdrawal wins.
-#}
with

withdrawals as (

    select * from {{ ref('stg_raw__withdrawals') }}

),

deliveries as (

    select * from {{ ref('stg_raw__deliveries') }}

),

experiments as (

    select * from {{ ref('stg_raw__experiments') }}

),

lessons as (

    select * from {{ ref('stg_raw__lessons') }}

),

latest_withdrawals as (

    {{ latest_per_key('withdrawals', ['record_kind', 'record_key']) }}

),

delivered_versions as (

    select 'experiment' as record_kind, experiment_key as record_key, max(loaded_at) as last_delivered_at
    from experiments
    group by experiment_key

    union all

    select 'les' as record_kind, lesson_key as record_key, max(loaded_at) as last_delivered_at
    from lessons
    group by lesson_key

),

applied as (

    select
        ---------- ids
        latest_withdrawals.record_key,
        latest_withdrawals.record_kind,
        latest_withdrawals.province_code,
        latest_withdrawals.record_id,

        ---------- the withdrawal
        latest_withdrawals.reason,

        ---------- dates
        coalesce(latest_withdrawals.withdrawal_date, cast(deliveries.received_at as date)) as withdrawn_on,

        ---------- provenance
        latest_withdrawals.delivery_id,
        latest_withdrawals.source_file,
        latest_withdrawals.source_row,
        latest_withdrawals.loaded_at

    from latest_withdrawals
    left join deliveries on latest_withdrawals.delivery_id = deliveries.delivery_id
    left join delivered_versions
        on latest_withdrawals.record_kind = delivered_versions.record_kind
        and latest_withdrawals.record_key = delivered_versions.record_key
    -- a later delivery that holds the record again brings it back
    where delivered_versions.last_delivered_at is null
        or delivered_versions.last_delivered_at <= latest_withdrawals.loaded_at

)

select * from applied

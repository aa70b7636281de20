{#-
    The phases each experiment went through, with the date each began: from every delivered version,
    ordered by the date its delivery was received (not when the pipeline loaded it, so nothing is lost when
    the pipeline did not run between two deliveries). A phase begins on the received date of the first
    delivery that holds it after a delivery that held another phase.
-#}
with

experiments as (

    select * from {{ ref('stg_raw__experiments') }}

),

deliveries as (

    select * from {{ ref('stg_raw__deliveries') }}

),

versions as (

    select
        experiments.experiment_key,
        experiments.province_code,
        experiments.experiment_id,
        experiments.phase,
        deliveries.received_at,
        experiments.loaded_at,
        lag(experiments.phase) over by_delivery as previous_phase

    from experiments
    inner join deliveries on experiments.delivery_id = deliveries.delivery_id
    window by_delivery as (
        partition by experiments.experiment_key
        order by deliveries.received_at, experiments.loaded_at, experiments.source_row
    )

),

changes as (

    select
        experiment_key,
        province_code,
        experiment_id,
        phase,
        cast(received_at as date) as started_on,
        received_at,
        loaded_at

    from versions
    where previous_phase is null or previous_phase != phase

),

numbered as (

    select
        ---------- ids
        experiment_key,
        province_code,
        experiment_id,
        row_number() over by_start as phase_number,

        ---------- the phase
        phase,
        lag(phase) over by_start as previous_phase,

        ---------- dates
        started_on,
        lead(started_on) over by_start as ended_on

    from changes
    window by_start as (partition by experiment_key order by received_at, loaded_at)

)

select
    *,
    ended_on is null as is_current_phase

from numbered

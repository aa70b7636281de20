with

results as (

    select * from {{ ref('stg_raw__results') }}

),

current_results as (

    {{ latest_per_key('results', ['province_code', 'experiment_id', 'indicator', 'measured_on']) }}

),

scored as (

    select
        *,

        measured_on = max(measured_on) over (partition by experiment_key, indicator) as is_latest_measurement,

        case
            when target is null then null
            -- higher is better when the target lies above the baseline, or no baseline is known
            when baseline is null or target >= baseline then value >= target
            -- lower is better when the target lies below the baseline
            else value <= target
        end as target_reached,

        case
            when baseline is not null and target is not null and target <> baseline
                then (value - baseline) / (target - baseline)
        end as progress_share

    from current_results

)

select * from scored

with

runs as (

    select * from {{ ref('stg_harvest__runs') }}

),

provinces as (

    select * from {{ ref('provincies') }}

),

latest_runs as (

    select *
    from runs
    qualify row_number() over (partition by province_code, source_id order by finished_at desc, run_id) = 1

),

last_success as (

    select province_code, source_id, max(finished_at) as last_success_at
    from runs
    where status = 'ok'
    group by province_code, source_id

),

final as (

    select
        ---------- ids
        md5(latest_runs.province_code || '|' || latest_runs.source_id) as source_key,
        latest_runs.province_code,
        provinces.naam as province_name,
        latest_runs.source_id,

        ---------- source
        latest_runs.source_kind,
        latest_runs.source_url,

        ---------- the latest run
        latest_runs.status,
        latest_runs.error,
        latest_runs.seen,
        latest_runs.fetched,
        latest_runs.experiments,
        latest_runs.to_classify,
        latest_runs.withdrawn,

        ---------- timestamps
        latest_runs.finished_at as last_run_at,
        last_success.last_success_at

    from latest_runs
    left join last_success
        on latest_runs.province_code = last_success.province_code
        and latest_runs.source_id = last_success.source_id
    left join provinces on latest_runs.province_code = provinces.code

)

select * from final

with

withdrawn as (

    select * from {{ ref('stg_harvest__withdrawn_at_source') }}

),

versions as (

    select * from {{ ref('stg_harvest__records') }}

),

provinces as (

    select * from {{ ref('provincies') }}

),

last_fetched as (

    select province_code, source_id, record_id, max(fetched_at) as fetched_at
    from versions
    group by province_code, source_id, record_id

),

latest_tombstones as (

    select *
    from withdrawn
    qualify row_number() over (partition by province_code, source_id, record_id order by withdrawn_at desc) = 1

),

-- a tombstone counts until the record shows up at the source again
current_tombstones as (

    select latest_tombstones.*
    from latest_tombstones
    left join last_fetched
        on latest_tombstones.province_code = last_fetched.province_code
        and latest_tombstones.source_id = last_fetched.source_id
        and latest_tombstones.record_id = last_fetched.record_id
    where last_fetched.fetched_at is null or last_fetched.fetched_at < latest_tombstones.withdrawn_at

),

final as (

    select
        ---------- ids
        md5(current_tombstones.province_code || '|' || current_tombstones.source_id || '|' || current_tombstones.record_id) as withdrawn_key,
        current_tombstones.experiment_key,
        current_tombstones.province_code,
        provinces.naam as province_name,
        current_tombstones.experiment_id,
        current_tombstones.record_id,

        ---------- source
        current_tombstones.source_kind,
        current_tombstones.source_url,
        current_tombstones.source_id,
        current_tombstones.record_url,

        ---------- timestamps
        current_tombstones.last_fetched_at,
        current_tombstones.withdrawn_at

    from current_tombstones
    left join provinces on current_tombstones.province_code = provinces.code

)

select * from final

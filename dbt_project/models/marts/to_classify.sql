with

queued as (

    select * from {{ ref('stg_harvest__to_classify') }}

),

versions as (

    select * from {{ ref('stg_harvest__records') }}

),

withdrawn as (

    select * from {{ ref('stg_harvest__withdrawn_at_source') }}

),

decisions as (

    select * from {{ ref('stg_raw__curation_decisions') }}

),

provinces as (

    select * from {{ ref('provincies') }}

),

-- the latest version of every record decides: still queued, or meanwhile an experiment
latest_versions as (

    select province_code, source_id, record_id, fetched_at, outcome
    from versions
    qualify row_number() over (partition by province_code, source_id, record_id order by fetched_at desc) = 1

),

last_withdrawn as (

    select province_code, source_id, record_id, max(withdrawn_at) as withdrawn_at
    from withdrawn
    group by province_code, source_id, record_id

),

current_queue as (

    select queued.*
    from queued
    inner join latest_versions
        on queued.province_code = latest_versions.province_code
        and queued.source_id = latest_versions.source_id
        and queued.record_id = latest_versions.record_id
        and queued.fetched_at = latest_versions.fetched_at
        and latest_versions.outcome = 'to_classify'
    left join last_withdrawn
        on queued.province_code = last_withdrawn.province_code
        and queued.source_id = last_withdrawn.source_id
        and queued.record_id = last_withdrawn.record_id
    -- a coordinator classified or dismissed this version of the record (a changed version is queued again)
    left join decisions
        on queued.province_code = decisions.province_code
        and queued.source_id = decisions.source_id
        and queued.record_id = decisions.record_id
        and queued.checksum = decisions.checksum
    where (last_withdrawn.withdrawn_at is null or last_withdrawn.withdrawn_at < queued.fetched_at)
        and decisions.entry_id is null

),

final as (

    select
        ---------- ids
        md5(current_queue.province_code || '|' || current_queue.source_id || '|' || current_queue.record_id) as queue_key,
        current_queue.province_code,
        provinces.naam as province_name,
        current_queue.record_id,

        ---------- source
        current_queue.source_kind,
        current_queue.source_url,
        current_queue.source_id,
        current_queue.record_url,

        ---------- the record
        current_queue.title,
        current_queue.reason,
        current_queue.record_json,
        current_queue.checksum,

        ---------- timestamps
        current_queue.fetched_at

    from current_queue
    left join provinces on current_queue.province_code = provinces.code

)

select * from final

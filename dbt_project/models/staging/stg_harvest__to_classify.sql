with

source as (

    select * from {{ source('harvest', 'to_classify') }}

),

renamed as (

    select
        ---------- ids
        province_code,
        source_id,
        record_id,
        run_id,

        ---------- source
        source_kind,
        source_url,
        record_url,

        ---------- the record
        title,
        reason,
        cast(record_json as varchar) as record_json,
        checksum,

        ---------- timestamps
        fetched_at

    from source

)

select * from renamed

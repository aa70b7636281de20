with

source as (

    select * from {{ source('harvest', 'withdrawn_at_source') }}

),

renamed as (

    select
        ---------- ids
        province_code,
        source_id,
        record_id,
        experiment_id,
        province_code || ':' || experiment_id as experiment_key,
        run_id,

        ---------- source
        source_kind,
        source_url,
        record_url,
        last_checksum,

        ---------- timestamps
        last_fetched_at,
        withdrawn_at

    from source

)

select * from renamed

with

source as (

    select * from {{ source('harvest', 'harvest_records') }}

),

renamed as (

    select
        ---------- ids
        province_code,
        source_id,
        record_id,
        run_id,
        experiment_id,
        delivery_id,

        ---------- source
        source_kind,
        source_url,
        record_url,

        ---------- version
        modified as modified_at_source,
        checksum,
        outcome,

        ---------- timestamps
        fetched_at

    from source

)

select * from renamed

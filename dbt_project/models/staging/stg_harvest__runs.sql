with

source as (

    select * from {{ source('harvest', 'harvest_runs') }}

),

renamed as (

    select
        ---------- ids
        run_id,
        province_code,
        source_id,

        ---------- source
        source_kind,
        source_url,

        ---------- outcome
        status,
        error,
        seen,
        fetched,
        experiments,
        lessons,
        results,
        to_classify,
        withdrawn,
        delivery_id,

        ---------- timestamps
        started_at,
        finished_at

    from source

)

select * from renamed

with

source as (

    select * from {{ source('raw', 'deliveries') }}

),

renamed as (

    select
        ---------- ids
        delivery_id,
        province_code,

        ---------- origin
        source_kind,
        source,
        file_names,

        ---------- timestamps
        received_at,
        loaded_at

    from source

)

select * from renamed

with

source as (

    select * from {{ source('raw', 'resultaten') }}

),

renamed as (

    select
        ---------- ids
        -- experiment_id cannot hold ':' and gemeten_op is a fixed-width ISO date, so the key is unambiguous
        province_code || ':' || experiment_id || ':' || indicator || ':' || strftime(gemeten_op, '%Y-%m-%d') as result_key,
        province_code,
        province_code || ':' || experiment_id as experiment_key,
        experiment_id,
        indicator,

        ---------- measures
        eenheid as unit,
        nulmeting as baseline,
        doel as target,
        waarde as value,

        ---------- dates
        gemeten_op as measured_on,

        ---------- provenance
        delivery_id,
        source_file,
        source_row,
        loaded_at

    from source

)

select * from renamed

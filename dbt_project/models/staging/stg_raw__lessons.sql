with

source as (

    select * from {{ source('raw', 'lessen') }}

),

renamed as (

    select
        ---------- ids
        province_code || ':' || les_id as lesson_key,
        province_code,
        les_id as lesson_id,
        province_code || ':' || experiment_id as experiment_key,
        experiment_id,

        ---------- text
        les as lesson_text,

        ---------- classification (vocabulary codes)
        leerrichting as direction,
        categorie as category,
        publieke_waarden as public_values,

        ---------- dilemma
        dilemma as is_dilemma,
        escalatieniveau as escalation_level,
        status,

        ---------- dates
        datum as lesson_date,

        ---------- provenance
        delivery_id,
        source_file,
        source_row,
        loaded_at

    from source

)

select * from renamed

with

source as (

    select * from {{ source('raw', 'zelfscan') }}

),

renamed as (

    select
        ---------- ids
        province_code || ':' || strftime(peildatum, '%Y-%m-%d') || ':' || aanbeveling as assessment_key,
        province_code,
        aanbeveling as recommendation,

        ---------- the assessment
        niveau as level,
        toelichting as explanation,
        bewijs as evidence,

        ---------- dates
        peildatum as reference_date,

        ---------- provenance
        delivery_id,
        source_file,
        source_row,
        loaded_at

    from source

)

select * from renamed

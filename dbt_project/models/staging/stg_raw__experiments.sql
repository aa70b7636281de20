with

source as (

    select * from {{ source('raw', 'experimenten') }}

),

renamed as (

    select
        ---------- ids
        province_code || ':' || experiment_id as experiment_key,
        province_code,
        experiment_id,

        ---------- text
        titel as title,
        samenvatting as summary,
        opgave as societal_task,
        eigenaar as owner,
        contact,

        ---------- classification (vocabulary codes)
        kerntaak as core_task,
        ida_spoor as ida_line,
        fase as phase,
        reden_gestopt as stop_reason,

        ---------- lists
        leervragen as learning_questions,
        beoogde_resultaten as intended_results,
        databronnen as data_sources,
        partners,
        publieke_waarden as public_values,
        trefwoorden as keywords,

        ---------- numerics
        budget_eur,

        ---------- dates
        startdatum as start_date,
        einddatum as end_date,

        ---------- provenance
        delivery_id,
        source_file,
        source_row,
        loaded_at

    from source

)

select * from renamed

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

        ---------- v1.1: the learning question it answers, and the decision on a dilemma
        leervraag as learning_question,
        besluit as decision,
        besloten_door as decided_by,

        ---------- dates
        datum as lesson_date,
        besloten_op as decided_on,

        ---------- provenance
        delivery_id,
        source_file,
        source_row,
        loaded_at

    from source

)

select * from renamed

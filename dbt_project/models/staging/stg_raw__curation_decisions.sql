with

source as (

    select * from {{ source('raw', 'curation_decisions') }}

),

renamed as (

    select
        ---------- ids
        entry_id,
        province_code,
        source_id,
        record_id,
        queue_key,

        ---------- the decision
        checksum,
        action,
        decided_by,
        kerntaak as core_task,
        fase as phase,
        ida_spoor as ida_line,
        experiment_id,
        delivery_id,
        reason,

        ---------- timestamps
        decided_at

    from source

)

select * from renamed

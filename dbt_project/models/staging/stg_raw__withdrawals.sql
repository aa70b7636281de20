with

source as (

    select * from {{ source('raw', 'intrekkingen') }}

),

renamed as (

    select
        ---------- ids
        province_code || ':' || id as record_key,
        province_code,
        soort as record_kind,  -- experiment | les
        id as record_id,

        ---------- the withdrawal
        reden as reason,

        ---------- dates
        datum as withdrawal_date,  -- null: the delivery's date (int_withdrawals_applied fills it in)

        ---------- provenance
        delivery_id,
        source_file,
        source_row,
        loaded_at

    from source

)

select * from renamed

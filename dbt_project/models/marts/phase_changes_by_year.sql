with

history as (

    select * from {{ ref('phase_history') }}

),

changes as (

    -- a phase change: every phase after an experiment's first
    select
        extract(year from started_on)::integer as year,
        phase,
        phase_label,
        phase_order

    from history
    where phase_number > 1

),

final as (

    select
        ---------- ids
        year,
        phase,
        phase_label,
        phase_order,

        ---------- counts
        count(*) as changes

    from changes
    group by year, phase, phase_label, phase_order

)

select * from final

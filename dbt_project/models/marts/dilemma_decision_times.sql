with

decisions as (

    select * from {{ ref('dilemma_decisions') }}

),

levels as (

    select * from {{ ref('escalatieniveaus') }}

),

per_level as (

    select
        decided_by,
        count(*) as decisions,
        median(days_to_decision)::double as median_days_to_decision

    from decisions
    where decided_by is not null
    group by decided_by

),

final as (

    select
        ---------- ids
        levels.code as decided_by,
        levels.label as decided_by_label,
        levels.volgorde as level_order,

        ---------- how many, how fast
        coalesce(per_level.decisions, 0) as decisions,
        per_level.median_days_to_decision

    from levels
    left join per_level on levels.code = per_level.decided_by

)

select * from final

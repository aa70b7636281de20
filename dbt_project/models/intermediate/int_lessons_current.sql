with

lessons as (

    select * from {{ ref('stg_raw__lessons') }}

),

directions as (

    select * from {{ ref('leerrichtingen') }}

),

categories as (

    select * from {{ ref('categorieen') }}

),

escalation_levels as (

    select * from {{ ref('escalatieniveaus') }}

),

statuses as (

    select * from {{ ref('lesstatussen') }}

),

current_lessons as (

    {{ latest_per_key('lessons', ['province_code', 'lesson_id']) }}

),

labelled as (

    select
        current_lessons.*,
        directions.label as direction_label,
        categories.label as category_label,
        escalation_levels.label as escalation_level_label,
        escalation_levels.volgorde as escalation_order,
        deciding_levels.label as decided_by_label,
        statuses.label as status_label,
        current_lessons.is_dilemma and current_lessons.status = 'open' as is_open_dilemma

    from current_lessons
    left join directions on current_lessons.direction = directions.code
    left join categories on current_lessons.category = categories.code
    left join escalation_levels on current_lessons.escalation_level = escalation_levels.code
    left join escalation_levels as deciding_levels on current_lessons.decided_by = deciding_levels.code
    left join statuses on current_lessons.status = statuses.code

)

select * from labelled

with

experiments as (

    select * from {{ ref('stg_raw__experiments') }}

),

provinces as (

    select * from {{ ref('provincies') }}

),

core_tasks as (

    select * from {{ ref('kerntaken') }}

),

ida_lines as (

    select * from {{ ref('ida_sporen') }}

),

phases as (

    select * from {{ ref('fasen') }}

),

current_experiments as (

    {{ latest_per_key('experiments', ['province_code', 'experiment_id']) }}

),

labelled as (

    select
        current_experiments.*,
        provinces.naam as province_name,
        core_tasks.label as core_task_label,
        ida_lines.label as ida_line_label,
        phases.label as phase_label,
        phases.volgorde as phase_order,
        phases.voorbij_experimenteren as is_beyond_experimenting,
        -- the one phase the standard gives a meaning of its own: withdrawn, with a stop_reason
        current_experiments.phase = 'gestopt' as is_stopped

    from current_experiments
    left join provinces on current_experiments.province_code = provinces.code
    left join core_tasks on current_experiments.core_task = core_tasks.code
    left join ida_lines on current_experiments.ida_line = ida_lines.code
    left join phases on current_experiments.phase = phases.code

)

select * from labelled

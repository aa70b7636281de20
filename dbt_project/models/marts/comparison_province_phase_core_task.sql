with

provinces as (

    select * from {{ ref('provincies') }}

),

phases as (

    select * from {{ ref('fasen') }}

),

core_tasks as (

    select * from {{ ref('kerntaken') }}

),

experiments as (

    select * from {{ ref('experiments') }}

),

grid as (

    select
        provinces.code as province_code,
        provinces.naam as province_name,
        phases.code as phase,
        phases.label as phase_label,
        phases.volgorde as phase_order,
        phases.voorbij_experimenteren as is_beyond_experimenting,
        core_tasks.code as core_task,
        core_tasks.label as core_task_label

    from provinces
    cross join phases
    cross join core_tasks

),

cell_counts as (

    select
        province_code,
        phase,
        core_task,
        count(*) as experiments,
        sum(lessons)::bigint as lessons

    from experiments
    group by province_code, phase, core_task

),

final as (

    select
        ---------- the cell
        grid.province_code,
        grid.province_name,
        grid.phase,
        grid.phase_label,
        grid.phase_order,
        grid.is_beyond_experimenting,
        grid.core_task,
        grid.core_task_label,

        ---------- counts
        coalesce(cell_counts.experiments, 0) as experiments,
        coalesce(cell_counts.lessons, 0) as lessons

    from grid
    left join cell_counts
        on grid.province_code = cell_counts.province_code
        and grid.phase = cell_counts.phase
        and grid.core_task = cell_counts.core_task

)

select * from final

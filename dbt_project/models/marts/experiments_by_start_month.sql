with

provinces as (

    select * from {{ ref('provincies') }}

),

core_tasks as (

    select * from {{ ref('kerntaken') }}

),

experiments as (

    select * from {{ ref('experiments') }}
    where start_date is not null

),

months as (

    select
        unnest(generate_series(
            date_trunc('month', min(start_date)),
            date_trunc('month', max(start_date)),
            interval 1 month
        ))::date as start_month

    from experiments

),

grid as (

    select
        months.start_month,
        provinces.code as province_code,
        provinces.naam as province_name,
        core_tasks.code as core_task,
        core_tasks.label as core_task_label

    from months
    cross join provinces
    cross join core_tasks

),

started as (

    select
        date_trunc('month', start_date)::date as start_month,
        province_code,
        core_task,
        count(*) as experiments_started

    from experiments
    group by start_month, province_code, core_task

),

final as (

    select
        ---------- the cell
        grid.start_month,
        grid.province_code,
        grid.province_name,
        grid.core_task,
        grid.core_task_label,

        ---------- counts
        coalesce(started.experiments_started, 0) as experiments_started,
        sum(coalesce(started.experiments_started, 0)) over (
            partition by grid.province_code, grid.core_task
            order by grid.start_month
        )::bigint as experiments_started_to_date

    from grid
    left join started
        on grid.start_month = started.start_month
        and grid.province_code = started.province_code
        and grid.core_task = started.core_task

)

select * from final

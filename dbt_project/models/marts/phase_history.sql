with

history as (

    select * from {{ ref('int_experiments_phase_history') }}

),

experiments as (

    -- not withdrawn
    select * from {{ ref('experiments') }}

),

phases as (

    select * from {{ ref('fasen') }}

),

final as (

    select
        ---------- ids
        history.experiment_key,
        history.province_code,
        experiments.province_name,
        history.experiment_id,
        experiments.title as experiment_title,
        experiments.core_task,
        experiments.core_task_label,
        history.phase_number,

        ---------- the phase
        history.phase,
        phases.label as phase_label,
        phases.volgorde as phase_order,
        history.previous_phase,
        history.is_current_phase,

        ---------- dates and time spent (the current phase: until the day of the build)
        history.started_on,
        history.ended_on,
        (coalesce(history.ended_on, {{ build_date() }}) - history.started_on)::integer as days_in_phase

    from history
    inner join experiments on history.experiment_key = experiments.experiment_key
    left join phases on history.phase = phases.code

)

select * from final

with

results as (

    select * from {{ ref('int_results_current') }}

),

withdrawn as (

    select record_kind, record_key from {{ ref('int_withdrawals_applied') }}

),

experiments as (

    -- a withdrawn experiment takes its lessons and results with it
    select * from {{ ref('int_experiments_current') }}
    where experiment_key not in (select record_key from withdrawn where record_kind = 'experiment')

),

final as (

    select
        ---------- ids
        results.result_key,
        results.province_code,
        results.experiment_key,
        results.experiment_id,
        results.indicator,

        ---------- context from the experiment
        experiments.province_name,
        experiments.title as experiment_title,
        experiments.core_task,
        experiments.core_task_label,

        ---------- measures
        results.unit,
        results.baseline,
        results.target,
        results.value,
        results.target_reached,
        results.progress_share,

        ---------- dates
        results.measured_on,
        results.is_latest_measurement,

        ---------- provenance
        results.loaded_at as last_loaded,
        results.delivery_id,
        results.source_file,
        results.source_row

    from results
    -- a result whose experiment is not known (an orphan) is left out; int_results_current warns about it
    inner join experiments on results.experiment_key = experiments.experiment_key

)

select * from final

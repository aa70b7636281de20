with

provinces as (

    select * from {{ ref('provincies') }}

),

deliveries as (

    select * from {{ ref('stg_raw__deliveries') }}

),

experiments as (

    select * from {{ ref('experiments') }}

),

withdrawn as (

    select * from {{ ref('withdrawn') }}

),

experiment_counts as (

    select
        province_code,
        count(*) as experiments,
        sum(lessons)::bigint as lessons,
        sum(results)::bigint as results,
        sum(dilemmas_open)::bigint as dilemmas_open,
        count(*) filter (where is_beyond_experimenting) as beyond_experimenting,
        count(*) filter (where not is_stopped) as running

    from experiments
    group by province_code

),

withdrawn_counts as (

    select
        province_code,
        count(*) filter (where record_kind = 'experiment') as withdrawn_experiments,
        count(*) filter (where record_kind = 'les') as withdrawn_lessons

    from withdrawn
    group by province_code

),

last_deliveries as (

    select
        province_code,
        max(loaded_at) as last_loaded

    from deliveries
    group by province_code

),

final as (

    select
        ---------- ids
        provinces.code,
        provinces.naam as name,
        provinces.tooi_uri,
        provinces.ckan_organisatie as ckan_organization,

        ---------- tile map position
        provinces.tegel_kolom as tile_column,
        provinces.tegel_rij as tile_row,

        ---------- counts
        coalesce(experiment_counts.experiments, 0) as experiments,
        coalesce(experiment_counts.lessons, 0) as lessons,
        coalesce(experiment_counts.results, 0) as results,
        coalesce(experiment_counts.dilemmas_open, 0) as dilemmas_open,
        coalesce(experiment_counts.beyond_experimenting, 0) as beyond_experimenting,
        coalesce(experiment_counts.beyond_experimenting / nullif(experiment_counts.running, 0), 0)::double
            as beyond_share,

        ---------- freshness
        last_deliveries.last_loaded,

        ---------- v1.1: withdrawn (not in the counts above; lessons include those of withdrawn experiments)
        coalesce(withdrawn_counts.withdrawn_experiments, 0) as withdrawn_experiments,
        coalesce(withdrawn_counts.withdrawn_lessons, 0) as withdrawn_lessons

    from provinces
    left join experiment_counts on provinces.code = experiment_counts.province_code
    left join last_deliveries on provinces.code = last_deliveries.province_code
    left join withdrawn_counts on provinces.code = withdrawn_counts.province_code

)

select * from final

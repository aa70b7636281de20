with

assessments as (

    select * from {{ ref('stg_raw__self_assessments') }}

),

recommendations as (

    select * from {{ ref('aanbevelingen') }}

),

levels as (

    select * from {{ ref('volwassenheidsniveaus') }}

),

provinces as (

    select * from {{ ref('provincies') }}

),

current_assessments as (

    -- a later delivery replaces a line of a scan with the same province, reference date and recommendation
    {{ latest_per_key('assessments', ['province_code', 'reference_date', 'recommendation']) }}

),

final as (

    select
        ---------- ids
        current_assessments.assessment_key,
        current_assessments.province_code,
        provinces.naam as province_name,
        current_assessments.recommendation,
        recommendations.label as recommendation_label,
        recommendations.kort as recommendation_short_label,
        recommendations.nummer as recommendation_number,
        recommendations.volgorde as recommendation_order,

        ---------- the assessment
        current_assessments.reference_date,
        current_assessments.level,
        levels.label as level_label,
        lag(current_assessments.level) over by_recommendation as previous_level,
        current_assessments.level - lag(current_assessments.level) over by_recommendation as level_change,
        current_assessments.reference_date
            = max(current_assessments.reference_date) over (partition by current_assessments.province_code)
            as is_latest_scan,
        current_assessments.explanation,
        current_assessments.evidence,

        ---------- provenance
        current_assessments.delivery_id

    from current_assessments
    left join recommendations on current_assessments.recommendation = recommendations.code
    left join levels on current_assessments.level = levels.niveau
    left join provinces on current_assessments.province_code = provinces.code
    window by_recommendation as (
        partition by current_assessments.province_code, current_assessments.recommendation
        order by current_assessments.reference_date
    )

)

select * from final

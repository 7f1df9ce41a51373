with

source as (
    select * from {{ source('raw', 'self_assessments') }}
),

renamed as (
    select
        agency_code as agency_id,
        methodology_id,
        component_code,
        period_month,
        self_points,
        appraisal_points,
        final_points,
        raw_numerator,
        raw_denominator,
        evidence_url,
        _batch_id as batch_id
    from source
)

select * from renamed

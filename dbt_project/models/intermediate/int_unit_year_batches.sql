-- Which ledger batches fed each unit's inputs in an assessment year, per source, and
-- how many of their rows: the lineage of a DTI input, down to the file. A province's
-- metric inputs are its agencies' rows; a self-assessment row belongs to the unit and
-- the component it names (component_code is null for the metric sources).
with

agencies as (
    select * from {{ ref('int_agency_provinces') }}
),

metric_rows as (
    select
        'public_services' as input_source,
        agency_id,
        period_month as event_month,
        batch_id
    from {{ ref('stg_public_services__agency_months') }}
    union all
    select
        'document_logs' as input_source,
        agency_id,
        received_month,
        batch_id
    from {{ ref('stg_document_logs__document_events') }}
    union all
    select
        'soc_alerts' as input_source,
        agency_id,
        detected_month,
        batch_id
    from {{ ref('stg_soc_alerts__security_alerts') }}
),

agency_years as (
    select
        metric_rows.input_source,
        metric_rows.agency_id,
        agencies.province_id,
        extract(year from metric_rows.event_month)::integer as assessment_year,
        metric_rows.batch_id,
        count(*) as rows_used
    from metric_rows
    inner join agencies on metric_rows.agency_id = agencies.agency_id
    group by
        metric_rows.input_source,
        metric_rows.agency_id,
        agencies.province_id,
        extract(year from metric_rows.event_month),
        metric_rows.batch_id
),

self_assessed as (
    select
        case
            when agencies.agency_id = agencies.province_id then 'province' else 'agency'
        end as unit_level,
        self_assessments.agency_id as unit_id,
        extract(year from self_assessments.period_month)::integer as assessment_year,
        self_assessments.component_code,
        self_assessments.batch_id,
        count(*) as rows_used
    from {{ ref('stg_self_assessment__self_assessments') }} as self_assessments
    inner join agencies on self_assessments.agency_id = agencies.agency_id
    group by
        agencies.agency_id,
        agencies.province_id,
        self_assessments.agency_id,
        extract(year from self_assessments.period_month),
        self_assessments.component_code,
        self_assessments.batch_id
)

select
    'agency' as unit_level,
    agency_id as unit_id,
    assessment_year,
    input_source,
    null::text as component_code,
    batch_id,
    rows_used
from agency_years
union all
select
    'province' as unit_level,
    province_id as unit_id,
    assessment_year,
    input_source,
    null::text as component_code,
    batch_id,
    sum(rows_used) as rows_used
from agency_years
group by province_id, assessment_year, input_source, batch_id
union all
select
    unit_level,
    unit_id,
    assessment_year,
    'self_assessment' as input_source,
    component_code,
    batch_id,
    rows_used
from self_assessed

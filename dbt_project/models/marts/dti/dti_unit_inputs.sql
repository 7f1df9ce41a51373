-- What the DTI engine scores (docs/methodology.md §3), per unit and assessment year:
-- each operational metric summed over the year (numerator and denominator, never
-- only the ratio), for every agency and for its province as a whole, and every
-- self-assessed component. With the batches each input came from (only those: a
-- metric's from its own source, int_unit_year_batches), so a score can be walked back
-- to its files.
with

metric_months as (
    select * from {{ ref('fct_metric_values') }}
),

agencies as (
    select * from {{ ref('int_agency_provinces') }}
),

metric_years as (
    select
        metric_months.metric_code,
        metric_months.domain,
        extract(year from metric_months.period_month)::integer as assessment_year,
        metric_months.agency_id,
        agencies.province_id,
        sum(metric_months.numerator) as numerator,
        sum(metric_months.denominator) as denominator
    from metric_months
    inner join agencies on metric_months.agency_id = agencies.agency_id
    group by
        metric_months.metric_code,
        metric_months.domain,
        extract(year from metric_months.period_month),
        metric_months.agency_id,
        agencies.province_id
),

metric_inputs as (
    select
        'agency' as unit_level,
        agency_id as unit_id,
        assessment_year,
        metric_code,
        domain,
        numerator,
        denominator
    from metric_years
    union all
    select
        'province' as unit_level,
        province_id as unit_id,
        assessment_year,
        metric_code,
        domain,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from metric_years
    group by province_id, assessment_year, metric_code, domain
),

self_assessed as (
    select * from {{ ref('stg_self_assessment__self_assessments') }}
),

unit_batches as (
    select
        unit_level,
        unit_id,
        assessment_year,
        input_source,
        {{ id_list_agg('batch_id') }} as input_batch_ids
    from {{ ref('int_unit_year_batches') }}
    group by unit_level, unit_id, assessment_year, input_source
),

inputs as (
    select
        metric_inputs.unit_level,
        metric_inputs.unit_id,
        metric_inputs.assessment_year,
        'metric' as input_kind,
        metric_inputs.metric_code as input_code,
        null::text as methodology_id,
        metric_inputs.numerator,
        metric_inputs.denominator,
        null::numeric as given_points,
        null::numeric as self_points,
        null::numeric as appraisal_points,
        null::text as evidence_url,
        unit_batches.input_batch_ids
    from metric_inputs
    left join unit_batches
        on
            metric_inputs.unit_level = unit_batches.unit_level
            and metric_inputs.unit_id = unit_batches.unit_id
            and metric_inputs.assessment_year = unit_batches.assessment_year
            and metric_inputs.domain = unit_batches.input_source
    union all
    select
        case
            when agencies.agency_id = agencies.province_id then 'province' else 'agency'
        end as unit_level,
        self_assessed.agency_id as unit_id,
        extract(year from self_assessed.period_month)::integer as assessment_year,
        'self_assessment' as input_kind,
        self_assessed.component_code,
        self_assessed.methodology_id,
        self_assessed.raw_numerator,
        self_assessed.raw_denominator,
        -- The final score, else the appraisal council's, else the unit's own.
        coalesce(
            self_assessed.final_points,
            self_assessed.appraisal_points,
            self_assessed.self_points
        ) as given_points,
        self_assessed.self_points,
        self_assessed.appraisal_points,
        self_assessed.evidence_url,
        self_assessed.batch_id::text as input_batch_ids
    from self_assessed
    inner join agencies on self_assessed.agency_id = agencies.agency_id
)

select
    unit_level || '|' || unit_id || '|' || assessment_year || '|' || input_kind || '|'
    || coalesce(methodology_id || '|', '') || input_code as unit_input_id,
    *
from inputs

-- Every operational metric per agency and month in one long table: numerator and
-- denominator as measured, and their ratio. The DTI engine binds components to
-- metric_code; null value means nothing to divide by (unknown, not zero).
with

measured as (
    select * from {{ ref('int_agency_metrics_unpivoted') }}
),

definitions as (
    select * from {{ ref('metric_definitions') }}
),

final as (
    select
        measured.metric_code || '|' || measured.agency_id || '|'
        || to_char(measured.period_month, 'YYYY-MM') as metric_value_id,
        measured.metric_code,
        definitions.domain,
        measured.agency_id,
        measured.period_month,
        measured.numerator,
        measured.denominator,
        {{ safe_ratio('measured.numerator', 'measured.denominator') }} as metric_value,
        definitions.target,
        definitions.official
    from measured
    inner join definitions on measured.metric_code = definitions.metric_code
)

select
    metric_value_id,
    metric_code,
    domain,
    agency_id,
    period_month,
    numerator,
    denominator,
    metric_value,
    target,
    official
from final

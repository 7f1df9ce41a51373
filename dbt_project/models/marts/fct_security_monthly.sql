-- SOC measures per agency and month: alerts by severity, resolved within SLA, mean
-- times to acknowledge and resolve.
with

alerts as (
    select * from {{ ref('fct_security_alerts') }}
),

monthly as (
    select
        agency_id,
        detected_month as period_month,
        count(*) as alerts,
        count(*) filter (where severity = 'critical') as alerts_critical,
        count(*) filter (where severity = 'high') as alerts_high,
        count(*) filter (where severity = 'medium') as alerts_medium,
        count(*) filter (where severity = 'low') as alerts_low,
        count(*) filter (where is_resolved_within_sla) as alerts_resolved_within_sla,
        round(avg(minutes_to_acknowledge), 1) as mean_minutes_to_acknowledge,
        round(avg(minutes_to_resolve), 1) as mean_minutes_to_resolve
    from alerts
    where status <> 'false_positive'
    group by agency_id, detected_month
)

select
    agency_id || '|' || to_char(period_month, 'YYYY-MM') as agency_month_id,
    agency_id,
    period_month,
    alerts,
    alerts_critical,
    alerts_high,
    alerts_medium,
    alerts_low,
    alerts_resolved_within_sla,
    {{ safe_ratio('alerts_resolved_within_sla', 'alerts') }} as resolved_within_sla_ratio,
    mean_minutes_to_acknowledge,
    mean_minutes_to_resolve
from monthly

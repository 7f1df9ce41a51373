-- depends_on: {{ ref('stg_meta__batches') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='detected_month',
        on_schema_change='fail',
        indexes=[{'columns': ['detected_month']}, {'columns': ['batch_id']}]
    )
}}

-- One row per SOC alert, with times to acknowledge and resolve against the SLA.
with

alerts as (
    select * from {{ ref('stg_soc_alerts__security_alerts') }}
    {% if is_incremental() %}
        where {{ changed_months('detected_month', 'detected_at',
                                'soc_alerts') }}
    {% endif %}
),

sla as (
    select * from {{ ref('security_sla') }}
),

final as (
    select
        alerts.security_alert_id,
        alerts.alert_id,
        alerts.source_system,
        alerts.agency_id,
        alerts.detected_month,
        alerts.detected_at,
        alerts.severity,
        alerts.category,
        alerts.signature,
        alerts.status,
        alerts.acknowledged_at,
        alerts.resolved_at,
        alerts.batch_id,
        round(extract(epoch from alerts.acknowledged_at - alerts.detected_at) / 60, 1)
            as minutes_to_acknowledge,
        round(extract(epoch from alerts.resolved_at - alerts.detected_at) / 60, 1)
            as minutes_to_resolve,
        coalesce(
            alerts.resolved_at
            <= alerts.detected_at + make_interval(hours => sla.resolve_hours),
            false
        ) as is_resolved_within_sla
    from alerts
    left join sla on alerts.severity = sla.severity
)

select * from final

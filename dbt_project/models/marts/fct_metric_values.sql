-- Every operational metric per agency and month in one long table: numerator and
-- denominator as measured, unpivoted from the monthly facts, and their ratio. The
-- DTI engine binds components to metric_code (seed metric_definitions); a null value
-- means nothing to divide by (unknown, not zero).
with

public_services as (
    select * from {{ ref('fct_public_service_monthly') }}
),

documents as (
    select * from {{ ref('fct_document_monthly') }}
),

security as (
    select * from {{ ref('fct_security_monthly') }}
),

measured as (
    {% set public_service_metrics = [
        ('ps_online_submission', 'received_online', 'received_total'),
        ('ps_full_online', 'received_full_online', 'received_online'),
        ('ps_on_time', 'dossiers_in_time', 'dossiers_due'),
        ('ps_e_results', 'results_electronic', 'resolved_early + resolved_on_time + resolved_late'),
        ('ps_digitised', 'dossiers_digitised', 'received_total'),
        ('ps_paid_online', 'paid_online', 'dossiers_with_fees'),
        ('ps_satisfaction', 'handled - dissatisfied', 'handled'),
    ] %}
    {% set document_metrics = [
        ('doc_electronic', 'documents_electronic', 'documents'),
        ('doc_signed_specialised', 'outgoing_signed_specialised', 'outgoing'),
        ('doc_axis', 'exchanged_via_axis', 'documents'),
        ('doc_on_time', 'closed_on_time', 'closed_with_deadline'),
    ] %}
    {% set security_metrics = [
        ('soc_resolved_within_sla', 'alerts_resolved_within_sla', 'alerts'),
    ] %}
    {% for relation, metrics in [
        ('public_services', public_service_metrics),
        ('documents', document_metrics),
        ('security', security_metrics),
    ] %}
        {% for code, numerator, denominator in metrics %}
            select
                '{{ code }}' as metric_code,
                agency_id,
                period_month,
                ({{ numerator }})::numeric as numerator,
                ({{ denominator }})::numeric as denominator
            from {{ relation }}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
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

-- Document-management measures per agency and month, numerators beside denominators.
with

events as (
    select * from {{ ref('fct_document_events') }}
),

monthly as (
    select
        agency_id,
        received_month as period_month,
        count(*) as documents,
        count(*) filter (where is_processed_electronically) as documents_electronic,
        count(*) filter (where direction = 'outgoing') as outgoing,
        count(*) filter (
            where direction = 'outgoing' and signature_kind = 'specialised_ca'
        ) as outgoing_signed_specialised,
        count(*) filter (where channel = 'axis') as exchanged_via_axis,
        count(*) filter (where is_completed and due_at is not null) as closed_with_deadline,
        count(*) filter (where is_completed_on_time) as closed_on_time
    from events
    group by agency_id, received_month
),

final as (
    select
        agency_id || '|' || to_char(period_month, 'YYYY-MM') as agency_month_id,
        *,
        {{ safe_ratio('documents_electronic', 'documents') }} as electronic_ratio,
        {{ safe_ratio('outgoing_signed_specialised', 'outgoing') }} as signed_ratio,
        {{ safe_ratio('exchanged_via_axis', 'documents') }} as axis_ratio,
        {{ safe_ratio('closed_on_time', 'closed_with_deadline') }} as on_time_ratio
    from monthly
)

select
    agency_month_id,
    agency_id,
    period_month,
    documents,
    documents_electronic,
    outgoing,
    outgoing_signed_specialised,
    exchanged_via_axis,
    closed_with_deadline,
    closed_on_time,
    electronic_ratio,
    signed_ratio,
    axis_ratio,
    on_time_ratio
from final

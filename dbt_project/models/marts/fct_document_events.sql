{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='received_month',
        on_schema_change='fail'
    )
}}

-- One row per document event. Incremental by month: a run rebuilds the months from
-- `event_lookback_months` before the latest one, replacing them whole.
with

events as (
    select * from {{ ref('stg_document_logs__document_events') }}
    {% if is_incremental() %}
        where received_month >= (
            select
                coalesce(max(existing.received_month), '1900-01-01'::date)
                - make_interval(months => {{ var('event_lookback_months') }})
            from {{ this }} as existing
        )
    {% endif %}
),

final as (
    select
        document_event_id,
        document_id,
        agency_id,
        received_month,
        direction,
        channel,
        signature_kind,
        is_processed_electronically,
        received_at,
        due_at,
        completed_at,
        handler_hash,
        batch_id,
        completed_at is not null as is_completed,
        coalesce(completed_at <= due_at, false) as is_completed_on_time
    from events
)

select * from final

-- depends_on: {{ ref('stg_meta__batches') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='received_month',
        on_schema_change='fail',
        indexes=[{'columns': ['received_month']}, {'columns': ['batch_id']}]
    )
}}

-- One row per document event. Incremental by month: a run replaces whole the months
-- that received a newer batch and those within `event_lookback_months` of the latest.
with

events as (
    select * from {{ ref('stg_document_logs__document_events') }}
    {% if is_incremental() %}
        where {{ changed_months('received_month', 'received_at',
                                'document_logs') }}
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

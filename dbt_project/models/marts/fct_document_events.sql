{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='received_month',
        on_schema_change='fail'
    )
}}

-- One row per document event. Incremental by month: a run replaces whole the months
-- that received a newer batch and those within `event_lookback_months` of the latest.
with

events as (
    select * from {{ ref('stg_document_logs__document_events') }}
    {% if is_incremental() %}
        -- Months that got rows from a batch newer than any already here (a late or
        -- corrected file for an old month), plus the recent months.
        where received_month in (
            select changed.received_month
            from {{ ref('stg_document_logs__document_events') }} as changed
            where changed.batch_id > (
                select coalesce(max(existing.batch_id), 0) from {{ this }} as existing
            )
        )
        or received_month >= (
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

with

source as (
    select * from {{ source('raw', 'document_events') }}
),

renamed as (
    select
        document_id || '|' || agency_code || '|' || direction as document_event_id,
        document_id,
        agency_code as agency_id,
        direction,
        channel,
        signature_kind,
        processed_electronically = 'true' as is_processed_electronically,
        received_at,
        due_at,
        completed_at,
        (date_trunc('month', received_at at time zone 'Asia/Ho_Chi_Minh'))::date
            as received_month,
        handler as handler_hash,
        handler_email as handler_email_hash,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed

with

source as (
    select * from {{ source('raw', 'security_alerts') }}
),

renamed as (
    select
        source_system || '|' || alert_id as security_alert_id,
        alert_id,
        source_system,
        agency_code as agency_id,
        detected_at,
        (date_trunc('month', detected_at at time zone 'Asia/Ho_Chi_Minh'))::date
            as detected_month,
        severity,
        severity_raw,
        category,
        signature,
        asset,
        status,
        acknowledged_at,
        resolved_at,
        _batch_id as batch_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed

with

source as (
    select * from {{ source('raw', 'public_services') }}
),

renamed as (
    select
        agency_code || '|' || to_char(period_month, 'YYYY-MM') as agency_month_id,
        agency_code as agency_id,
        agency_name,
        period_month,
        received_online,
        received_full_online,
        received_in_person,
        received_postal,
        resolved_early,
        resolved_on_time,
        resolved_late,
        in_progress_within_deadline,
        in_progress_overdue,
        results_electronic,
        dossiers_digitised,
        dossiers_with_fees,
        paid_online,
        handled,
        dissatisfied,
        _batch_id as batch_id,
        _source_file as source_file,
        _row_number as source_row_number,
        _loaded_at as loaded_at
    from source
)

select * from renamed

with

source as (
    select * from {{ source('meta', 'batches') }}
),

renamed as (
    select
        batch_id,
        source as source_name,
        coalesce(stream, source) as stream,
        agency_code as reporting_agency_id,
        period,
        source_file,
        archived_to,
        sha256,
        status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_excluded,
        error as notes,
        started_at,
        finished_at
    from source
)

select * from renamed

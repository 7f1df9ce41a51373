-- Data quality per source stream, reporting unit and period, from the batch ledger:
-- what arrived, what was refused, what was quarantined, and how fresh it is.
with

batches as (
    select * from {{ ref('stg_meta__batches') }}
),

summed as (
    select
        source_name,
        stream,
        reporting_agency_id,
        period,
        count(*) filter (where status <> 'skipped') as files_received,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where status = 'rejected') as files_rejected,
        count(*) filter (where status = 'failed') as files_failed,
        count(*) filter (where status = 'skipped') as files_duplicate,
        -- Row counts of the load in force (earlier, superseded loads are not counted).
        coalesce(sum(rows_read) filter (where status = 'loaded'), 0)::bigint as rows_read,
        coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0)::bigint as rows_loaded,
        coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0)::bigint
            as rows_quarantined,
        coalesce(sum(rows_excluded) filter (where status = 'loaded'), 0)::bigint
            as rows_excluded,
        max(finished_at) filter (where status = 'loaded') as last_loaded_at
    from batches
    where period is not null
    group by source_name, stream, reporting_agency_id, period
),

final as (
    select
        source_name || '|' || stream || '|' || coalesce(reporting_agency_id, '?') || '|'
        || period as data_quality_id,
        *,
        {{ safe_ratio('rows_quarantined', 'rows_read - rows_excluded') }} as quarantine_rate,
        extract(day from now() - last_loaded_at)::integer as days_since_last_load
    from summed
)

select
    data_quality_id,
    source_name,
    stream,
    reporting_agency_id,
    period,
    files_received,
    files_loaded,
    files_rejected,
    files_failed,
    files_duplicate,
    rows_read,
    rows_loaded,
    rows_quarantined,
    rows_excluded,
    quarantine_rate,
    last_loaded_at,
    days_since_last_load
from final

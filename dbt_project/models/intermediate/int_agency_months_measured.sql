-- Each agency month of the public-service reports with the counts the marts derive
-- from it: dossiers received in all, handled in time, fallen due, handled without
-- complaint. Computed once here for the monthly fact and the 766 index.
with

agency_months as (
    select * from {{ ref('stg_public_services__agency_months') }}
),

measured as (
    select
        *,
        received_online + received_in_person + received_postal as received_total,
        -- 766 progress: dossiers handled in time over dossiers that fell due.
        resolved_early + resolved_on_time + in_progress_within_deadline as dossiers_in_time,
        resolved_early + resolved_on_time + resolved_late
        + in_progress_within_deadline + in_progress_overdue as dossiers_due,
        handled - dissatisfied as handled_satisfied
    from agency_months
),

final as (
    select
        *,
        {{ safe_ratio('dossiers_in_time', 'dossiers_due') }} as on_time_ratio
    from measured
)

select * from final

with

agency_months as (
    select * from {{ ref('stg_public_services__agency_months') }}
),

measured as (
    select
        agency_month_id,
        agency_id,
        period_month,
        received_online + received_in_person + received_postal as received_total,
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
        -- 766 progress: dossiers handled in time over dossiers that fell due.
        resolved_early + resolved_on_time + in_progress_within_deadline as dossiers_in_time,
        resolved_early + resolved_on_time + resolved_late
        + in_progress_within_deadline + in_progress_overdue as dossiers_due,
        batch_id
    from agency_months
),

final as (
    select
        *,
        {{ safe_ratio('dossiers_in_time', 'dossiers_due') }} as on_time_ratio
    from measured
)

-- The contract orders the columns of the table.
select * from final

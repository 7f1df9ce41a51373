with

agency_months as (
    select * from {{ ref('int_agency_months_measured') }}
),

final as (
    select
        agency_month_id,
        agency_id,
        period_month,
        received_total,
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
        dossiers_in_time,
        dossiers_due,
        on_time_ratio,
        batch_id,
        procedures_to_publish,
        procedures_published_on_time,
        dossiers_synced,
        dossiers_progress_published,
        received_of_full_online_procedures,
        procedures_with_fees,
        procedures_with_online_payment,
        procedures_with_fee_dossiers,
        petitions_due,
        petitions_handled_on_time,
        petitions_rated,
        petitions_satisfied,
        resolved_with_document_result,
        copies_certified,
        copies_certified_electronic,
        dossiers_reusing_data,
        results_shared,
        dossiers_population_verified,
        dossiers_population_prefilled,
        portal_index_766_points
    from agency_months
)

-- The contract orders the columns of the table.
select * from final

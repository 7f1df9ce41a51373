-- 766 index (Decision 766/QĐ-TTg) per agency and month: the metrics the exports can
-- measure, converted to points as METHODOLOGY.md §4 gives them (conversions are
-- reverse-engineered from portal data [C-3p]; the online-services one is unconfirmed
-- [U] and kept in a column that says so). Null points mean not measurable here.
with

monthly as (
    select * from {{ ref('fct_public_service_monthly') }}
),

agencies as (
    -- One row per code: the province does not change between an agency's versions.
    select distinct on (agency_id)
        agency_id,
        province_id
    from {{ ref('dim_agencies') }}
    order by agency_id asc, valid_from desc
),

ratios as (
    select
        monthly.agency_month_id,
        monthly.agency_id,
        agencies.province_id,
        monthly.period_month,
        monthly.dossiers_in_time as progress_numerator,
        monthly.dossiers_due as progress_denominator,
        monthly.on_time_ratio,
        monthly.handled,
        {{ safe_ratio('monthly.results_electronic',
                      'monthly.resolved_early + monthly.resolved_on_time'
                      ~ ' + monthly.resolved_late') }} as e_results_ratio,
        {{ safe_ratio('monthly.dossiers_digitised', 'monthly.received_total') }}
            as digitised_ratio,
        {{ safe_ratio('monthly.handled - monthly.dissatisfied', 'monthly.handled') }}
            as satisfaction_ratio,
        {{ safe_ratio('monthly.paid_online', 'monthly.dossiers_with_fees') }}
            as paid_online_ratio,
        {{ safe_ratio('monthly.received_full_online', 'monthly.received_online') }}
            as full_online_ratio
    from monthly
    inner join agencies on monthly.agency_id = agencies.agency_id
),

scored as (
    select
        *,
        -- Progress (tiến độ), 20: 20 x ratio.
        round(20 * on_time_ratio, 4) as progress_points,
        -- Digitisation (số hóa): e-results 6, digitised dossiers 4, each Pmax x ratio.
        {{ capped_points(6, '6 * e_results_ratio') }} as e_results_points,
        {{ capped_points(4, '4 * digitised_ratio') }} as digitised_points,
        -- Dossier-handling satisfaction, 6: 0 with no dossiers, full marks from 90%.
        case
            when handled = 0 then 0
            else {{ capped_points(6, '6 * satisfaction_ratio / 0.90') }}
        end as satisfaction_points,
        -- Online payment, 10 = 6A + min(2, 2.5B) + 2.5C: only A is measurable from
        -- dossier counts (B and C need procedure lists), so this is the 6A part.
        round(6 * paid_online_ratio, 4) as online_payment_a_points,
        -- Online services, 12: formula not confirmed [U]; 12 x full-process share.
        round(12 * full_online_ratio, 4) as online_services_points_unconfirmed
    from ratios
),

ranked as (
    select
        *,
        -- Competition ranking: ties share a rank and the next rank is skipped.
        case
            when progress_points is not null
                then rank() over (
                    partition by province_id, period_month, progress_points is null
                    order by progress_points desc
                )
        end as progress_rank
    from scored
)

select
    agency_month_id,
    agency_id,
    province_id,
    period_month,
    progress_numerator,
    progress_denominator,
    progress_points,
    progress_rank::integer as progress_rank,
    e_results_points,
    digitised_points,
    satisfaction_points,
    online_payment_a_points,
    online_services_points_unconfirmed
from ranked

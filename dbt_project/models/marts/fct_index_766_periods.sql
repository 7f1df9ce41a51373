-- The 766 index per unit and period at every grain: agency or province, by month,
-- quarter and year. Counts are summed first and converted once (a quarter's progress
-- is its dossiers in time over its dossiers due, not a mean of monthly points), with
-- the same conversions as fct_index_766 and a competition rank of the progress points
-- among the units of the same level, province and period.
with

monthly as (
    select * from {{ ref('fct_public_service_monthly') }}
),

agencies as (
    select * from {{ ref('int_agency_provinces') }}
),

grains as (
    select
        monthly.*,
        agencies.province_id,
        grain.period_grain,
        date_trunc(grain.period_grain, monthly.period_month)::date as period_start
    from monthly
    inner join agencies on monthly.agency_id = agencies.agency_id
    cross join (values ('month'), ('quarter'), ('year')) as grain (period_grain)
),

units as (
    select
        'agency' as unit_level,
        grains.agency_id as unit_id,
        grains.*
    from grains
    union all
    select
        'province' as unit_level,
        grains.province_id as unit_id,
        grains.*
    from grains
),

summed as (
    select
        unit_level,
        unit_id,
        province_id,
        period_grain,
        period_start,
        count(distinct period_month) as months_reported,
        sum(dossiers_in_time)::bigint as dossiers_in_time,
        sum(dossiers_due)::bigint as dossiers_due,
        sum(results_electronic)::bigint as results_electronic,
        sum(resolved_early)::bigint as resolved_early,
        sum(resolved_on_time)::bigint as resolved_on_time,
        sum(resolved_late)::bigint as resolved_late,
        sum(dossiers_digitised)::bigint as dossiers_digitised,
        sum(received_total)::bigint as received_total,
        sum(handled)::bigint as handled,
        sum(dissatisfied)::bigint as dissatisfied,
        sum(paid_online)::bigint as paid_online,
        sum(dossiers_with_fees)::bigint as dossiers_with_fees,
        sum(received_full_online)::bigint as received_full_online,
        sum(received_online)::bigint as received_online
    from units
    group by unit_level, unit_id, province_id, period_grain, period_start
),

scored as (
    select
        summed.unit_level,
        summed.unit_id,
        summed.province_id,
        summed.period_grain,
        summed.period_start,
        summed.months_reported,
        {{ index_766_points('summed') }}
    from summed
)

select
    unit_level || '|' || unit_id || '|' || period_grain || '|'
    || to_char(period_start, 'YYYY-MM') as index_766_period_id,
    unit_level,
    unit_id,
    province_id,
    period_grain,
    period_start,
    months_reported::integer as months_reported,
    progress_numerator,
    progress_denominator,
    progress_points,
    case
        when progress_points is not null
            then rank() over (
                partition by
                    unit_level, province_id, period_grain, period_start,
                    progress_points is null
                order by progress_points desc
            )
    end::integer as progress_rank,
    e_results_points,
    digitised_points,
    satisfaction_points,
    online_payment_a_points,
    online_services_points_unconfirmed
from scored

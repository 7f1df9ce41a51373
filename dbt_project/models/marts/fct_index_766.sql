-- 766 index (Decision 766/QĐ-TTg) per agency and month: the metrics the exports can
-- measure, converted to points as docs/methodology.md §4 gives them (conversions are
-- reverse-engineered from portal data [C-3p]; the online-services one is unconfirmed
-- [U] and kept in a column that says so). Null points mean not measurable here.
with

monthly as (
    select * from {{ ref('fct_public_service_monthly') }}
),

agencies as (
    select * from {{ ref('int_agency_provinces') }}
),

scored as (
    select
        monthly.agency_month_id,
        monthly.agency_id,
        agencies.province_id,
        monthly.period_month,
        {{ index_766_points('monthly') }}
    from monthly
    inner join agencies on monthly.agency_id = agencies.agency_id
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

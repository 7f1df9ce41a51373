-- 766 index (Decision 766/QĐ-TTg) per agency and month. So far the progress group:
-- 20 points x dossiers handled in time / dossiers due (METHODOLOGY.md §4).
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

scored as (
    select
        monthly.agency_month_id,
        monthly.agency_id,
        agencies.province_id,
        monthly.period_month,
        monthly.dossiers_in_time as progress_numerator,
        monthly.dossiers_due as progress_denominator,
        round(20 * monthly.on_time_ratio, 4) as progress_points
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
    progress_rank::integer as progress_rank
from ranked

-- 766 index (Decision 766/QĐ-TTg) per agency and month: the agency-month rows of
-- fct_index_766_periods (items and conversions in fct_index_766_items, seed
-- index_766_items; docs/methodology.md §4). Null points mean not measurable here.
with

periods as (
    select * from {{ ref('fct_index_766_periods') }}
)

select
    unit_id || '|' || to_char(period_start, 'YYYY-MM') as agency_month_id,
    unit_id as agency_id,
    province_id,
    period_start as period_month,
    progress_numerator,
    progress_denominator,
    progress_points,
    progress_rank,
    e_results_points,
    digitised_points,
    satisfaction_points,
    online_payment_a_points,
    online_services_points_unconfirmed,
    transparency_points,
    progress_group_points,
    online_group_points,
    satisfaction_group_points,
    digitisation_group_points,
    total_points,
    items_not_measured,
    total_rank,
    rating_code,
    rating_vi,
    rating_status,
    portal_index_766_points
from periods
where unit_level = 'agency' and period_grain = 'month'

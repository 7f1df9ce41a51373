-- Each methodology's scored main indices: weights add up to 1 and max points to the
-- methodology's total, and each weight is its max points over the total.
with

main_indices as (
    select * from {{ ref('dti_main_indices') }}
    where is_scored
),

methodologies as (
    select * from {{ ref('dti_methodologies') }}
),

totals as (
    select
        methodology_id,
        sum(weight) as weight_sum,
        sum(max_points) as points_sum,
        bool_and(
            abs(weight - max_points / 1000.0) < 0.000001
        ) as weights_follow_points
    from main_indices
    group by methodology_id
)

select
    totals.methodology_id,
    totals.weight_sum,
    totals.points_sum,
    methodologies.total_points
from totals
inner join methodologies on totals.methodology_id = methodologies.methodology_id
where
    abs(totals.weight_sum - 1) > 0.000001
    or totals.points_sum <> methodologies.total_points
    or not totals.weights_follow_points

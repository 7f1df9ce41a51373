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
        main_indices.methodology_id,
        sum(main_indices.weight) as weight_sum,
        sum(main_indices.max_points) as points_sum,
        bool_and(
            abs(main_indices.weight - main_indices.max_points / methodologies.total_points)
            < 0.000001
        ) as weights_follow_points
    from main_indices
    inner join methodologies
        on main_indices.methodology_id = methodologies.methodology_id
    group by main_indices.methodology_id
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

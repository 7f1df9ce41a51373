-- Every component belongs to a scored main index of its methodology, the components
-- of a main index add up to its max points, and each rule has what it needs
-- (automatic: a metric; ratio_target and binary: a target; tiered: tiers).
with

components as (
    select * from {{ ref('dti_components') }}
),

main_indices as (
    select * from {{ ref('dti_main_indices') }}
    where is_scored
),

component_sums as (
    select
        methodology_id,
        main_index_code,
        sum(max_points) as points_sum
    from components
    group by methodology_id, main_index_code
)

select
    coalesce(main_indices.methodology_id, component_sums.methodology_id) as methodology_id,
    coalesce(main_indices.main_index_code, component_sums.main_index_code)
        as main_index_code,
    'components do not add up to the main index' as problem
from main_indices
full outer join component_sums
    on
        main_indices.methodology_id = component_sums.methodology_id
        and main_indices.main_index_code = component_sums.main_index_code
where
    main_indices.methodology_id in (select c.methodology_id from components as c)
    and main_indices.max_points is distinct from component_sums.points_sum
union all
select
    methodology_id,
    main_index_code,
    'rule ' || rule || ' lacks what it needs' as problem
from components
where
    (measurement = 'automatic' and metric_code is null)
    or (rule in ('ratio_target') and target is null)
    or (rule = 'tiered' and tiers is null)
    or (measurement = 'automatic' and rule = 'points')

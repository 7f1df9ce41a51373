-- The 766 items add up to their group's points, the groups to 100, and every item
-- divides measures the warehouse computes (macro index_766_measures).
with

items as (
    select * from {{ ref('index_766_items') }}
),

groups as (
    select * from {{ ref('index_766_groups') }}
),

group_sums as (
    select
        group_code,
        sum(max_points) as item_points
    from items
    group by group_code
)

select
    'group ' || groups.group_code as problem
from groups
left join group_sums on groups.group_code = group_sums.group_code
where group_sums.item_points is distinct from groups.max_points
union all
select 'groups add up to ' || sum(max_points)::text as problem
from groups
having sum(max_points) <> 100
union all
select 'measure of ' || item_code as problem
from items
where
    numerator not in ({{ "'" ~ index_766_measures() | join("', '") ~ "'" }})
    or denominator not in ({{ "'" ~ index_766_measures() | join("', '") ~ "'" }})

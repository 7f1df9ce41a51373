-- Every name a province goes by, keyed for joining (macro province_key): the 63 former
-- provinces, the 34 after the 2025 merger, and the aliases seed (abbreviations).
with

mergers as (
    select * from {{ ref('province_mergers') }}
),

aliases as (
    select * from {{ ref('province_aliases') }}
),

names as (
    select
        former_province as name,
        former_province as province
    from mergers
    union
    select
        province as name,
        province
    from mergers
    union
    select
        alias as name,
        province
    from aliases
)

select distinct
    {{ province_key('name') }} as name_key,
    province
from names

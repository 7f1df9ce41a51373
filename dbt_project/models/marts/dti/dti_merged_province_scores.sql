-- Published provincial results for 2024 and later seen as the 34 provinces of the 2025
-- reorganisation: a merged province's DTI is the plain mean of its former provinces'
-- DTI values (recomputed, else published), ranked among the merged provinces
-- (docs/methodology.md §2). Results of 2025 and later are the new provinces already and
-- stand for themselves. `complete` says whether every former province was in the file.
with

published as (
    select * from {{ ref('int_published_dti_rows') }}
    where assessment_year >= 2024 and province is not null
),

mergers as (
    select * from {{ ref('province_mergers') }}
),

members as (
    select
        province,
        count(*) as former_provinces_expected
    from mergers
    group by province
),

merged as (
    select
        coalesce(mergers.province, published.province) as province,
        published.assessment_year,
        published.methodology_id,
        count(*) as former_provinces,
        bool_or(mergers.province is not null) as is_merger,
        string_agg(published.province, ', ' order by published.province) as merged_from,
        avg(coalesce(published.dti_share, published.published_dti)) as dti_share
    from published
    left join mergers
        on
            published.province = mergers.former_province
            and published.assessment_year <= 2024
    where coalesce(published.dti_share, published.published_dti) is not null
    group by
        coalesce(mergers.province, published.province),
        published.assessment_year,
        published.methodology_id
)

select
    merged.province || '|' || merged.assessment_year || '|' || merged.methodology_id
        as merged_score_id,
    merged.province,
    merged.assessment_year,
    merged.methodology_id,
    merged.former_provinces::integer as former_provinces,
    merged.merged_from,
    not merged.is_merger
    or merged.former_provinces = members.former_provinces_expected as complete,
    round(merged.dti_share, 4) as dti_value,
    rank() over (
        partition by merged.assessment_year, merged.methodology_id
        order by merged.dti_share desc
    )::integer as dti_rank
from merged
left join members on merged.province = members.province

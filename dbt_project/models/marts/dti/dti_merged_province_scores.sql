-- Published provincial results seen as the 34 provinces of the 2025 reorganisation:
-- a merged province's main-index values are the plain mean of its former provinces'
-- values; its DTI is computed from those means and ranked among the merged provinces
-- (docs/methodology.md §2). Reads the latest `dti reconcile` import.
with

published as (
    {{ published_main_indices() }}
),

mergers as (
    select * from {{ ref('province_mergers') }}
),

weights as (
    select * from {{ ref('dti_main_indices') }}
    where is_scored
),

means as (
    select
        mergers.province,
        published.assessment_year,
        published.methodology_id,
        published.main_index_code,
        count(*) as former_provinces,
        string_agg(published.province, ', ' order by published.province) as merged_from,
        avg(published.main_index_value) as main_index_value
    from published
    inner join mergers on published.province = mergers.former_province
    group by
        mergers.province,
        published.assessment_year,
        published.methodology_id,
        published.main_index_code
),

scored as (
    select
        means.province,
        means.assessment_year,
        means.methodology_id,
        max(means.former_provinces) as former_provinces,
        max(means.merged_from) as merged_from,
        {{ dti_value('weights.weight', 'means.main_index_value') }} as dti_value
    from means
    inner join weights
        on
            means.methodology_id = weights.methodology_id
            and means.main_index_code = weights.main_index_code
    group by means.province, means.assessment_year, means.methodology_id
)

select
    province || '|' || assessment_year || '|' || methodology_id as merged_score_id,
    province,
    assessment_year,
    methodology_id,
    former_provinces::integer as former_provinces,
    merged_from,
    dti_value,
    rank() over (
        partition by assessment_year, methodology_id order by dti_value desc
    )::integer as dti_rank
from scored

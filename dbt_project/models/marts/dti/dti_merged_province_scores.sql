-- Published provincial results seen as the 34 provinces of the 2025 reorganisation:
-- a merged province's main-index values are the plain mean of its former provinces'
-- values; its DTI is computed from those means and ranked among the merged provinces
-- (METHODOLOGY.md §2). Reads the latest `dti reconcile` import.
with

published as (
    select *
    from {{ source('meta', 'published_dti') }}
    where import_id = (
        select max(latest.import_id) from {{ source('meta', 'published_dti') }} as latest
    )
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
        count(*) as former_provinces,
        string_agg(published.province, ', ' order by published.province) as merged_from,
        avg(published.nhan_thuc_so) as nhan_thuc_so,
        avg(published.the_che_so) as the_che_so,
        avg(published.ha_tang_so) as ha_tang_so,
        avg(published.nhan_luc_so) as nhan_luc_so,
        avg(published.an_toan_thong_tin_mang) as an_toan_thong_tin_mang,
        avg(published.hd_chinh_quyen_so) as hd_chinh_quyen_so,
        avg(published.hd_kinh_te_so) as hd_kinh_te_so,
        avg(published.hd_xa_hoi_so) as hd_xa_hoi_so
    from published
    inner join mergers on published.province = mergers.former_province
    group by mergers.province, published.assessment_year, published.methodology_id
),

scored as (
    select
        means.province,
        means.assessment_year,
        means.methodology_id,
        means.former_provinces,
        means.merged_from,
        round(sum(weights.weight * main.main_index_value), 4) as dti_value
    from means
    cross join
        lateral (
            values
            ('nhan_thuc_so', means.nhan_thuc_so),
            ('the_che_so', means.the_che_so),
            ('ha_tang_so', means.ha_tang_so),
            ('nhan_luc_so', means.nhan_luc_so),
            ('an_toan_thong_tin_mang', means.an_toan_thong_tin_mang),
            ('hd_chinh_quyen_so', means.hd_chinh_quyen_so),
            ('hd_kinh_te_so', means.hd_kinh_te_so),
            ('hd_xa_hoi_so', means.hd_xa_hoi_so)
        ) as main (main_index_code, main_index_value)
    inner join weights
        on
            means.methodology_id = weights.methodology_id
            and main.main_index_code = weights.main_index_code
    group by
        means.province,
        means.assessment_year,
        means.methodology_id,
        means.former_provinces,
        means.merged_from
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

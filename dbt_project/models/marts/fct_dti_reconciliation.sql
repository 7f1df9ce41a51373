-- Published DTI results (the latest `dti reconcile` import), each row with its verdict:
-- recomputed with its methodology and compared at 4 decimals, published DTI only, or
-- not recomputable (docs/methodology.md §2). A year's ranking is checked only when the
-- file holds all of it (63 provinces up to 2024, 34 after the 2025 merger) and every row
-- has a DTI, recomputed or else published; ties share a rank, the next is skipped.
with

published as (
    select * from {{ ref('int_published_dti_rows') }}
),

valued as (
    select
        *,
        round(dti_share, 4) as dti_value,
        coalesce(round(dti_share, 4), published_dti) as ranked_dti
    from published
),

ranked as (
    select
        *,
        {{ rank_when_known('ranked_dti', ['assessment_year', 'methodology_id']) }}
            as recomputed_rank,
        count(*) over (partition by assessment_year, methodology_id) as provinces_in_file,
        bool_and(ranked_dti is not null)
            over (partition by assessment_year, methodology_id)
            as every_row_has_a_dti
    from valued
)

select
    row_number as import_row_number,
    province,
    province_as_published,
    assessment_year,
    methodology_id,
    verdict,
    main_indices_given,
    main_indices_scored,
    round(dti_points, 2) as dti_points,
    dti_value,
    published_dti,
    dti_value - published_dti as dti_difference,
    recomputed_rank::integer as recomputed_rank,
    published_rank,
    every_row_has_a_dti
    and provinces_in_file = case when assessment_year <= 2024 then 63 else 34 end
        as ranks_checked
from ranked

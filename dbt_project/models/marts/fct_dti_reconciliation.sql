-- Published DTI results (the latest `dti reconcile` import) recomputed with their
-- methodology: DTI value = sum of weight x main-index value (docs/methodology.md §2),
-- compared at 4 decimals; ranks recomputed (ties share a rank, the next is skipped)
-- and checked only when the file holds every province of that year.
with

weights as (
    select * from {{ ref('dti_main_indices') }}
    where is_scored
),

unpivoted as (
    {{ published_main_indices() }}
),

recomputed as (
    select
        unpivoted.row_number,
        unpivoted.province,
        unpivoted.assessment_year,
        unpivoted.methodology_id,
        unpivoted.published_dti,
        unpivoted.published_rank,
        round(sum(weights.max_points * unpivoted.main_index_value), 2) as dti_points,
        {{ dti_value('weights.weight', 'unpivoted.main_index_value') }} as dti_value,
        count(unpivoted.main_index_value) as main_indices_given,
        count(*) as main_indices_scored
    from unpivoted
    inner join weights
        on
            unpivoted.methodology_id = weights.methodology_id
            and unpivoted.main_index_code = weights.main_index_code
    group by
        unpivoted.row_number,
        unpivoted.province,
        unpivoted.assessment_year,
        unpivoted.methodology_id,
        unpivoted.published_dti,
        unpivoted.published_rank
),

ranked as (
    select
        *,
        rank() over (
            partition by assessment_year, methodology_id order by dti_value desc
        ) as recomputed_rank,
        count(*) over (partition by assessment_year, methodology_id) as provinces_in_file
    from recomputed
)

select
    row_number as import_row_number,
    province,
    assessment_year,
    methodology_id,
    main_indices_given,
    main_indices_scored,
    dti_points,
    dti_value,
    published_dti,
    dti_value - published_dti as dti_difference,
    recomputed_rank::integer as recomputed_rank,
    published_rank,
    -- 63 provinces were ranked up to assessment year 2024, 34 after the 2025 merger.
    provinces_in_file = case when assessment_year <= 2024 then 63 else 34 end
        as ranks_checked
from ranked

-- Main-index values (giá trị chỉ số chính) = points achieved / max points, 4 decimals
-- as published, ranked among the units of the same level (ties share a rank, the
-- next is skipped), with how much of each value was missing or imputed.
with

components as (
    select * from {{ ref('dti_component_scores') }}
),

main_indices as (
    select * from {{ ref('dti_main_indices') }}
    where is_scored
),

summed as (
    select
        components.methodology_id,
        components.scoring_mode,
        components.unit_level,
        components.unit_id,
        components.assessment_year,
        components.main_index_code,
        main_indices.max_points,
        main_indices.weight,
        sum(components.points) as points,
        count(*) filter (where components.imputation = 'missing_scored_zero')
            as components_missing,
        count(*) filter (where components.imputation like 'imputed%') as components_imputed,
        coalesce(
            sum(components.max_points) filter (where components.imputation <> 'measured'), 0
        ) / main_indices.max_points as share_not_measured,
        max(components.run_id) as run_id
    from components
    inner join main_indices
        on
            components.methodology_id = main_indices.methodology_id
            and components.main_index_code = main_indices.main_index_code
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

valued as (
    select
        *,
        round(points / max_points, 4) as main_index_value
    from summed
)

select
    {{ dti_unit_key() }} || '|' || main_index_code as main_index_score_id,
    methodology_id,
    scoring_mode,
    unit_level,
    unit_id,
    assessment_year,
    main_index_code,
    max_points,
    weight,
    round(points, 4) as points,
    main_index_value,
    rank() over (
        partition by methodology_id, scoring_mode, unit_level, assessment_year, main_index_code
        order by main_index_value desc
    )::integer as main_index_rank,
    components_missing::integer as components_missing,
    components_imputed::integer as components_imputed,
    round(share_not_measured, 4) as share_not_measured,
    run_id
from valued

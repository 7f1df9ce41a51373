-- Gap analysis: the points each component lost, and per unit the smallest gain in
-- points that would lift it one rank (to the next better DTI value; a tie shares
-- the rank). Null for a unit already ranked first.
with

components as (
    select * from {{ ref('dti_component_scores') }}
),

scores as (
    select * from {{ ref('dti_scores') }}
),

methodologies as (
    select * from {{ ref('dti_methodologies') }}
),

next_better as (
    select
        scores.dti_score_id,
        (
            select min(better.dti_value)
            from scores as better
            where
                better.methodology_id = scores.methodology_id
                and better.scoring_mode = scores.scoring_mode
                and better.unit_level = scores.unit_level
                and better.assessment_year = scores.assessment_year
                and better.dti_value > scores.dti_value
        ) as next_better_value
    from scores
)

select
    components.component_score_id as gap_id,
    components.methodology_id,
    components.scoring_mode,
    components.unit_level,
    components.unit_id,
    components.assessment_year,
    components.main_index_code,
    components.component_code,
    components.max_points,
    components.points,
    components.max_points - components.points as points_lost,
    scores.dti_rank,
    round(
        (next_better.next_better_value - scores.dti_value) * methodologies.total_points, 2
    ) as points_to_move_up
from components
inner join scores on {{ dti_unit_key('components') }} = scores.dti_score_id
inner join next_better on scores.dti_score_id = next_better.dti_score_id
inner join methodologies on components.methodology_id = methodologies.methodology_id

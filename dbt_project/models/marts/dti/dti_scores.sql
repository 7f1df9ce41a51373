-- DTI value per unit and assessment year = sum of weight x main-index value
-- (METHODOLOGY.md §2; for the provincial index, total points / 1000), the pillar
-- values, the competition rank among units of the same level (compared at 4
-- decimals), the share imputed and the audit trail (run, methodology, batches).
with

main_scores as (
    select * from {{ ref('dti_main_index_scores') }}
),

pillars as (
    select * from {{ ref('dti_pillars') }}
),

batches as (
    select
        methodology_id,
        scoring_mode,
        unit_level,
        unit_id,
        assessment_year,
        {{ id_list_agg('batch_id') }} as input_batch_ids
    from {{ ref('dti_component_scores') }}
    cross join lateral unnest(string_to_array(input_batch_ids, ',')::bigint[]) as batch_id
    group by 1, 2, 3, 4, 5
),

pillar_values as (
    select
        main_scores.methodology_id,
        main_scores.scoring_mode,
        main_scores.unit_level,
        main_scores.unit_id,
        main_scores.assessment_year,
        pillars.pillar_code,
        round(sum(main_scores.points) / sum(main_scores.max_points), 4) as pillar_value
    from main_scores
    inner join pillars
        on
            main_scores.methodology_id = pillars.methodology_id
            and main_scores.main_index_code = pillars.main_index_code
    group by 1, 2, 3, 4, 5, 6
),

pillars_by_unit as (
    select
        methodology_id,
        scoring_mode,
        unit_level,
        unit_id,
        assessment_year,
        max(pillar_value) filter (where pillar_code = 'chinh_quyen_so') as chinh_quyen_so,
        max(pillar_value) filter (where pillar_code = 'kinh_te_so') as kinh_te_so,
        max(pillar_value) filter (where pillar_code = 'xa_hoi_so') as xa_hoi_so
    from pillar_values
    group by 1, 2, 3, 4, 5
),

totals as (
    select
        methodology_id,
        scoring_mode,
        unit_level,
        unit_id,
        assessment_year,
        round(sum(points), 2) as dti_points,
        round(sum(weight * main_index_value), 4) as dti_value,
        sum(components_missing)::integer as components_missing,
        sum(components_imputed)::integer as components_imputed,
        round(sum(share_not_measured * max_points) / sum(max_points), 4)
            as share_not_measured,
        max(run_id) as run_id
    from main_scores
    group by 1, 2, 3, 4, 5
),

ranked as (
    select
        totals.*,
        rank() over (
            partition by
                totals.methodology_id,
                totals.scoring_mode,
                totals.unit_level,
                totals.assessment_year
            order by totals.dti_value desc
        )::integer as dti_rank,
        count(*) over (
            partition by
                totals.methodology_id,
                totals.scoring_mode,
                totals.unit_level,
                totals.assessment_year
        )::integer as units_ranked
    from totals
)

select
    ranked.methodology_id || '|' || ranked.scoring_mode || '|' || ranked.unit_level || '|'
    || ranked.unit_id || '|' || ranked.assessment_year as dti_score_id,
    ranked.methodology_id,
    ranked.scoring_mode,
    ranked.unit_level,
    ranked.unit_id,
    ranked.assessment_year,
    ranked.dti_points,
    ranked.dti_value,
    ranked.dti_rank,
    ranked.units_ranked,
    pillars_by_unit.chinh_quyen_so as pillar_chinh_quyen_so,
    pillars_by_unit.kinh_te_so as pillar_kinh_te_so,
    pillars_by_unit.xa_hoi_so as pillar_xa_hoi_so,
    ranked.components_missing,
    ranked.components_imputed,
    ranked.share_not_measured,
    ranked.run_id,
    batches.input_batch_ids
from ranked
left join pillars_by_unit
    on
        ranked.methodology_id = pillars_by_unit.methodology_id
        and ranked.scoring_mode = pillars_by_unit.scoring_mode
        and ranked.unit_level = pillars_by_unit.unit_level
        and ranked.unit_id = pillars_by_unit.unit_id
        and ranked.assessment_year = pillars_by_unit.assessment_year
left join batches
    on
        ranked.methodology_id = batches.methodology_id
        and ranked.scoring_mode = batches.scoring_mode
        and ranked.unit_level = batches.unit_level
        and ranked.unit_id = batches.unit_id
        and ranked.assessment_year = batches.assessment_year

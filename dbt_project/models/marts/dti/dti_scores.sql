-- DTI value per unit and assessment year = sum of weight x main-index value
-- (docs/methodology.md §2; for the provincial index, total points / 1000), the pillar
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
        {{ dti_unit_key('component_scores') }} as dti_score_id,
        {{ id_list_agg('batch_id') }} as input_batch_ids
    from {{ ref('dti_component_scores') }} as component_scores
    cross join lateral unnest(string_to_array(input_batch_ids, ',')::bigint[]) as batch_id
    group by 1
),

pillar_values as (
    -- A pillar's value: the points of its main indices over their max points.
    select
        {{ dti_unit_key('main_scores') }} as dti_score_id,
        pillars.pillar_code,
        round(sum(main_scores.points) / sum(main_scores.max_points), 4) as pillar_value
    from main_scores
    inner join pillars
        on
            main_scores.methodology_id = pillars.methodology_id
            and main_scores.main_index_code = pillars.main_index_code
    group by 1, 2
),

pillars_by_unit as (
    select
        dti_score_id,
        max(pillar_value) filter (where pillar_code = 'chinh_quyen_so') as chinh_quyen_so,
        max(pillar_value) filter (where pillar_code = 'kinh_te_so') as kinh_te_so,
        max(pillar_value) filter (where pillar_code = 'xa_hoi_so') as xa_hoi_so
    from pillar_values
    group by 1
),

totals as (
    select
        methodology_id,
        scoring_mode,
        unit_level,
        unit_id,
        assessment_year,
        round(sum(points), 2) as dti_points,
        {{ dti_value('weight', 'main_index_value') }} as dti_value,
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
    {{ dti_unit_key('ranked') }} as dti_score_id,
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
left join pillars_by_unit on {{ dti_unit_key('ranked') }} = pillars_by_unit.dti_score_id
left join batches on {{ dti_unit_key('ranked') }} = batches.dti_score_id

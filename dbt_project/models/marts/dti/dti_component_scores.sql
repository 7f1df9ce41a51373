-- Points of every DTI component for every unit and assessment year its methodology
-- covers, in two missing-data modes (docs/methodology.md §5): `official` scores a missing
-- component 0 and flags it; `analysis` imputes the unit's previous-year share of the
-- points, else the mean share of the units scored that year, and flags which.
with

methodologies as (
    select * from {{ ref('dti_methodologies') }}
),

components as (
    select * from {{ ref('dti_components') }}
),

inputs as (
    select * from {{ ref('dti_unit_inputs') }}
),

unit_years as (
    select distinct
        unit_level,
        unit_id,
        assessment_year
    from inputs
    where input_kind = 'metric'
),

grid as (
    select
        methodologies.methodology_id,
        methodologies.total_points,
        components.component_code,
        components.main_index_code,
        components.max_points,
        components.rule,
        components.target,
        components.tiers,
        components.direction,
        components.zero_denominator_rule,
        components.evidence_required,
        components.measurement,
        components.metric_code,
        components.official,
        unit_years.unit_level,
        unit_years.unit_id,
        unit_years.assessment_year
    from methodologies
    inner join components on methodologies.methodology_id = components.methodology_id
    inner join unit_years
        on
            methodologies.unit_level = unit_years.unit_level
            and unit_years.assessment_year
            between methodologies.valid_from_year and coalesce(methodologies.valid_to_year, 9999)
            and unit_years.assessment_year
            between coalesce(components.valid_from_year, 0)
            and coalesce(components.valid_to_year, 9999)
),

bound as (
    select
        grid.*,
        inputs.input_kind is not null as has_input,
        inputs.numerator,
        inputs.denominator,
        inputs.given_points,
        inputs.evidence_url,
        -- Only the batches of the input it binds to: its metric's source, or its sheet.
        inputs.input_batch_ids as batch_ids,
        -- A raw value with no denominator (a yes/no, a count) is the value itself.
        case
            when inputs.denominator is null then inputs.numerator
            when inputs.denominator <> 0 then inputs.numerator / inputs.denominator
        end as raw_value
    from grid
    left join inputs
        on
            grid.unit_level = inputs.unit_level
            and grid.unit_id = inputs.unit_id
            and grid.assessment_year = inputs.assessment_year
            and (
                (
                    grid.measurement = 'automatic'
                    and inputs.input_kind = 'metric'
                    and grid.metric_code = inputs.input_code
                )
                or (
                    grid.measurement = 'self_assessed'
                    and inputs.input_kind = 'self_assessment'
                    and grid.methodology_id = inputs.methodology_id
                    and grid.component_code = inputs.input_code
                )
            )
),

statused as (
    select
        *,
        case when direction = 'lower' then 1 - raw_value else raw_value end as value,
        case
            when not has_input then 'missing'
            when evidence_required and evidence_url is null then 'no_evidence'
            when rule = 'points' and given_points is null then 'missing'
            -- Nothing to measure: full marks, none, or missing, as the component says.
            when rule <> 'points' and denominator = 0 and zero_denominator_rule = 'missing'
                then 'missing'
            when rule <> 'points' and denominator = 0
                then 'zero_denominator_' || zero_denominator_rule
            when rule <> 'points' and raw_value is null then 'missing'
            else 'scored'
        end as score_status
    from bound
),

scored as (
    select
        *,
        case
            when score_status = 'scored'
                then round(
                    {{ dti_component_points('rule', 'max_points', 'value', 'given_points',
                                            'target', 'tiers') }}, 4
                )
            when score_status in ('no_evidence', 'zero_denominator_zero') then 0
            when score_status = 'zero_denominator_full' then max_points
        end as measured_points
    from statused
),

with_fallbacks as (
    select
        scored.*,
        lag(scored.measured_points / nullif(scored.max_points, 0)) over (
            partition by
                scored.methodology_id, scored.component_code, scored.unit_level, scored.unit_id
            order by scored.assessment_year
        ) as previous_share,
        avg(scored.measured_points / nullif(scored.max_points, 0)) over (
            partition by
                scored.methodology_id,
                scored.component_code,
                scored.unit_level,
                scored.assessment_year
        ) as group_mean_share
    from scored
),

modes as (
    select
        with_fallbacks.*,
        mode.scoring_mode,
        case
            when with_fallbacks.measured_points is not null then 'measured'
            when mode.scoring_mode = 'official' then 'missing_scored_zero'
            when with_fallbacks.previous_share is not null then 'imputed_previous_year'
            when with_fallbacks.group_mean_share is not null then 'imputed_group_mean'
            else 'missing_scored_zero'
        end as imputation
    from with_fallbacks
    cross join (values ('official'), ('analysis')) as mode (scoring_mode)
)

select
    {{ dti_unit_key() }} || '|' || component_code as component_score_id,
    methodology_id,
    scoring_mode,
    unit_level,
    unit_id,
    assessment_year,
    main_index_code,
    component_code,
    measurement,
    metric_code,
    official,
    rule,
    max_points,
    numerator,
    denominator,
    round(value, 6) as measured_value,
    score_status,
    imputation,
    case imputation
        when 'measured' then measured_points
        when 'imputed_previous_year' then round(previous_share * max_points, 4)
        when 'imputed_group_mean' then round(group_mean_share * max_points, 4)
        else 0
    end::numeric as points,
    '{{ invocation_id }}' as run_id,
    batch_ids as input_batch_ids
from modes

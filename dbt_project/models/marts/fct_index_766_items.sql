-- Every item of the 766 index (Decision 766/QĐ-TTg; docs/methodology.md §4) per unit
-- and period: its numerator and denominator, ratio, points and status. Points follow
-- the item's rule in seed index_766_items; an item whose inputs no export provides is
-- null (not measured), never zero.
with

measures as (
    select * from {{ ref('int_index_766_measures_unpivoted') }}
),

items as (
    select * from {{ ref('index_766_items') }}
),

units as (
    select distinct
        unit_level,
        unit_id,
        province_id,
        period_grain,
        period_start
    from measures
),

inputs as (
    select
        units.unit_level,
        units.unit_id,
        units.province_id,
        units.period_grain,
        units.period_start,
        items.item_code,
        items.group_code,
        items.max_points,
        items.rule,
        items.target,
        items.zero_denominator_rule,
        items.status as item_status,
        numerators.measure_value as numerator,
        denominators.measure_value as denominator
    from units
    cross join items
    left join measures as numerators
        on
            units.unit_level = numerators.unit_level
            and units.unit_id = numerators.unit_id
            and units.period_grain = numerators.period_grain
            and units.period_start = numerators.period_start
            and items.numerator = numerators.measure_name
    left join measures as denominators
        on
            units.unit_level = denominators.unit_level
            and units.unit_id = denominators.unit_id
            and units.period_grain = denominators.period_grain
            and units.period_start = denominators.period_start
            and items.denominator = denominators.measure_name
),

scored as (
    select
        *,
        {{ safe_ratio('numerator', 'denominator') }} as ratio,
        case
            when numerator is null or denominator is null then 'not_measured'
            when denominator = 0 then 'no_cases'
            else 'scored'
        end as score_status
    from inputs
),

pointed as (
    select
        *,
        case
            when score_status = 'scored'
                then round(
                    {{ dti_component_points('rule', 'max_points', 'ratio', 'null', 'target',
                                            'null') }}, 4)
            -- with nothing to count, the item's own rule: full marks, none, or unknown
            when score_status = 'no_cases' and zero_denominator_rule = 'full'
                then max_points::numeric
            when score_status = 'no_cases' and zero_denominator_rule = 'zero'
                then 0::numeric
        end as points
    from scored
)

select
    unit_level || '|' || unit_id || '|' || period_grain || '|'
    || to_char(period_start, 'YYYY-MM') || '|' || item_code as index_766_item_id,
    unit_level,
    unit_id,
    province_id,
    period_grain,
    period_start,
    group_code,
    item_code,
    max_points::numeric as max_points,
    rule,
    numerator,
    denominator,
    ratio,
    score_status,
    points,
    item_status
from pointed

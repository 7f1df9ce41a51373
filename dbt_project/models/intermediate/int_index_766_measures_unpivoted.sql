-- The 766 inputs of each unit and period in long form, one row per measure (macro
-- index_766_measures), so an item (seed index_766_items) names its numerator and
-- denominator as data.
with

unit_periods as (
    select * from {{ ref('int_index_766_unit_periods') }}
)

select
    unit_periods.unit_level,
    unit_periods.unit_id,
    unit_periods.province_id,
    unit_periods.period_grain,
    unit_periods.period_start,
    measure.measure_name,
    measure.measure_value
from unit_periods
cross join lateral (
    values
    {%- for measure in index_766_measures() %}
        ('{{ measure }}', unit_periods.{{ measure }}){{ "," if not loop.last }}
    {%- endfor %}
) as measure (measure_name, measure_value)

-- The 766 inputs per unit (an agency, or a province: all its agencies) and period (a
-- month, quarter or year), summed before any ratio is taken: a quarter's progress is
-- its dossiers in time over its dossiers due, not a mean of monthly ratios. A sum is
-- null when no month of the unit reported the count (not measured, not zero).
with

agency_months as (
    select * from {{ ref('int_agency_months_measured') }}
),

agencies as (
    select * from {{ ref('int_agency_provinces') }}
),

grains as (
    select
        agency_months.*,
        agencies.province_id,
        grain.period_grain,
        date_trunc(grain.period_grain, agency_months.period_month)::date as period_start
    from agency_months
    inner join agencies on agency_months.agency_id = agencies.agency_id
    cross join (values ('month'), ('quarter'), ('year')) as grain (period_grain)
),

units as (
    select
        'agency' as unit_level,
        grains.agency_id as unit_id,
        grains.*
    from grains
    union all
    select
        'province' as unit_level,
        grains.province_id as unit_id,
        grains.*
    from grains
),

summed as (
    select
        unit_level,
        unit_id,
        province_id,
        period_grain,
        period_start,
        count(distinct period_month)::integer as months_reported,
        -- the portal's own points are per agency and month: kept, not summed
        case
            when unit_level = 'agency' and period_grain = 'month'
                then max(portal_index_766_points)
        end as portal_index_766_points,
    {%- for measure in index_766_measures() %}
        sum({{ measure }})::bigint as {{ measure }}{{ "," if not loop.last }}
    {%- endfor %}
    from units
    group by unit_level, unit_id, province_id, period_grain, period_start
)

select * from summed

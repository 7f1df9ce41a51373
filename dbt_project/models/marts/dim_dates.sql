-- Calendar days, 2020 to 2030, with the month they belong to.
with

days as (
    select day_start::date as date_day
    from generate_series('2020-01-01'::date, '2030-12-31'::date, interval '1 day')
        as day_start
)

select
    date_day,
    to_char(date_day, 'YYYY-MM') as period_id,
    extract(isodow from date_day)::integer as iso_day_of_week,
    extract(isodow from date_day) in (6, 7) as is_weekend
from days

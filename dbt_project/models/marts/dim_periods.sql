-- Months, with their quarter and year (kỳ báo cáo), 2020 to 2030.
with

months as (
    select month_start::date as month_start
    from generate_series('2020-01-01'::date, '2030-12-01'::date, interval '1 month')
        as month_start
)

select
    to_char(month_start, 'YYYY-MM') as period_id,
    month_start,
    (month_start + interval '1 month' - interval '1 day')::date as month_end,
    extract(year from month_start)::integer as year_number,
    extract(quarter from month_start)::integer as quarter_number,
    to_char(month_start, 'YYYY') || '-Q' || extract(quarter from month_start) as quarter_id
from months

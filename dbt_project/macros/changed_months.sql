{#- The filter of an incremental event fact: the event-time range of the batches
    loaded since the fact was last built (late or corrected files for old months
    included), read from the batch ledger, widened to whole months; plus, when
    `event_lookback_months` > 0, that many months back from the latest. Used with
    delete+insert on the month column, so each month in range is replaced whole.
    The bounds are single values, so PostgreSQL finds the rows through the index on
    the event time in raw instead of reading every event. -#}
{% macro changed_months(month_column, time_column, source_name) -%}
    (
        {{ time_column }} >= (
            select min(to_date(left(batch.period, 7), 'YYYY-MM'))::timestamp
            at time zone 'Asia/Ho_Chi_Minh'
            from {{ ref('stg_meta__batches') }} as batch
            where {{ _new_batches(source_name) }}
        )
        and {{ time_column }} < (
            select (max(to_date(right(batch.period, 7), 'YYYY-MM')) + interval '1 month')
            ::timestamp at time zone 'Asia/Ho_Chi_Minh'
            from {{ ref('stg_meta__batches') }} as batch
            where {{ _new_batches(source_name) }}
        )
    )
    {%- if var('event_lookback_months') | int > 0 %}
        or {{ month_column }} >= (
            select
                coalesce(max(existing.{{ month_column }}), '1900-01-01'::date)
                - make_interval(months => {{ var('event_lookback_months') }})
            from {{ this }} as existing
        )
    {%- endif %}
{%- endmacro %}

{% macro _new_batches(source_name) -%}
    batch.source_name = '{{ source_name }}'
    and batch.status = 'loaded'
    and batch.period is not null
    and batch.batch_id > (
        select coalesce(max(existing.batch_id), 0) from {{ this }} as existing
    )
{%- endmacro %}

{#- The filter of an incremental event fact: the months that received rows from a
    batch newer than any already in the fact (a late or corrected file for an old
    month), plus the months within `event_lookback_months` of the latest. Used with
    delete+insert on the month column, so each chosen month is replaced whole. -#}
{% macro changed_months(month_column, source_relation) -%}
    {{ month_column }} in (
        select changed.{{ month_column }}
        from {{ source_relation }} as changed
        where changed.batch_id > (
            select coalesce(max(existing.batch_id), 0) from {{ this }} as existing
        )
    )
    or {{ month_column }} >= (
        select
            coalesce(max(existing.{{ month_column }}), '1900-01-01'::date)
            - make_interval(months => {{ var('event_lookback_months') }})
        from {{ this }} as existing
    )
{%- endmacro %}

{#- Points capped at a maximum, null when the points are unknown. (PostgreSQL's
    least() skips nulls, so least(6, null) would be 6: full marks for no data.) -#}
{% macro capped_points(max_points, expression) -%}
    case
        when ({{ expression }}) is not null
            then round(least({{ max_points }}, {{ expression }}), 4)
    end
{%- endmacro %}

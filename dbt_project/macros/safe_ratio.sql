{#- numerator / denominator, null when the denominator is 0 or null: a ratio with
    nothing to divide by is unknown, not zero. Fixed at 6 decimals so results
    compare exactly across runs and against hand-computed values. -#}
{% macro safe_ratio(numerator, denominator) -%}
    round(({{ numerator }})::numeric / nullif({{ denominator }}, 0), 6)
{%- endmacro %}

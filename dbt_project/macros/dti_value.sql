{#- The DTI value of a unit: Σ weight × main-index value over its main indices
    (docs/methodology.md §2), to 4 decimals. `normalised` divides by Σ weight, for
    weights that do not add up to 1 (the Monte Carlo draws). -#}
{% macro dti_value(weight, value, normalised=false) -%}
    round(sum({{ weight }} * {{ value }})
    {%- if normalised %} / sum({{ weight }}){% endif %}, 4)
{%- endmacro %}

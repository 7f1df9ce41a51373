{#- The key of one DTI score: methodology | mode | level | unit | year (dti_scores'
    dti_score_id). Component and main-index ids extend it; joins between the score
    marts use it instead of repeating five columns. -#}
{% macro dti_unit_key(relation=none) -%}
    {%- set p = relation ~ '.' if relation else '' -%}
    {{ p }}methodology_id || '|' || {{ p }}scoring_mode || '|' || {{ p }}unit_level || '|'
    || {{ p }}unit_id || '|' || {{ p }}assessment_year
{%- endmacro %}

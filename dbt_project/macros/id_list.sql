{#- Batch ids travel as text lists ("3,7,12"), sorted and distinct: BI tools read them
    as they are, and dbt unit tests cannot give array columns as input. -#}
{% macro id_list_agg(id_column) %}
    array_to_string(array_agg(distinct {{ id_column }} order by {{ id_column }}), ',')
{% endmacro %}

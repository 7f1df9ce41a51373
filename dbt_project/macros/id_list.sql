{#- Batch ids travel as text lists ("3,7,12"), sorted and distinct: BI tools read them
    as they are, and dbt unit tests cannot give array columns as input. -#}
{% macro id_list_agg(id_column) %}
    array_to_string(array_agg(distinct {{ id_column }} order by {{ id_column }}), ',')
{% endmacro %}

{% macro id_list_union(left_list, right_list) %}
    array_to_string(array(
        select distinct ids.id::bigint
        from unnest(
            string_to_array({{ left_list }}, ',') || string_to_array({{ right_list }}, ',')
        ) as ids (id)
        order by ids.id::bigint
    ), ',')
{% endmacro %}

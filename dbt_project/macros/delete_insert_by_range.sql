{#- delete+insert for PostgreSQL that finds the rows to replace through the index on
    the unique key (the month of an event fact). dbt's own statement deletes
    `where key in (select distinct key from the new rows)`; PostgreSQL cannot size the
    new rows' temporary table, so it reads the whole fact to find one month: a late
    file then costs more the longer the history. Bounding the key by the new rows' own
    minimum and maximum (the same rows, stated as a range) lets it read the month
    through the index. Dispatched ahead of dbt's by `dispatch` in dbt_project.yml. -#}
{% macro postgres__get_delete_insert_merge_sql(
    target, source, unique_key, dest_columns, incremental_predicates
) -%}
    {%- set predicates = [] + (incremental_predicates or []) -%}
    {%- if unique_key is string -%}
        {%- do predicates.append(
            "DBT_INTERNAL_DEST." ~ unique_key ~ " between (select min(" ~ unique_key
            ~ ") from " ~ source ~ ") and (select max(" ~ unique_key ~ ") from "
            ~ source ~ ")"
        ) -%}
    {%- endif -%}
    {{ default__get_delete_insert_merge_sql(
        target, source, unique_key, dest_columns, predicates
    ) }}
{%- endmacro %}

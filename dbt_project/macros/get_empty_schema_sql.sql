{#-
  The empty select dbt builds to check a model against its contract, as dbt's default
  builds it, without its warning that a bare `numeric` may round: that holds where
  `numeric` means numeric(38, 0), while PostgreSQL's has no set precision or scale and
  keeps every digit. The scores' points and ratios are such numerics, so the warning
  fired on every build for nothing. A column without a type is still an error.
-#}
{% macro postgres__get_empty_schema_sql(columns) %}
    {%- set untyped = [] -%}
    select
    {% for name in columns %}
        {%- set col = columns[name] -%}
        {%- if col['data_type'] is not defined -%}
            {%- do untyped.append(col['name']) -%}
        {%- endif -%}
        {%- set alias = adapter.quote(col['name']) if col.get('quote') else col['name'] %}
        {{ cast('null', col['data_type']) }} as {{ alias }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if untyped | length > 0 -%}
        {{ exceptions.column_type_missing(column_names=untyped) }}
    {%- endif -%}
{% endmacro %}

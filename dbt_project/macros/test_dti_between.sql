{#- Generic test: values within [min_value, max_value]; nulls pass (missing is
    checked by not_null where it matters). Written here because dbt_utils cannot
    be downloaded on these machines. -#}
{% test dti_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

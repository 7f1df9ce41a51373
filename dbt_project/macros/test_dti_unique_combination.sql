{#- Generic test: the combination of columns is unique (dbt_utils cannot be
    downloaded here). -#}
{% test dti_unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

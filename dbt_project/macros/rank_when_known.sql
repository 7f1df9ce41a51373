{#- A competition rank (ties share a rank, the next is skipped) of `value`, highest
    first, among the rows of the same `partition_by` whose value is known; null where
    the value is null, so an unmeasured unit neither gets nor takes a rank. -#}
{% macro rank_when_known(value, partition_by) -%}
    case
        when {{ value }} is not null
            then rank() over (
                partition by {{ partition_by | join(', ') }}, {{ value }} is null
                order by {{ value }} desc
            )
    end
{%- endmacro %}

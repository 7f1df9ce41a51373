{#- Points of one DTI component from its rule (docs/methodology.md §2 default rules):
    ratio_linear  Pmax x clamp(value, 0, 1)
    ratio_target  Pmax x min(1, value / target)
    binary        Pmax when value >= target (default 1), else 0
    tiered        Pmax x the share of the highest threshold reached
                  (tiers "0.3:0.5|0.5:0.8|0.7:1" = from 30% half marks, ...)
    points        the points given (self-assessment), capped at Pmax -#}
{% macro dti_component_points(rule, max_points, value, given_points, target, tiers) %}
    case {{ rule }}
        when 'ratio_linear'
            then {{ max_points }} * least(1, greatest(0, {{ value }}))
        when 'ratio_target'
            then {{ max_points }} * least(1, greatest(0, {{ value }}) / {{ target }})
        when 'binary'
            then case
                when {{ value }} >= coalesce({{ target }}, 1) then {{ max_points }}
                else 0
            end
        when 'tiered'
            then {{ max_points }} * coalesce((
                select max(split_part(tier, ':', 2)::numeric)
                from unnest(string_to_array({{ tiers }}, '|')) as tier
                where split_part(tier, ':', 1)::numeric <= {{ value }}
            ), 0)
        when 'points'
            then least({{ max_points }}, greatest(0, {{ given_points }}))
    end
{% endmacro %}

{#- A province name reduced to what identifies it, so the ways results print it join:
    "TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh" and "Hồ Chí Minh"; "Thừa Thiên - Huế" and
    "Thừa Thiên Huế"; "Hải Phòng (sau sáp nhập)" and "Hải Phòng". Drops a parenthesis,
    a leading "TP." / "Thành phố" / "Tỉnh", hyphens, dots and repeated spaces; folds case. -#}
{% macro province_key(name) -%}
    trim(regexp_replace(
        regexp_replace(
            regexp_replace(lower(normalize({{ name }}, nfc)), '\([^)]*\)', '', 'g'),
            '^\s*(tp\.|tp |thành phố |tỉnh )\s*', ''
        ),
        '[\s.–-]+', ' ', 'g'
    ))
{%- endmacro %}

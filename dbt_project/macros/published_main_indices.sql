{#- The latest `dti reconcile` import, one row per province, year and main index: the
    eight published main-index values unpivoted (columns of meta.published_dti). -#}
{% macro published_main_indices() %}
    select
        published.row_number,
        published.province,
        published.assessment_year,
        published.methodology_id,
        published.published_dti,
        published.published_rank,
        main.main_index_code,
        main.main_index_value
    from {{ ref('stg_meta__published_dti') }} as published
    cross join lateral (
        values
        ('nhan_thuc_so', published.nhan_thuc_so),
        ('the_che_so', published.the_che_so),
        ('ha_tang_so', published.ha_tang_so),
        ('nhan_luc_so', published.nhan_luc_so),
        ('an_toan_thong_tin_mang', published.an_toan_thong_tin_mang),
        ('hd_chinh_quyen_so', published.hd_chinh_quyen_so),
        ('hd_kinh_te_so', published.hd_kinh_te_so),
        ('hd_xa_hoi_so', published.hd_xa_hoi_so)
    ) as main (main_index_code, main_index_value)
    where published.import_id = (
        select max(latest.import_id) from {{ ref('stg_meta__published_dti') }} as latest
    )
{% endmacro %}

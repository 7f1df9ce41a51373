-- Published DTI results imported by `dti reconcile`, every import (the marts read
-- the latest).
with

source as (
    select * from {{ source('meta', 'published_dti') }}
),

renamed as (
    select
        import_id,
        row_number,
        province,
        assessment_year,
        methodology_id,
        nhan_thuc_so,
        the_che_so,
        ha_tang_so,
        nhan_luc_so,
        an_toan_thong_tin_mang,
        hd_chinh_quyen_so,
        hd_kinh_te_so,
        hd_xa_hoi_so,
        published_dti,
        published_rank
    from source
)

select * from renamed

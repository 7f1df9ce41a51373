-- Published DTI results imported by `dti reconcile`, every import (the marts read
-- the latest): one row per row of the file, the province as the file names it.
with

source as (
    select * from {{ source('meta', 'published_dti') }}
),

renamed as (
    select
        import_id,
        row_number,
        province as province_as_published,
        assessment_year,
        methodology_id,
        published_dti,
        published_rank
    from source
)

select * from renamed

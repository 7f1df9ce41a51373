-- The main-index values of the imported published rows, one row per row and main index
-- (the codes are the row's methodology's).
with

source as (
    select * from {{ source('meta', 'published_dti_values') }}
),

renamed as (
    select
        import_id,
        row_number,
        main_index_code,
        main_index_value
    from source
)

select * from renamed

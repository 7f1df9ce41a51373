-- The files behind every DTI input: per unit, assessment year and source, each ledger
-- batch whose rows fed the unit's inputs, how many of its rows, and where the file is
-- kept now (the archive, not the inbox it has left). `dti explain` reads it.
with

unit_batches as (
    select * from {{ ref('int_unit_year_batches') }}
),

batches as (
    select * from {{ ref('stg_meta__batches') }}
)

select
    unit_batches.unit_level || '|' || unit_batches.unit_id || '|'
    || unit_batches.assessment_year || '|' || unit_batches.input_source || '|'
    || coalesce(unit_batches.component_code || '|', '') || unit_batches.batch_id
        as input_file_id,
    unit_batches.unit_level,
    unit_batches.unit_id,
    unit_batches.assessment_year,
    unit_batches.input_source,
    unit_batches.component_code,
    unit_batches.batch_id,
    unit_batches.rows_used::integer as rows_used,
    batches.source_file,
    coalesce(batches.archived_to, batches.source_file) as file_location,
    batches.sha256,
    batches.finished_at as loaded_at
from unit_batches
inner join batches on unit_batches.batch_id = batches.batch_id

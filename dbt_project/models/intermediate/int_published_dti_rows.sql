-- The latest `dti reconcile` import, each row with its province resolved and its DTI
-- recomputed when it gives every main index its methodology scores
-- (docs/methodology.md §2): DTI = total points / the methodology's total, from
-- unrounded points. A row without main-index values is `dti_only`; a row with some but
-- not all is `not_recomputable` (never compared on a partial sum).
with

latest as (
    select max(import_id) as import_id from {{ ref('stg_meta__published_dti') }}
),

published as (
    select published.*
    from {{ ref('stg_meta__published_dti') }} as published
    inner join latest on published.import_id = latest.import_id
),

published_values as (
    select published_values.*
    from {{ ref('stg_meta__published_dti_values') }} as published_values
    inner join latest on published_values.import_id = latest.import_id
),

names as (
    select * from {{ ref('int_province_names') }}
),

methodologies as (
    select * from {{ ref('dti_methodologies') }}
),

scored as (
    select * from {{ ref('dti_main_indices') }}
    where is_scored
),

scored_counts as (
    select
        methodology_id,
        count(*) as main_indices_scored
    from scored
    group by methodology_id
),

points as (
    select
        published.row_number,
        count(scored.main_index_code) as main_indices_given,
        sum(scored.max_points * published_values.main_index_value) as dti_points
    from published
    left join published_values on published.row_number = published_values.row_number
    left join scored
        on
            published.methodology_id = scored.methodology_id
            and published_values.main_index_code = scored.main_index_code
    group by published.row_number
),

judged as (
    select
        published.row_number,
        names.province,
        published.province_as_published,
        published.assessment_year,
        published.methodology_id,
        methodologies.total_points,
        points.main_indices_given,
        coalesce(scored_counts.main_indices_scored, 0) as main_indices_scored,
        points.dti_points,
        published.published_dti,
        published.published_rank,
        case
            when points.main_indices_given = 0 then 'dti_only'
            when points.main_indices_given = scored_counts.main_indices_scored
                then 'recomputed'
            else 'not_recomputable'
        end as verdict
    from published
    inner join points on published.row_number = points.row_number
    left join names
        on {{ province_key('published.province_as_published') }} = names.name_key
    left join methodologies on published.methodology_id = methodologies.methodology_id
    left join scored_counts on published.methodology_id = scored_counts.methodology_id
)

select
    row_number,
    province,
    province_as_published,
    assessment_year,
    methodology_id,
    verdict,
    main_indices_given::integer as main_indices_given,
    main_indices_scored::integer as main_indices_scored,
    case when verdict = 'recomputed' then dti_points end as dti_points,
    case when verdict = 'recomputed' then dti_points / total_points end as dti_share,
    published_dti,
    published_rank
from judged

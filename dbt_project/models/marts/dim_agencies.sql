with

registry as (
    select * from {{ ref('agency_registry') }}
),

final as (
    select
        agency_code || '@' || valid_from as agency_version_id,
        agency_code as agency_id,
        name_vi as agency_name_vi,
        name_ascii as agency_name_ascii,
        parent_code as parent_agency_id,
        level as agency_level,
        province_code as province_id,
        valid_from,
        valid_to,
        successor_code as successor_agency_id,
        coalesce(valid_to is null or valid_to > current_date, false) as is_current
    from registry
)

select * from final

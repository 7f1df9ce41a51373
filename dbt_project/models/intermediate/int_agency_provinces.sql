-- One row per agency code with its province: an agency's versions (a rename, a
-- merger date) never change its province, so the latest version says it.
select distinct on (agency_code)
    agency_code as agency_id,
    province_code as province_id
from {{ ref('agency_registry') }}
order by agency_code asc, valid_from desc

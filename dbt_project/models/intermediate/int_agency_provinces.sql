-- One row per agency code with its province: an agency's versions (a rename, a
-- merger date) never change its province, so the latest version says it.
select distinct on (agency_id)
    agency_id,
    province_id
from {{ ref('dim_agencies') }}
order by agency_id asc, valid_from desc

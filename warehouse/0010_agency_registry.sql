-- The agency registry as the loader sees it, refreshed from
-- dbt_project/seeds/agency_registry.csv before each load; validation checks codes
-- against it for the period a row reports.
create table if not exists meta.agencies (
    agency_code text not null,
    name_vi text not null,
    name_ascii text not null,
    parent_code text,
    level text not null,
    province_code text not null,
    valid_from date not null,
    valid_to date,
    successor_code text,
    primary key (agency_code, valid_from)
);

grant select, insert, delete on meta.agencies to loader;
grant select on meta.agencies to transformer;

-- Schemas of the warehouse and the three group roles that own or read them.
-- Roles are NOLOGIN groups: deployments grant them to login users.

create schema if not exists landing;      -- per-batch load tables, dropped after each load
create schema if not exists raw;          -- validated rows as received; loader-owned
create schema if not exists quarantine;   -- rows that failed validation, with reasons
create schema if not exists staging;      -- dbt
create schema if not exists intermediate; -- dbt
create schema if not exists marts;        -- dbt; the only schema BI sees
create schema if not exists dq;           -- validation results, dbt results
create schema if not exists meta;         -- batch ledger, runs, migrations

do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'loader') then
        create role loader nologin;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'transformer') then
        create role transformer nologin;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'bi_reader') then
        create role bi_reader nologin;
    end if;
end
$$;

-- loader writes landing, raw, quarantine, dq and the ledger.
grant usage, create on schema landing, raw, quarantine, dq, meta to loader;
-- transformer reads what the loader wrote and builds the dbt schemas.
grant usage on schema raw, quarantine, meta to transformer;
grant usage, create on schema staging, intermediate, marts, dq to transformer;
-- bi_reader sees marts and nothing else.
grant usage on schema marts to bi_reader;
revoke all on schema landing, raw, quarantine, staging, intermediate, dq, meta from bi_reader;

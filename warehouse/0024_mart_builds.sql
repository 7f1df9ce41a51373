-- Each successful build of the marts, and the last batch of the ledger it read. A run
-- started by asset events when no batch was loaded since the last build has nothing to
-- do; the table also tells the BI side when the marts were built and from what.
create table if not exists meta.mart_builds (
    build_id bigint generated always as identity primary key,
    dag_run_id text not null,
    through_batch_id bigint not null,
    built_at timestamptz not null default now()
);

grant select, insert on meta.mart_builds to transformer;
grant select on meta.mart_builds to loader;

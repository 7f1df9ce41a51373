-- Great Expectations results: one run per batch validated, one row per expectation.
create table if not exists dq.validation_runs (
    run_id bigint generated always as identity primary key,
    batch_id bigint not null references meta.batches (batch_id),
    suite text not null,
    success boolean not null,
    expectations_evaluated integer not null,
    expectations_failed integer not null,
    validated_at timestamptz not null default now()
);

create table if not exists dq.expectation_results (
    run_id bigint not null references dq.validation_runs (run_id),
    batch_id bigint not null references meta.batches (batch_id),
    suite text not null,
    expectation_type text not null,
    rule text not null,
    level text not null check (level in ('row', 'table')),
    column_name text,
    success boolean not null,
    element_count bigint,
    unexpected_count bigint,
    observed_value jsonb,
    kwargs jsonb not null
);

create index if not exists expectation_results_batch_idx on dq.expectation_results (batch_id);

grant select, insert on dq.validation_runs, dq.expectation_results to loader;
grant select on dq.validation_runs, dq.expectation_results to transformer;

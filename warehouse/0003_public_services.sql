-- Public-service statistics (one row per agency and month) and their quarantine.
create table if not exists raw.public_services (
    agency_code text not null,
    agency_name text,
    period_month date not null,
    received_online bigint not null,
    received_full_online bigint not null,
    received_in_person bigint not null,
    received_postal bigint not null,
    resolved_early bigint not null,
    resolved_on_time bigint not null,
    resolved_late bigint not null,
    in_progress_within_deadline bigint not null,
    in_progress_overdue bigint not null,
    _batch_id bigint not null references meta.batches (batch_id),
    _source_file text not null,
    _row_number integer not null,
    _loaded_at timestamptz not null default now()
);

create index if not exists public_services_batch_idx on raw.public_services (_batch_id);

create table if not exists quarantine.public_services (
    _batch_id bigint not null references meta.batches (batch_id),
    _source_file text not null,
    _row_number integer not null,
    record jsonb not null,
    failures jsonb not null,
    _quarantined_at timestamptz not null default now(),
    primary key (_batch_id, _row_number)
);

grant select, insert, delete on raw.public_services, quarantine.public_services to loader;
grant select on raw.public_services, quarantine.public_services to transformer;

-- The batch ledger: one row per file (or API pull) offered to the loader.
create table if not exists meta.batches (
    batch_id bigint generated always as identity primary key,
    source text not null,
    agency_code text,
    period text,
    source_file text not null,
    sha256 char(64) not null,
    file_bytes bigint not null,
    status text not null default 'running'
    check (status in ('running', 'loaded', 'skipped', 'rejected', 'failed', 'superseded')),
    rows_read bigint not null default 0,
    rows_loaded bigint not null default 0,
    rows_quarantined bigint not null default 0,
    rows_excluded bigint not null default 0,
    error text,
    duplicate_of bigint references meta.batches (batch_id),
    superseded_by bigint references meta.batches (batch_id),
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    -- Nothing is lost: every row read is loaded, quarantined or excluded.
    constraint batches_rows_accounted check (
        status not in ('loaded', 'superseded')
        or rows_read = rows_loaded + rows_quarantined + rows_excluded
    )
);

create index if not exists batches_sha256_idx on meta.batches (source, sha256);
create index if not exists batches_partition_idx on meta.batches (source, agency_code, period);

comment on table meta.batches is
'Batch ledger: per file, its hash, partition, row accounting and outcome.';

grant select, insert, update on meta.batches to loader;
grant select on meta.batches to transformer;

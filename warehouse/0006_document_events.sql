-- Document-management (e-office) events: one row per document event.
-- Handler names and e-mails arrive pseudonymised (salted HMAC); state secrets never.
create table if not exists raw.document_events (
    document_id text not null,
    agency_code text not null,
    direction text not null,
    channel text not null,
    signature_kind text not null,
    processed_electronically text not null,
    received_at timestamptz not null,
    due_at timestamptz,
    completed_at timestamptz,
    handler text,
    handler_email text,
    _batch_id bigint not null references meta.batches (batch_id),
    _source_file text not null,
    _row_number integer not null,
    _loaded_at timestamptz not null default now()
);

create index if not exists document_events_batch_idx on raw.document_events (_batch_id);

create table if not exists quarantine.document_events (
    _batch_id bigint not null references meta.batches (batch_id),
    _source_file text not null,
    _row_number integer not null,
    record jsonb not null,
    failures jsonb not null,
    _quarantined_at timestamptz not null default now(),
    primary key (_batch_id, _row_number)
);

grant select, insert, delete on raw.document_events, quarantine.document_events to loader;
grant select on raw.document_events, quarantine.document_events to transformer;

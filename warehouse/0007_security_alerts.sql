-- SOC alerts from Suricata, Wazuh and the SOC portal in one schema.
create table if not exists raw.security_alerts (
    alert_id text not null,
    source_system text not null,
    detected_at timestamptz not null,
    severity_raw text,
    severity text not null,
    category text,
    signature text,
    asset text,
    agency_code text not null,
    src_ip inet,
    dest_ip inet,
    status text not null,
    acknowledged_at timestamptz,
    resolved_at timestamptz,
    _batch_id bigint not null references meta.batches (batch_id),
    _source_file text not null,
    _row_number integer not null,
    _loaded_at timestamptz not null default now()
);

create index if not exists security_alerts_batch_idx on raw.security_alerts (_batch_id);

create table if not exists quarantine.security_alerts (
    _batch_id bigint not null references meta.batches (batch_id),
    _source_file text not null,
    _row_number integer not null,
    record jsonb not null,
    failures jsonb not null,
    _quarantined_at timestamptz not null default now(),
    primary key (_batch_id, _row_number)
);

grant select, insert, delete on raw.security_alerts, quarantine.security_alerts to loader;
grant select on raw.security_alerts, quarantine.security_alerts to transformer;

-- The address, null where the text is not an IP address (for validation queries).
create or replace function meta.try_inet(value text)
returns inet
language plpgsql
immutable
as $$
begin
    return value::inet;
exception when others then
    return null;
end
$$;

grant execute on function meta.try_inet(text) to loader, transformer;

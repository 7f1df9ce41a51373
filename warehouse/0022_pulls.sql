-- What the pulls took from where agencies keep their exports (SFTP drop folders, the
-- SOC's Wazuh indexer, e-office and portal APIs), so no run takes a file twice and a
-- run resumes where the last one ended. A pulled file is hashed and recorded here
-- before it enters the inbox; meta.batches then records its load (same sha256).
create table if not exists meta.pull_watermarks (
    pull_name text primary key,
    watermark jsonb not null,
    updated_at timestamptz not null default now()
);

create table if not exists meta.pulled_files (
    pulled_file_id bigint generated always as identity primary key,
    pull_name text not null,
    source text not null,
    -- What identifies the remote object: path, size and mtime on SFTP; month and
    -- window end for an API pull.
    remote_key text not null,
    remote_path text,
    inbox_file text not null,
    sha256 char(64) not null,
    file_bytes bigint not null,
    records integer,
    pulled_at timestamptz not null default now(),
    -- When the remote copy was removed or moved after its load was verified.
    settled_at timestamptz,
    unique (pull_name, remote_key)
);

create index if not exists pulled_files_sha256_idx on meta.pulled_files (source, sha256);

grant select, insert, update, delete on meta.pull_watermarks, meta.pulled_files to loader;
grant select on meta.pull_watermarks, meta.pulled_files to transformer;

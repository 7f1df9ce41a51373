-- Nothing lost, nothing doubled.
-- 1. Every physical line of a text export is accounted for, as every record is.
-- 2. A loaded batch has a decided partition, and a partition has one loaded batch.
-- 3. A file that could not even be read (missing, a directory) still gets its row.

alter table meta.batches
add column if not exists lines_read bigint,
add column if not exists lines_loaded bigint,
add column if not exists lines_quarantined bigint,
add column if not exists lines_excluded bigint,
add column if not exists partition_basis text;

comment on column meta.batches.lines_read is
'Physical lines of a text export (CSV, JSON Lines); null for XLSX and JSON arrays.';
comment on column meta.batches.partition_basis is
'Where the period came from: stated in the export, file name, month of most events.';

alter table meta.batches
alter column sha256 drop not null,
alter column file_bytes drop not null;

alter table meta.batches
drop constraint if exists batches_file_hashed,
add constraint batches_file_hashed check (
    sha256 is not null or status in ('rejected', 'failed', 'running')
),
drop constraint if exists batches_lines_accounted,
add constraint batches_lines_accounted check (
    status not in ('loaded', 'superseded')
    or lines_read is null
    or lines_read = lines_loaded + lines_quarantined + lines_excluded
),
drop constraint if exists batches_loaded_partition_decided,
add constraint batches_loaded_partition_decided check (
    status <> 'loaded' or (agency_code is not null and period is not null)
) not valid;

-- Two loaded batches of one partition would double its rows downstream.
create unique index if not exists batches_one_loaded_per_partition
on meta.batches (source, coalesce(stream, ''), agency_code, period)
where status = 'loaded';

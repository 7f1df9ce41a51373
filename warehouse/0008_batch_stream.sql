-- A source family can arrive from several systems at once (Suricata, Wazuh and the
-- SOC portal all send alerts for the same month): each is its own stream, and a
-- partition is (source, stream, agency, period).
alter table meta.batches add column if not exists stream text;

drop index if exists meta.batches_partition_idx;
create index if not exists batches_partition_idx
on meta.batches (source, stream, agency_code, period);

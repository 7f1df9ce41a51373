-- Seconds spent per step of a load: land (read + COPY), validate (GX), publish (raw).
alter table meta.batches add column if not exists timings jsonb;

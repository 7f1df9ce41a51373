-- Where the loader put the file after it was processed (archive or rejected folder).
alter table meta.batches add column if not exists archived_to text;

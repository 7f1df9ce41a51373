-- The Great Expectations result of each validation, trimmed of per-row lists, so that
-- Data Docs (`dti dq docs`) can be rebuilt from the warehouse at any time.
alter table dq.validation_runs add column if not exists result jsonb;

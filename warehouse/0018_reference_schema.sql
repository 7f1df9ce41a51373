-- Seeds (agency registry, methodology, metric definitions, SLAs) live in their own
-- schema, built by dbt; staging is the layer that reads the loader's tables.
create schema if not exists reference;

grant usage, create on schema reference to transformer;
revoke all on schema reference from bi_reader;

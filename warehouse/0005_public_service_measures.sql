-- The optional public-service measures: not every one-stop-shop system exports them,
-- so they are nullable (absent means unknown, not zero).
alter table raw.public_services
add column if not exists results_electronic bigint,
add column if not exists dossiers_digitised bigint,
add column if not exists dossiers_with_fees bigint,
add column if not exists paid_online bigint,
add column if not exists handled bigint,
add column if not exists dissatisfied bigint;

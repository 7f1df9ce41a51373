-- The inputs of the whole 766 index (docs/methodology.md §4): transparency, online
-- payment by procedure, petitions, e-results by the portal's denominator, certified
-- copies, reuse and sharing of digitised data, population-data use; and the portal's
-- own published points. Optional in exports, so nullable: absent is unknown, not zero.
alter table raw.public_services
add column if not exists procedures_to_publish bigint,
add column if not exists procedures_published_on_time bigint,
add column if not exists dossiers_synced bigint,
add column if not exists dossiers_progress_published bigint,
add column if not exists received_of_full_online_procedures bigint,
add column if not exists procedures_with_fees bigint,
add column if not exists procedures_with_online_payment bigint,
add column if not exists procedures_with_fee_dossiers bigint,
add column if not exists petitions_due bigint,
add column if not exists petitions_handled_on_time bigint,
add column if not exists petitions_rated bigint,
add column if not exists petitions_satisfied bigint,
add column if not exists resolved_with_document_result bigint,
add column if not exists copies_certified bigint,
add column if not exists copies_certified_electronic bigint,
add column if not exists dossiers_reusing_data bigint,
add column if not exists results_shared bigint,
add column if not exists dossiers_population_verified bigint,
add column if not exists dossiers_population_prefilled bigint,
add column if not exists portal_index_766_points numeric;

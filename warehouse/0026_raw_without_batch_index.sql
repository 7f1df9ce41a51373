-- A raw partition holds one batch (0023), so an index on its _batch_id has one value:
-- no query reads it (a batch's rows are its partition, found by pruning), yet each
-- attach built it, 0.37 s for a million rows. The parents' batch indexes go; the
-- default partition of rows loaded before 0023, which holds many batches and has its
-- rows deleted by batch when one is replaced, keeps an index of its own.
do $$
declare
    t text;
begin
    foreach t in array array['public_services', 'document_events', 'security_alerts'] loop
        execute format('drop index if exists raw.%I', t || '_batch_idx');
        if to_regclass(format('raw.%I', t || '_before_partitions')) is not null then
            execute format('create index if not exists %I on raw.%I (_batch_id)',
                           t || '_before_partitions_batch_idx', t || '_before_partitions');
        end if;
    end loop;
end
$$;

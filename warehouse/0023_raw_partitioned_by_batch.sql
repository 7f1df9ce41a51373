-- Each raw table becomes a table partitioned by batch: a load's landing table,
-- once validated, is attached as its batch's partition instead of being copied
-- row by row into raw (and a superseded batch's partition is dropped instead of
-- deleted row by row). The rows loaded before this migration stay in a partition
-- of their own, the default one, constrained to the batches it already holds so
-- that attaching a new batch need not scan it; on a new warehouse it is empty and
-- dropped.
do $$
declare
    t text;
    loaded_before bigint;
    idx text;
begin
    foreach t in array array['public_services', 'document_events', 'security_alerts',
                             'self_assessments'] loop
        continue when exists (select 1 from pg_partitioned_table
                              where partrelid = format('raw.%I', t)::regclass);
        execute format('alter table raw.%I rename to %I', t, t || '_before_partitions');
        -- Its index names are the parent's now.
        for idx in select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid
                   where i.indrelid = format('raw.%I', t || '_before_partitions')::regclass loop
            execute format('alter index raw.%I rename to %I', idx,
                           left(idx || '_before_partitions', 63));
        end loop;
        execute format('create table raw.%I (like raw.%I including defaults) '
                       'partition by list (_batch_id)', t, t || '_before_partitions');
        execute format('alter table raw.%I add foreign key (_batch_id) '
                       'references meta.batches (batch_id)', t);
        execute format('grant select, insert, delete on raw.%I to loader', t);
        execute format('grant select on raw.%I to transformer', t);
        execute format('select max(_batch_id) from raw.%I', t || '_before_partitions')
        into loaded_before;
        if loaded_before is null then
            execute format('drop table raw.%I', t || '_before_partitions');
        else
            execute format('alter table raw.%I add constraint %I check (_batch_id <= %s)',
                           t || '_before_partitions', t || '_loaded_before_partitions',
                           loaded_before);
            execute format('alter table raw.%I attach partition raw.%I default',
                           t, t || '_before_partitions');
        end if;
    end loop;
end
$$;

-- The parents' indexes: each partition gets its own, built once when it is attached
-- (a loaded table attaches the one it already has).
create index if not exists public_services_batch_idx on raw.public_services (_batch_id);
create index if not exists document_events_batch_idx on raw.document_events (_batch_id);
create index if not exists security_alerts_batch_idx on raw.security_alerts (_batch_id);
create index if not exists document_events_received_at_idx on raw.document_events (received_at);
create index if not exists security_alerts_detected_at_idx on raw.security_alerts (detected_at);

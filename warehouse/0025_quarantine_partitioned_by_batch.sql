-- Each quarantine table becomes a table partitioned by batch, as raw did in 0023: a
-- load's failing rows are written into a table of their own, with no index or
-- foreign key to keep up row by row, and attached as the batch's partition (the
-- foreign key checked in one query, the primary key built once); a superseded
-- batch's partition is dropped instead of deleted row by row. Rows quarantined
-- before this migration stay in the default partition, constrained to the batches it
-- already holds so that attaching a new batch need not scan it; on a new warehouse it
-- is empty and dropped.
do $$
declare
    t text;
    quarantined_before bigint;
    idx text;
begin
    foreach t in array array['public_services', 'document_events', 'security_alerts',
                             'self_assessments'] loop
        continue when exists (select 1 from pg_partitioned_table
                              where partrelid = format('quarantine.%I', t)::regclass);
        execute format('alter table quarantine.%I rename to %I',
                       t, t || '_before_partitions');
        -- Its index names (the primary key's) are the parent's now.
        for idx in select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid
                   where i.indrelid = format('quarantine.%I',
                                             t || '_before_partitions')::regclass loop
            execute format('alter index quarantine.%I rename to %I', idx,
                           left(idx || '_before_partitions', 63));
        end loop;
        execute format('create table quarantine.%I (like quarantine.%I including defaults) '
                       'partition by list (_batch_id)', t, t || '_before_partitions');
        execute format('alter table quarantine.%I add primary key (_batch_id, _row_number)', t);
        execute format('alter table quarantine.%I add foreign key (_batch_id) '
                       'references meta.batches (batch_id)', t);
        execute format('grant select, insert, delete on quarantine.%I to loader', t);
        execute format('grant select on quarantine.%I to transformer', t);
        execute format('select max(_batch_id) from quarantine.%I', t || '_before_partitions')
        into quarantined_before;
        if quarantined_before is null then
            execute format('drop table quarantine.%I', t || '_before_partitions');
        else
            execute format('alter table quarantine.%I add constraint %I '
                           'check (_batch_id <= %s)', t || '_before_partitions',
                           t || '_quarantined_before_partitions', quarantined_before);
            execute format('alter table quarantine.%I attach partition quarantine.%I default',
                           t, t || '_before_partitions');
        end if;
    end loop;
end
$$;

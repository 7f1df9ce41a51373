"""Publish a validated landing table as its batch's partition of the raw table, its
failing rows as the batch's partition of the quarantine table, and remove the
partitions of the batches it supersedes.

Each raw table is partitioned by ``_batch_id`` (migration 0023). Copying a landed
million rows into raw cost more than landing them: the insert checked the batch's
foreign key once per row and grew the raw table's indexes row by row. Attaching
the landing table instead writes no row twice: the quarantined rows are deleted
from it, its columns take raw's shape (metadata only, unless a text column must be
typed), the foreign key is checked in one query and the indexes are built once
(no index on ``_batch_id``: a partition holds one value of it, migration 0026).
Each quarantine table is partitioned the same way (migration 0025), for the same
reason: the 448k failing rows of a broken million-row log took 9.1 s inserted into the
table, its primary and foreign keys kept up row by row; written into a table of their
own, 5.9-6.9 s, and attached in 0.5 s.
Run inside the load's publishing transaction: a failure leaves raw and quarantine as
they were.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql


def partition_name(raw_table: str, batch_id: int) -> str:
    return f"{raw_table}_b{batch_id}"


def _columns(conn: psycopg.Connection, table: sql.Identifier
             ) -> dict[str, tuple[str, bool, str | None]]:
    """name -> (type as SQL writes it, not null, default expression)."""
    rows = conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_get_expr(d.adbin, d.adrelid) from pg_attribute a left join pg_attrdef d "
        "on d.adrelid = a.attrelid and d.adnum = a.attnum where a.attrelid = %s::regclass "
        "and a.attnum > 0 and not a.attisdropped order by a.attnum",
        (table.as_string(conn),)).fetchall()
    return {name: (kind, not_null, default) for name, kind, not_null, default in rows}


# Both hold a source's rows by batch, one partition per batch (migrations 0023, 0025).
PARTITIONED_SCHEMAS = ("raw", "quarantine")


def lock_for_publishing(conn: psycopg.Connection, raw_table: str) -> None:
    """One publisher at a time, whatever its raw table: taken first in the publishing
    transaction. Attaching or dropping a partition adds or removes its foreign key to
    the ledger, which locks meta.batches in SHARE ROW EXCLUSIVE mode; two publishers
    that had each already updated their ledger rows (ROW EXCLUSIVE) would each wait for
    the other's lock. Taking the ledger's lock before any ledger update makes them
    queue instead (it blocks other ledger writes for the publish, ~25 ms for a report,
    ~1 s for a million events; readers are not blocked)."""
    conn.execute("lock table meta.batches in share row exclusive mode")
    for schema in PARTITIONED_SCHEMAS:
        conn.execute(sql.SQL("lock table {} in share update exclusive mode").format(
            sql.Identifier(schema, raw_table)))


def drop_batches(conn: psycopg.Connection, table: str, batch_ids: Sequence[int]) -> None:
    """Remove the rows of these batches from raw.<table> and quarantine.<table>: their
    partitions are dropped; rows written before a table was partitioned are deleted
    from the partition that holds them."""
    if not batch_ids:
        return
    names = [partition_name(table, b) for b in batch_ids]
    for schema in PARTITIONED_SCHEMAS:
        for (name,) in conn.execute(
                "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
                "where i.inhparent = %s::regclass and c.relname = any(%s)",
                (sql.Identifier(schema, table).as_string(conn), names)).fetchall():
            conn.execute(sql.SQL("drop table {}").format(sql.Identifier(schema, name)))
        conn.execute(sql.SQL("delete from {} where _batch_id = any(%s)").format(
            sql.Identifier(schema, table)), (list(batch_ids),))


def quarantine_failing_rows(conn: psycopg.Connection, landing: sql.Identifier,
                            failed: sql.Composable, key: str, table: str, batch_id: int,
                            source_file: str) -> None:
    """Move the rows of ``landing`` that ``failed`` names (a row per rule a row failed,
    in the order ``seq``) out of it, into the batch's partition of quarantine.<table>:
    each row's landed record as JSON and its failures, written into a table of their
    own and attached (the foreign key checked in one query, the primary key built once)."""
    parent = sql.Identifier("quarantine", table)
    partition = sql.Identifier("quarantine", partition_name(table, batch_id))
    k = sql.Identifier(key)
    conn.execute(sql.SQL("create table {} (like {} including defaults)").format(
        partition, parent))
    # The failures are grouped by row in sorted order: at the default 4 MB the sort
    # of 448k failing rows went to disk (measured 7.0-7.5 s for the statement against
    # 5.9-6.9 s at 64 MB). Until the publishing transaction ends.
    conn.execute("set local work_mem = '64MB'")
    conn.execute(sql.SQL(
        "insert into {partition} (_batch_id, _source_file, _row_number, record, failures) "
        "select %s, %s, b.{k}, to_jsonb(b) - {kl}, f.failures from {landing} b join ("
        "select {k}, jsonb_agg(jsonb_build_object('rule', rule, 'expectation', "
        "expectation, 'column', column_name, 'value', value) order by seq) as failures "
        "from {failed} group by {k}) as f using ({k})"
    ).format(partition=partition, k=k, kl=sql.Literal(key), landing=landing, failed=failed),
        (batch_id, source_file))
    conn.execute(sql.SQL("alter table {} attach partition {} for values in ({})").format(
        parent, partition, sql.Literal(batch_id)))
    conn.execute(sql.SQL("delete from {landing} as b using {failed} as f "
                         "where b.{k} = f.{k}").format(landing=landing, failed=failed, k=k))


def attach_landing(conn: psycopg.Connection, landing_schema: str, landing_name: str,
                   raw_table: str, casts: dict[str, str], batch_id: int,
                   source_file: str) -> int:
    """Make the landing table (its quarantined rows gone) the batch's raw partition;
    return the rows it holds.

    ``casts`` maps a raw column to the SQL (a template around the column) that types
    its landed text."""
    landing = sql.Identifier(landing_schema, landing_name)
    raw = _columns(conn, sql.Identifier("raw", raw_table))
    landed = _columns(conn, landing)
    fixed = {"_batch_id": batch_id, "_source_file": source_file}
    changes: list[sql.Composable] = [
        sql.SQL("drop column {}").format(sql.Identifier(c)) for c in landed if c not in raw]
    for name, (kind, not_null, default) in raw.items():
        column, sql_type = sql.Identifier(name), sql.SQL(kind)
        if name not in landed:
            # A default that is not volatile is stored once, not written into each row.
            value = (sql.Literal(fixed[name]) if name in fixed
                     else sql.SQL(default) if default else sql.NULL)
            changes.append(sql.SQL("add column {} {} default {}{}").format(
                column, sql_type, value, sql.SQL(" not null" if not_null else "")))
            continue
        if landed[name][0] != kind:
            changes.append(sql.SQL("alter column {} type {} using {}").format(
                column, sql_type, sql.SQL(casts.get(name, "{}::" + kind)).format(column)))
        if not_null:
            changes.append(sql.SQL("alter column {} set not null").format(column))
    conn.execute(sql.SQL("alter table {} {}").format(landing, sql.SQL(", ").join(changes)))
    rows = conn.execute(sql.SQL("select count(*) from {}").format(landing)).fetchone()
    assert rows is not None
    name = partition_name(raw_table, batch_id)
    partition = sql.Identifier("raw", name)
    if name != landing_name:
        conn.execute(sql.SQL("alter table {} rename to {}").format(landing, sql.Identifier(name)))
    conn.execute(sql.SQL("alter table {} set schema raw").format(
        sql.Identifier(landing_schema, name)))
    # The batch's values stay in every row; only the defaults go.
    conn.execute(sql.SQL("alter table {} {}").format(partition, sql.SQL(", ").join(
        sql.SQL("alter column {} drop default").format(sql.Identifier(c)) for c in fixed)))
    conn.execute(sql.SQL("alter table {} attach partition {} for values in ({})").format(
        sql.Identifier("raw", raw_table), partition, sql.Literal(batch_id)))
    return int(rows[0])

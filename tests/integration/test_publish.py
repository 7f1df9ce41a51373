"""A validated batch becomes its own partition of raw, its failing rows its own
partition of quarantine; a superseded batch's partitions are dropped; rows loaded or
quarantined before those tables were partitioned are kept and still replaced."""

from __future__ import annotations

import shutil
from datetime import date

import psycopg
import pytest

from dti.samples.documents import document_events, write_document_csv
from dti.warehouse.migrations import discover, migrate
from ingestion.load import ingest_file
from tests.conftest import _with_database, drop_database
from tests.integration.helpers import assert_ledger_invariant, edit_lines, set_cell

PARTITIONED_IN = 23  # the migration that partitions raw by batch (0025: quarantine)


@pytest.fixture
def empty_database(pg_admin_url):
    name = "dti_publish_before_partitions"
    drop_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    yield _with_database(pg_admin_url, name)
    drop_database(pg_admin_url, name)


def _partitions(url: str, schema: str = "raw") -> list[str]:
    with psycopg.connect(url) as conn:
        return sorted(r[0] for r in conn.execute(
            "select inhrelid::regclass::text from pg_inherits "
            "where inhparent = %s::regclass", (f"{schema}.document_events",)))


def _batch_indexed(url: str) -> list[str]:
    """The partitions of raw.document_events with an index whose only column is _batch_id."""
    with psycopg.connect(url) as conn:
        return sorted(r[0] for r in conn.execute(
            "select i.indrelid::regclass::text from pg_index i join pg_inherits h "
            "on h.inhrelid = i.indrelid where h.inhparent = 'raw.document_events'::regclass "
            "and i.indkey::text = (select attnum::text from pg_attribute where attrelid = "
            "i.indrelid and attname = '_batch_id')"))


def _column_types(conn: psycopg.Connection, table: str) -> dict[str, str]:
    return dict(conn.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute where "
        "attrelid = %s::regclass and attnum > 0 and not attisdropped", (table,)).fetchall())


def _copy_loaded_batch(source_url: str, url: str, batch_id: int) -> int:
    """What a load before 0023 left: the ledger row, its rows in the plain raw table and
    its failing rows in the plain quarantine table (taken from the same file loaded
    into a current warehouse); its batch id there."""
    ledger = ("source, source_file, sha256, file_bytes, status, agency_code, "
              "period, stream, rows_read, rows_loaded, rows_quarantined, rows_excluded, "
              "lines_read, lines_loaded, lines_quarantined, lines_excluded")
    with psycopg.connect(source_url) as src, psycopg.connect(url) as dst:
        row = src.execute(f"select {ledger} from meta.batches where batch_id = %s",
                          (batch_id,)).fetchone()
        (legacy,) = dst.execute(f"insert into meta.batches ({ledger}) values "
                                f"({', '.join(['%s'] * len(row))}) returning batch_id",
                                row).fetchone()
        cur = src.execute("select *, %s as legacy_id from raw.document_events "
                          "where _batch_id = %s", (legacy, batch_id))
        columns = [c.name for c in cur.description][:-1]
        at = columns.index("_batch_id")
        with dst.cursor().copy(f"copy raw.document_events ({', '.join(columns)}) "
                               "from stdin") as copy:
            for *values, legacy_id in cur:
                values[at] = legacy_id
                copy.write_row(values)
        quarantined = src.execute(
            "select %s, _source_file, _row_number, record::text, failures::text "
            "from quarantine.document_events where _batch_id = %s", (legacy, batch_id))
        with dst.cursor().copy("copy quarantine.document_events (_batch_id, _source_file, "
                               "_row_number, record, failures) from stdin") as copy:
            for row in quarantined:
                copy.write_row(row)
    return legacy


def test_rows_written_before_partitioning_are_kept_and_replaced(
        empty_database, warehouse_url, tmp_path):
    url = empty_database
    before = tmp_path / "before"
    before.mkdir()
    for m in discover():
        if m.version < PARTITIONED_IN:
            shutil.copy(m.path, before)
    migrate(url, before)
    march, april = (tmp_path / f"qlvb_2025-0{m}.csv" for m in (3, 4))
    write_document_csv(march, document_events(3, [date(2025, 3, 1)], per_agency_month=3))
    write_document_csv(april, document_events(3, [date(2025, 4, 1)], per_agency_month=3))
    edit_lines(march, lambda i, line: set_cell(line, 3, "Fax") if i in (3, 5) else line)
    old = ingest_file("document_logs", march, warehouse_url)
    assert old.rows_loaded > 0 and old.rows_quarantined == 2
    legacy = _copy_loaded_batch(warehouse_url, url, old.batch_id)

    migrate(url)
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "select (select count(*) from raw.document_events where _batch_id = %s), "
            "(select count(*) from quarantine.document_events where _batch_id = %s)",
            (legacy, legacy)).fetchone() == (old.rows_loaded, old.rows_quarantined)
    assert _partitions(url) == ["raw.document_events_before_partitions"]
    assert _partitions(url, "quarantine") == ["quarantine.document_events_before_partitions"]

    new_month = ingest_file("document_logs", april, url)
    corrected = tmp_path / "corrected" / march.name
    corrected.parent.mkdir()
    write_document_csv(corrected, document_events(4, [date(2025, 3, 1)], per_agency_month=3))
    edit_lines(corrected, lambda i, line: set_cell(line, 3, "Fax") if i == 4 else line)
    replacement = ingest_file("document_logs", corrected, url)
    assert _partitions(url) == sorted([
        "raw.document_events_before_partitions",
        f"raw.document_events_b{new_month.batch_id}",
        f"raw.document_events_b{replacement.batch_id}"])
    assert _partitions(url, "quarantine") == sorted([
        "quarantine.document_events_before_partitions",
        f"quarantine.document_events_b{replacement.batch_id}"])
    with psycopg.connect(url) as conn:
        per_batch = dict(conn.execute(
            "select _batch_id, count(*) from raw.document_events group by 1").fetchall())
        quarantined = dict(conn.execute(
            "select _batch_id, count(*) from quarantine.document_events group by 1").fetchall())
        # The typed columns kept their types through the attach.
        kinds = _column_types(conn, f"raw.document_events_b{replacement.batch_id}")
    assert per_batch == {new_month.batch_id: new_month.rows_loaded,
                         replacement.batch_id: replacement.rows_loaded}
    assert quarantined == {replacement.batch_id: 1}
    # A batch's partition holds one batch: no index on _batch_id (0026); the default
    # partition, holding many, keeps one for replacing them.
    assert _batch_indexed(url) == ["raw.document_events_before_partitions"]
    assert kinds["received_at"] == "timestamp with time zone"
    assert kinds["_batch_id"] == "bigint"
    assert_ledger_invariant(url, "document_events")


def test_a_report_batch_is_typed_as_raw_declares(warehouse_url, sample_set):
    """A landed report is text; its partition has raw's types, so a count is a number
    and a period a date, and the partition holds its batch's values."""
    result = ingest_file("public_services", sample_set["public_services"][0], warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        kinds = _column_types(conn, f"raw.public_services_b{result.batch_id}")
        parent = _column_types(conn, "raw.public_services")
        files = conn.execute("select distinct _source_file, _batch_id from "
                             "raw.public_services").fetchall()
    assert kinds == parent
    assert files == [(result.source_file, result.batch_id)]
    assert_ledger_invariant(warehouse_url, "public_services")


def test_publishers_of_different_raw_tables_queue_on_the_ledger(warehouse_url):
    """Attaching a partition locks the ledger (its foreign key); two publishers that each
    updated ledger rows first would deadlock. The ledger's lock comes first, so the
    second publisher waits for the first, whatever its raw table."""
    from ingestion.publish import lock_for_publishing

    with psycopg.connect(warehouse_url) as first, psycopg.connect(warehouse_url) as second:
        lock_for_publishing(first, "public_services")
        second.execute("set lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            lock_for_publishing(second, "document_events")
        second.rollback()
        first.commit()
        lock_for_publishing(second, "document_events")  # free once the first has ended
        second.rollback()

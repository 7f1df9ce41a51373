"""Small helpers shared by the integration tests."""

from pathlib import Path

import psycopg


def edit_lines(path: Path, edit, encoding: str = "utf-8-sig") -> Path:
    """Rewrite a file line by line; ``edit(line_number, line)`` returns the new line or
    None to drop it. Line numbers are 1-based, as in the loader's errors."""
    text = path.read_bytes().decode(encoding)
    sep = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(sep)
    new = [edit(i, line) for i, line in enumerate(lines, start=1)]
    path.write_bytes(sep.join(x for x in new if x is not None).encode(encoding))
    return path


def set_cell(line: str, index: int, value: str) -> str:
    cells = line.split(",")
    cells[index] = value
    return ",".join(cells)


def rows(url: str, query: str, params=()) -> list[dict]:
    with psycopg.connect(url) as conn:
        cur = conn.execute(query, params)
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def assert_ledger_invariant(url: str, table: str) -> None:
    """Every batch accounts for each row it read, and raw and quarantine hold exactly
    what the loaded batches say they hold."""
    for b in rows(url, "select * from meta.batches"):
        if b["status"] in ("loaded", "superseded"):
            assert b["rows_read"] == b["rows_loaded"] + b["rows_quarantined"] + b["rows_excluded"]
    with psycopg.connect(url) as conn:
        raw, quarantined = conn.execute(
            f"select (select count(*) from raw.{table}), "
            f"(select count(*) from quarantine.{table})").fetchone()
        loaded, q = conn.execute(
            "select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) "
            "from meta.batches where status = 'loaded' and batch_id in "
            f"(select _batch_id from raw.{table} union select _batch_id "
            f"from quarantine.{table})").fetchone()
    assert (raw, quarantined) == (loaded, q)
    assert_partitions_are_loaded_batches(url, table)


def assert_partitions_are_loaded_batches(url: str, table: str) -> None:
    """raw.<table> has one partition per loaded batch of its source and none for a
    batch that was superseded, rejected or failed; quarantine.<table> one per loaded
    batch that quarantined rows; each holds its own batch only."""
    from ingestion.sources import SOURCES

    (source,) = [s for s in SOURCES.values() if s.config.raw_table == table]
    with psycopg.connect(url) as conn:
        def partitions(schema: str) -> dict[str, str]:
            found = dict(conn.execute(
                "select c.relname, pg_get_expr(c.relpartbound, c.oid) from pg_inherits i "
                "join pg_class c on c.oid = i.inhrelid where i.inhparent = %s::regclass",
                (f"{schema}.{table}",)).fetchall())
            found.pop(f"{table}_before_partitions", None)  # rows written before 0023/0025
            return found

        loaded = conn.execute(
            "select batch_id, rows_quarantined from meta.batches where status = 'loaded' "
            "and source = %s", (source.name,)).fetchall()
        raw, quarantine = partitions("raw"), partitions("quarantine")
    assert raw == {f"{table}_b{b}": f"FOR VALUES IN ('{b}')" for b, _ in loaded}
    assert quarantine == {f"{table}_b{b}": f"FOR VALUES IN ('{b}')" for b, q in loaded if q}


def add_batch(conn: psycopg.Connection, status: str) -> int:
    """A ledger row; each of its own month (a partition holds one loaded batch)."""
    (batch_id,) = conn.execute(
        "insert into meta.batches (source, source_file, sha256, file_bytes, status, "
        "agency_code, period) select 'document_logs', 'x.csv', "
        "md5(random()::text) || md5(random()::text), 1, %s, '000.00.00.H49', "
        "to_char(date '2025-01-01' + count(*) * interval '1 month', 'YYYY-MM') "
        "from meta.batches returning batch_id", (status,)).fetchone()
    return batch_id

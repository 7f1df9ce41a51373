"""Rows read a column at a time land as COPY text in one piece per block; rows read
one by one land through psycopg's row writer. Both must land the same table."""

from unittest.mock import patch

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from ingestion.load import _land
from ingestion.sources import decoded_text, get_source
from ingestion.sources.base import ReportFormatError, RowBlock
from ingestion.sources.tabular import read_tabular
from tests.mangling import CELLS, EDITS, PLAIN, mangled, write

SPEC = get_source("document_logs")
TYPED = {c.name: "timestamptz" for c in SPEC.config.columns if c.type == "timestamp"}


def _landed(conn: psycopg.Connection, path, plain_blocks: bool) -> list[tuple] | str:
    try:
        extract = read_tabular(path, SPEC.config, plain_blocks)
        table = sql.Identifier("landing", f"blocks_{plain_blocks}")
        _land(conn, table, list(extract.columns), extract.items, TYPED)
    except ReportFormatError as exc:
        return str(exc)
    return conn.execute(sql.SQL("select * from {} order by 1").format(table)).fetchall()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(edits=EDITS, cells=CELLS, plain=PLAIN, block=st.sampled_from([400, 1 << 16]))
def test_blocks_land_what_rows_land(warehouse_url, edits, cells, plain, block):
    path = write(mangled("document_logs", edits, cells, plain), ".csv")
    with psycopg.connect(warehouse_url) as conn, patch.object(decoded_text, "BLOCK_BYTES",
                                                              block):
        try:
            assert _landed(conn, path, True) == _landed(conn, path, False)
        finally:
            conn.rollback()


def test_a_sample_log_lands_in_text_safe_blocks(warehouse_url, tmp_path):
    """The way the property above compares is the way a sample log takes."""
    path = write(mangled("document_logs", [], []), ".csv")
    items = list(read_tabular(path, SPEC.config).items)
    assert items and all(isinstance(i, RowBlock) and i.text_safe for i in items)

"""Rows read a column at a time land as COPY text in one piece per block; rows read
one by one land through psycopg's row writer. Both must land the same table."""

from unittest.mock import patch

import psycopg
import pytest
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
@given(edits=EDITS, cells=CELLS, plain=PLAIN, block=st.sampled_from([400, 1 << 16]),
       separator=st.sampled_from([b",", b"\t"]))
def test_blocks_land_what_rows_land(warehouse_url, edits, cells, plain, block, separator):
    path = write(mangled("document_logs", edits, cells, plain).replace(b",", separator),
                 ".csv")
    with psycopg.connect(warehouse_url) as conn, patch.object(decoded_text, "BLOCK_BYTES",
                                                              block):
        try:
            assert _landed(conn, path, True) == _landed(conn, path, False)
        finally:
            conn.rollback()


@pytest.mark.parametrize("separator", [b",", b"\t"])
def test_a_sample_log_lands_in_text_safe_blocks(warehouse_url, separator):
    """The way the property above compares is the way a sample log takes, separated
    by commas or by tabs."""
    path = write(mangled("document_logs", [], []).replace(b",", separator), ".csv")
    items = list(read_tabular(path, SPEC.config).items)
    assert items and all(isinstance(i, RowBlock) and i.text_safe for i in items)


def test_a_quoted_tab_in_a_tab_separated_log_lands_as_a_value(warehouse_url):
    """A tab inside quotes is a value's: its block is not written as COPY text (where a
    tab separates the columns), and the value lands whole."""
    quoted = mangled("document_logs", [], [], [(0.5, 0, '"VB-a\tb"')]).replace(b",", b"\t")
    items = list(read_tabular(write(quoted, ".csv"), SPEC.config).items)
    assert [isinstance(i, RowBlock) and i.text_safe for i in items].count(False) == 1
    with psycopg.connect(warehouse_url) as conn:
        try:
            rows = _landed(conn, write(quoted, ".csv"), True)
            assert sum("VB-a\tb" in row for row in rows) == 1
        finally:
            conn.rollback()

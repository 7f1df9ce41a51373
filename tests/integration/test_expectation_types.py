"""The project's own GX expectation type and the uniqueness rule written with it.

The suites' row rules are ``unexpected_rows_count_expectation``: GX's unexpected-rows
rule counting its query's rows in one scan. The natural-key rule became such a query
(``key_unique``): it must count exactly what GX's compound uniqueness counted, keys
with nulls in them included, or a file would be refused for the mismatch.
"""

from __future__ import annotations

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ingestion.validation import (
    SHARED_QUERIES,
    _exception_message,
    _run_suite,
    _sort_failures,
    prepare,
    row_failures,
)

BASIC = {"result_format": "BASIC", "partial_unexpected_count": 0}
KEYS = ["document_id", "agency_code"]

# (document_id, agency_code): a key twice, a key three times, keys with a null twice
# (GX's join matches no null), every key column null twice, and keys once each.
ROWS = [("A", "x"), ("A", "x"), ("B", "y"), ("B", "y"), ("B", "y"), (None, "z"),
        (None, "z"), (None, None), (None, None), ("C", "x"), ("C", None), ("D", "y")]


def _land(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table landing.keys_case (_row_number integer, "
                     "document_id text, agency_code text)")
        for n, (doc, agency) in enumerate(ROWS, start=1):
            conn.execute("insert into landing.keys_case values (%s, %s, %s)", (n, doc, agency))


def _result(url: str, expectation: dict) -> dict:
    doc = _run_suite(url, "landing", "keys_case", "document_logs", [expectation], {}, BASIC)
    (result,) = doc["results"]
    assert _exception_message(result) is None
    return result["result"]


def test_key_rule_counts_what_gx_compound_uniqueness_counts(warehouse_url):
    prepare()
    _land(warehouse_url)
    gx_own = _result(warehouse_url, {"type": "expect_compound_columns_to_be_unique",
                                     "kwargs": {"column_list": KEYS}})
    ours = _result(warehouse_url, {
        "type": "unexpected_rows_count_expectation",
        "kwargs": {"unexpected_rows_query": SHARED_QUERIES["key_unique"](KEYS)}})
    assert gx_own["unexpected_count"] == ours["observed_value"] == 5


def test_key_rule_names_the_rows_it_counts(warehouse_url):
    """Through the loader's own path: the rows quarantine would take are the repeated
    keys' rows, not the keys with a null in them."""
    prepare()
    _land(warehouse_url)
    expectation = {"type": "unexpected_rows_count_expectation",
                   "kwargs": {"unexpected_rows_query": SHARED_QUERIES["key_unique"](KEYS)},
                   "meta": {"rule": "natural_key_unique", "level": "row",
                            "column": ",".join(KEYS)}}
    doc = _run_suite(warehouse_url, "landing", "keys_case", "document_logs", [expectation], {},
                     BASIC)
    outcome = _sort_failures(warehouse_url, "landing", "keys_case", "document_logs", doc)
    assert not outcome.table_failures
    with psycopg.connect(warehouse_url) as conn:
        named = row_failures(conn, outcome)
    assert sorted(named) == [1, 2, 3, 4, 5]
    assert named[3][0].value == {"document_id": "B", "agency_code": "y"}


def test_count_rule_reads_the_batch_once_where_gx_own_reads_it_twice(warehouse_url):
    prepare()
    _land(warehouse_url)
    query = "select _row_number from {batch} where document_id = 'A' /* once */"
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if "/* once */" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        counts = {}
        for kind in ("unexpected_rows_count_expectation", "unexpected_rows_expectation"):
            seen.clear()
            result = _result(warehouse_url, {"type": kind,
                                             "kwargs": {"unexpected_rows_query": query}})
            counts[kind] = (len(seen), result["observed_value"])
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert counts == {"unexpected_rows_count_expectation": (1, 2),
                      "unexpected_rows_expectation": (2, 2)}

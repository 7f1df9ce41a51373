"""Property test: no sequence of loads (clean, corrected, stray-row, renamed, repeated
files of overlapping months) can leave two loaded batches on one partition, or raw
rows that no loaded batch accounts for."""

from __future__ import annotations

import contextlib
import shutil
from datetime import date
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dti.samples.documents import document_events, write_document_csv
from ingestion.load import BatchRejected, ingest_file
from tests import hostile
from tests.integration.helpers import assert_partitions_are_loaded_batches

MONTHS = (date(2025, 3, 1), date(2025, 4, 1))


def _files(folder: Path) -> dict[str, Path]:
    """A pool of deliveries of the same stream; names say which month they claim."""
    out = {}
    for m in MONTHS:
        for seed in (3, 4):  # seed 4: a corrected re-delivery of the same month
            path = folder / f"seed{seed}" / f"qlvb_{m:%Y-%m}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_document_csv(path, document_events(seed, [m], per_agency_month=3))
            out[f"{m:%m}-seed{seed}"] = path
    stray = folder / "stray"
    stray.mkdir()
    out["04-stray-9999"] = hostile.stray_future_event(stray)
    out["04-other-province"] = hostile.edit(hostile.document_log(stray, "qlvb_04_x.csv"),
                                            lambda ls: [hostile._cell(line, 1, "000.00.04.H22")
                                                        if i == 4 else line
                                                        for i, line in enumerate(ls)])
    unnamed = folder / "unnamed"
    unnamed.mkdir()
    out["04-no-month-in-name"] = shutil.copy(out["04-seed3"], unnamed / "export.csv")
    return out


def check_invariants(url: str) -> None:
    with psycopg.connect(url) as conn:
        doubled = conn.execute(
            "select source, stream, agency_code, period, count(*) from meta.batches "
            "where status = 'loaded' group by 1, 2, 3, 4 having count(*) > 1").fetchall()
        assert doubled == []
        per_batch = dict(conn.execute(
            "select _batch_id, count(*) from raw.document_events group by 1").fetchall())
        ledger = dict(conn.execute(
            "select batch_id, rows_loaded from meta.batches "
            "where status = 'loaded' and rows_loaded > 0").fetchall())
        assert per_batch == ledger
        # One row per event key: the staging unique test would fail otherwise.
        dupes = conn.execute(
            "select document_id, agency_code, direction from raw.document_events "
            "group by 1, 2, 3 having count(*) > 1").fetchall()
        assert dupes == []
    assert_partitions_are_loaded_batches(url, "document_events")


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("pool"))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(order=st.lists(st.sampled_from(["03-seed3", "03-seed4", "04-seed3", "04-seed4",
                                       "04-stray-9999", "04-other-province",
                                       "04-no-month-in-name"]), min_size=1, max_size=6))
def test_no_sequence_of_loads_doubles_a_partition(warehouse_url, pool, order):
    for name in order:
        with contextlib.suppress(BatchRejected):
            ingest_file("document_logs", pool[name])
        check_invariants(warehouse_url)

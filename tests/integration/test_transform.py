"""dbt on the loaded warehouse: a plain `dbt build` passes, and incremental runs after
a late file give the same marts as a full refresh."""

from datetime import date

import psycopg
import pytest

from dti.dbt_project import run_dbt
from dti.samples.documents import document_events, write_document_csv
from ingestion.load import ingest_file

pytestmark = pytest.mark.dbt

MARTS = ["fct_document_events", "fct_document_monthly", "fct_security_alerts",
         "fct_security_monthly", "fct_public_service_monthly", "fct_index_766",
         "fct_data_quality"]


def snapshot(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        return {m: conn.execute(f"select * from marts.{m} order by 1").fetchall()
                for m in MARTS}


def test_incremental_after_a_late_file_equals_a_full_refresh(built_warehouse, tmp_path):
    """Starts from the sample set loaded and built (a first, full build)."""
    warehouse_url = built_warehouse
    # A corrected e-office log for March arrives in August: four months back,
    # beyond the lookback, so only the changed-month rule brings it in.
    late = tmp_path / "qlvb_2025-03_corrected.csv"
    write_document_csv(late, document_events(99, [date(2025, 3, 1)], per_agency_month=25))
    assert ingest_file("document_logs", late).status == "loaded"
    assert run_dbt(["build", "--quiet"], warehouse_url) == 0
    incremental = snapshot(warehouse_url)

    assert run_dbt(["build", "--full-refresh", "--quiet"], warehouse_url) == 0
    assert snapshot(warehouse_url) == incremental
    march = [r for r in incremental["fct_document_monthly"] if r[2] == date(2025, 3, 1)]
    assert sum(r[3] for r in march) == sum(1 for _ in document_events(
        99, [date(2025, 3, 1)], per_agency_month=25)) - _secrets(99)


def _secrets(seed: int) -> int:
    return sum(1 for e in document_events(seed, [date(2025, 3, 1)], per_agency_month=25)
               if e.secret)


def test_bi_reader_reads_every_mart(built_warehouse):
    with psycopg.connect(built_warehouse) as conn:
        conn.execute("set role bi_reader")
        for mart in MARTS:
            conn.execute(f"select count(*) from marts.{mart}")


def test_an_option_dbt_does_not_know_is_one_line(warehouse_url, capsys):
    from dti.cli.main import main

    assert main(["transform", "--bogus-flag"]) == 2
    err = capsys.readouterr().err
    assert "dbt: No such option '--bogus-flag'" in err and "Traceback" not in err


def test_a_selection_that_matches_nothing_fails_by_name(warehouse_url, capsys):
    """dbt itself warns and exits 0: a mistyped model would pass as a build of nothing."""
    from dti.cli.main import main

    assert main(["transform", "--select", "no_such_model"]) == 2
    err = capsys.readouterr().err
    assert ("dbt: Compilation Error: The selection criterion 'no_such_model' does not "
            "match any enabled nodes") in err and "Traceback" not in err


def test_contracted_numerics_keep_every_digit_without_a_warning(built_warehouse, capfd):
    """A contract's bare `numeric` is PostgreSQL's unbounded numeric: no rounding, so
    dbt's warning that it may round (meant for numeric(38, 0) warehouses) is not
    printed on every build."""
    assert run_dbt(["run", "--select", "fct_data_quality"], built_warehouse) == 0
    out = capfd.readouterr().out
    assert "fct_data_quality" in out and "unspecified precision" not in out
    with psycopg.connect(built_warehouse) as conn:
        (precision,) = conn.execute(
            "select numeric_precision from information_schema.columns where table_schema "
            "= 'marts' and table_name = 'fct_data_quality' and column_name = "
            "'quarantine_rate'").fetchone()
    assert precision is None

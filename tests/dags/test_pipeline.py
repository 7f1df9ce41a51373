"""Both DAGs run for real (dag.test()) against the test warehouse, and the scores
in marts agree with an independent computation from the generated exports."""

from decimal import ROUND_HALF_UP, Decimal

import psycopg
import pytest

from ingestion.generate import default_months, public_service_months

pytestmark = pytest.mark.dag


def expected_progress() -> dict[tuple[str, object], tuple[Decimal | None, int | None]]:
    """766 progress points and competition ranks, computed here from the generator."""
    out = {}
    for month, rows in public_service_months(7, default_months()).items():
        points = {}
        for r in rows:
            due = (r.resolved_early + r.resolved_on_time + r.resolved_late
                   + r.in_progress_within_deadline + r.in_progress_overdue)
            in_time = r.resolved_early + r.resolved_on_time + r.in_progress_within_deadline
            ratio = (Decimal(in_time) / Decimal(due)).quantize(Decimal("0.000001"),
                                                               ROUND_HALF_UP) if due else None
            points[r.agency_code] = (None if ratio is None else
                                     (20 * ratio).quantize(Decimal("0.0001"), ROUND_HALF_UP))
        for code, p in points.items():
            rank = None if p is None else 1 + sum(
                1 for q in points.values() if q is not None and q > p)
            out[(code, month)] = (p, rank)
    return out


def test_ingest_then_transform_dags_produce_the_766_progress_scores(dag_env, tmp_path):
    from ingestion.airflow_runtime import run_dag
    from ingestion.generate import generate

    inbox = tmp_path / "inbox"
    generate(inbox, seed=7)
    run_dag("ingest_public_services", {"inbox": str(inbox)})
    with psycopg.connect(dag_env) as conn:
        assert conn.execute(
            "select status, count(*), sum(rows_loaded) from meta.batches group by status"
        ).fetchall() == [("loaded", 6, 84)]

    run_dag("transform_and_score")
    with psycopg.connect(dag_env) as conn:
        got = {(a, m): (p, r) for a, m, p, r in conn.execute(
            "select agency_id, period_month, progress_points, progress_rank "
            "from marts.fct_index_766")}
        conn.execute("set role bi_reader")
        assert conn.execute("select count(*) from marts.fct_index_766").fetchone()[0] == 84
    assert got == expected_progress()


def test_ingest_dag_rerun_on_the_same_inbox_skips_every_file(dag_env, tmp_path):
    from ingestion.airflow_runtime import run_dag
    from ingestion.generate import generate

    inbox = tmp_path / "inbox"
    generate(inbox, seed=7)
    run_dag("ingest_public_services", {"inbox": str(inbox)})
    run_dag("ingest_public_services", {"inbox": str(inbox)})
    with psycopg.connect(dag_env) as conn:
        assert dict(conn.execute("select status, count(*) from meta.batches group by status")
                    ) == {"loaded": 6, "skipped": 6}
        assert conn.execute("select count(*) from raw.public_services").fetchone()[0] == 84

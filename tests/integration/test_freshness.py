from datetime import UTC, date, datetime

import psycopg

from dti.quality.freshness import last_due_period, overdue
from ingestion.load import ingest_file


def test_last_due_period_waits_for_the_grace_days():
    assert last_due_period(date(2025, 9, 10), 10) == "2025-07"
    assert last_due_period(date(2025, 9, 11), 10) == "2025-08"


def test_overdue_exports_are_named(warehouse_url, sample_exports):
    for path in sample_exports[-2:]:  # July and August 2025: the last due reports
        ingest_file("public_services", path)
    on_time = datetime(2025, 9, 5, tzinfo=UTC)
    with psycopg.connect(warehouse_url) as conn:
        late = {(o.source, o.what) for o in overdue(conn, on_time)}
        assert ("public_services", "report for 2025-07 not loaded") not in late
        assert ("document_logs", "never loaded (limit 48 h)") in late
        later = {str(o) for o in overdue(conn, datetime(2025, 9, 12, tzinfo=UTC))}
        assert "public_services 000.00.00.H49: report for 2025-08 not loaded" not in later
        much_later = {str(o) for o in overdue(conn, datetime(2025, 10, 12, tzinfo=UTC))}
        assert "public_services 000.00.00.H49: report for 2025-09 not loaded" in much_later
        # An event stream is late when its newest load is older than its limit.
        conn.execute(
            "insert into meta.batches (source, source_file, sha256, file_bytes, status, "
            "agency_code, period, finished_at) values ('document_logs', 'x.csv', %s, 1, "
            "'loaded', '000.00.00.H49', '2025-09', %s)",
            ("0" * 64, datetime(2025, 9, 12, 6, tzinfo=UTC)))
        def docs_late(at):
            return [o for o in overdue(conn, at) if o.source == "document_logs"]
        assert docs_late(datetime(2025, 9, 13, 6, tzinfo=UTC)) == []  # 24 h old
        (late_docs,) = docs_late(datetime(2025, 9, 14, 7, tzinfo=UTC))  # 49 h old
        assert late_docs.what == "newest load 49 h old (limit 48 h)"

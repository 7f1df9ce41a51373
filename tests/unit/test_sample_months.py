"""Sample exports cover the six months before today unless a last month is set, so the
demo's data never ages into a permanent freshness failure."""

from datetime import date, datetime, timedelta

from dti.samples.generate import default_months


def test_six_complete_months_before_today(monkeypatch):
    monkeypatch.delenv("DTI_SAMPLE_END_MONTH", raising=False)
    assert default_months(date(2026, 12, 2)) == [date(2026, m, 1) for m in range(6, 12)]
    assert default_months(date(2026, 2, 28)) == [
        date(2025, 8, 1), date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1),
        date(2025, 12, 1), date(2026, 1, 1)]


def test_a_set_last_month_pins_the_window(monkeypatch):
    monkeypatch.setenv("DTI_SAMPLE_END_MONTH", "2025-08")
    assert default_months(date(2030, 1, 1)) == [date(2025, m, 1) for m in range(3, 9)]


def test_a_month_that_is_not_one_is_one_line(monkeypatch, tmp_path, capsys):
    from dti.cli.main import main

    for value in ("2025-13", "abc"):
        monkeypatch.setenv("DTI_SAMPLE_END_MONTH", value)
        assert main(["generate", "--out", str(tmp_path)]) == 2
        assert capsys.readouterr().err == (
            f"error: DTI_SAMPLE_END_MONTH={value!r}: not a month (YYYY-MM)\n")
    assert not any(tmp_path.iterdir())  # nothing written


def test_nothing_in_a_sample_export_happens_after_it_is_written(tmp_path):
    """The month just ended, written early in the next: documents still open and alerts
    not yet handled carry no completion, acknowledgement or resolution time (they
    would be quarantined as not_in_future)."""
    import csv

    from dti.samples.alerts import write_portal_csv
    from dti.samples.clock import vietnam_now
    from dti.samples.documents import document_events

    now = vietnam_now()
    month = date(now.year, now.month, 1)
    last = (month - timedelta(days=1)).replace(day=1)
    for m in (last, month):
        events = list(document_events(3, [m], per_agency_month=60))
        assert all(e.completed_at is None or e.completed_at <= now for e in events)
        assert any(e.completed_at is not None for e in events)
        path = tmp_path / f"soc_{m:%Y-%m}.csv"
        write_portal_csv(path, 3, m, count=200)
        rows = list(csv.reader(path.open(encoding="utf-8-sig")))[3:]
        for row in rows:
            ack, done = row[-2], row[-1]
            for text in (ack, done):
                if text:
                    assert datetime.strptime(text, "%d/%m/%Y %H:%M:%S") <= now
            assert bool(ack) == (row[-3] != "Mới")

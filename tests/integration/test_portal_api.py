"""Pulling the portal API: pagination, token, rate limits and retries, resuming."""

import time
from dataclasses import replace

import pytest

from dti.cli.main import main
from dti.samples.generate import default_months, public_service_months
from ingestion.limits import limits as current_limits
from ingestion.load import ingest_file
from ingestion.pulls.portal import PortalClient, PortalError, pull_public_services
from tests.integration.helpers import rows
from tests.portal_server import PortalState, serve

MONTH = default_months()[1]
PERIOD = f"{MONTH:%Y-%m}"


def portal_records() -> list[dict]:
    out = []
    for month, agencies in public_service_months(7, default_months()).items():
        for a in agencies:
            out.append({
                "maDonVi": a.agency_code, "tenDonVi": a.agency_name,
                "kyBaoCao": f"{month:%Y-%m}",
                "tiepNhanTrucTuyen": a.received_online,
                "tiepNhanTrucTuyenToanTrinh": a.received_full_online,
                "tiepNhanTrucTiep": a.received_in_person, "tiepNhanBuuChinh": a.received_postal,
                "giaiQuyetTruocHan": a.resolved_early, "giaiQuyetDungHan": a.resolved_on_time,
                "giaiQuyetQuaHan": a.resolved_late,
                "dangGiaiQuyetTrongHan": a.in_progress_within_deadline,
                "dangGiaiQuyetQuaHan": a.in_progress_overdue,
                "thanhToanTrucTuyen": 10, "hoSoCoPhiLePhi": 20,
            })
    return out


@pytest.fixture
def portal():
    state = PortalState(token="s3cret", records=portal_records())
    server, url = serve(state)
    yield state, url
    server.shutdown()


def client(url, token="s3cret", **kw):
    waits = []
    c = PortalClient.with_token(url, token, page_size=5, backoff_seconds=0.01,
                                sleep=waits.append, **kw)
    return c, waits


def test_pull_pages_through_rate_limit_and_errors_then_loads(portal, tmp_path, warehouse_url):
    state, url = portal
    state.faults = {(1, 1): 429, (2, 1): 503, (2, 2): 502}
    c, waits = client(url)
    path = pull_public_services(c, PERIOD, tmp_path / "inbox", tmp_path / "pulls")
    assert state.requests == [1, 1, 2, 2, 2, 3]  # 14 agencies in pages of 5, retries
    assert waits == [0.0, 0.01, 0.02]  # Retry-After honoured, then exponential backoff
    assert not (tmp_path / "pulls" / f"public_services_{PERIOD}").exists()

    result = ingest_file("public_services", path)
    assert (result.rows_loaded, result.rows_quarantined, result.period) == (14, 0, PERIOD)
    loaded = {r["agency_code"]: r for r in rows(warehouse_url, "select * from raw.public_services")}
    for rec in (r for r in state.records if r["kyBaoCao"] == PERIOD):
        assert loaded[rec["maDonVi"]]["resolved_on_time"] == rec["giaiQuyetDungHan"]
        assert loaded[rec["maDonVi"]]["paid_online"] == 10
        assert loaded[rec["maDonVi"]]["dissatisfied"] is None  # not sent: unknown, not 0


def test_wrong_token_is_refused_without_retries(portal, tmp_path):
    state, url = portal
    c, _ = client(url, token="wrong")
    with pytest.raises(PortalError, match="refused the credentials"):
        pull_public_services(c, PERIOD, tmp_path / "inbox", tmp_path / "pulls")
    assert state.requests == []  # 401 is answered before a page is served
    assert not (tmp_path / "inbox").exists()


def test_interrupted_pull_resumes_without_fetching_pages_again(portal, tmp_path):
    state, url = portal
    state.faults = {(2, 1): 500, (2, 2): 500}
    c, _ = client(url, max_attempts=2)
    with pytest.raises(PortalError, match="page 2: gave up after 2 attempts"):
        pull_public_services(c, PERIOD, tmp_path / "inbox", tmp_path / "pulls")
    assert state.requests == [1, 2, 2]
    path = pull_public_services(c, PERIOD, tmp_path / "inbox", tmp_path / "pulls")
    assert state.requests == [1, 2, 2, 2, 3]  # page 1 came from the pull folder
    import json

    assert len(json.loads(path.read_text())) == 14


def test_record_of_another_period_is_quarantined(portal, tmp_path, warehouse_url):
    import json

    _, url = portal
    c, _ = client(url)
    path = pull_public_services(c, PERIOD, tmp_path / "inbox", tmp_path / "pulls")
    records = json.loads(path.read_text())
    records[3]["kyBaoCao"] = "2024-12"
    path.write_text(json.dumps(records))
    result = ingest_file("public_services", path)
    assert (result.rows_loaded, result.rows_quarantined) == (13, 1)
    (bad,) = rows(warehouse_url, "select _row_number, failures from quarantine.public_services")
    assert bad["_row_number"] == 4
    assert bad["failures"][0]["rule"] == "record_readable"


# --- a portal that misbehaves ----------------------------------------------------

def hostile_client(url, **limit_changes):
    return PortalClient.with_token(url, "s3cret", page_size=5, backoff_seconds=0.01,
                                   max_attempts=2, sleep=lambda s: None, timeout=5,
                                   limits=replace(current_limits(), **limit_changes))


def test_token_never_follows_a_redirect_to_another_host(portal, tmp_path):
    state, url = portal
    # 127.0.0.2 is another host on the loopback network: same machine, other origin.
    other = PortalState(token="s3cret", records=state.records)
    server, other_url = serve(other, host="127.0.0.2")
    try:
        state.hostile, state.redirect_to = "redirect", other_url
        path = pull_public_services(hostile_client(url), PERIOD, tmp_path / "inbox",
                                    tmp_path / "pulls")
    except PortalError as exc:
        assert "refused the credentials" in str(exc)  # the other host never saw it
    else:
        raise AssertionError(f"pulled {path} through a redirect that dropped the token")
    finally:
        server.shutdown()
    assert state.seen_authorization == ["Bearer s3cret"]
    assert other.seen_authorization == [None]


def test_body_past_the_cap_is_refused_without_reading_it_all(portal, tmp_path):
    state, url = portal
    state.hostile = "huge"
    started = time.monotonic()
    with pytest.raises(PortalError, match=r"larger than the 1000000 bytes.*pull_body_bytes"):
        pull_public_services(hostile_client(url, pull_body_bytes=1_000_000), PERIOD,
                             tmp_path / "inbox", tmp_path / "pulls")
    assert time.monotonic() - started < 10
    assert state.requests == []  # the page handler was never reached, and no retry


def test_a_trickling_server_cannot_hold_the_pull_past_its_deadline(portal, tmp_path):
    state, url = portal
    state.hostile = "trickle"
    started = time.monotonic()
    with pytest.raises(PortalError, match=r"longer than 1 s.*pull_total_seconds"):
        pull_public_services(hostile_client(url, pull_total_seconds=1), PERIOD,
                             tmp_path / "inbox", tmp_path / "pulls")
    assert time.monotonic() - started < 4


def test_absurd_page_count_is_refused_after_one_page(portal, tmp_path):
    state, url = portal
    state.hostile = "absurd_pages"
    with pytest.raises(PortalError, match=r"1000000 pages, more than the 1000.*pull_pages"):
        pull_public_services(hostile_client(url), PERIOD, tmp_path / "inbox", tmp_path / "pulls")
    assert len(state.seen_authorization) == 1


def test_unexpected_json_shape_is_one_clean_line(portal, tmp_path, monkeypatch, capsys):
    state, url = portal
    state.hostile = "wrong_shape"
    monkeypatch.setenv("DTI_DATA_DIR", str(tmp_path))
    status = main(["pull", "public_services", "--period", PERIOD, "--url", url,
                   "--token", "s3cret"])
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    assert err.splitlines() == [
        "pull failed: page 1: total_pages is 'many', not a positive whole number "
        "(rule: pull_schema) (run again to resume)"]


def test_portal_pulls_through_the_pull_framework(portal, tmp_path, warehouse_url, monkeypatch):
    """The dti_portal connection: a month once, the same month again nothing, a
    corrected month again, a run killed between ledger and inbox finished by the next,
    another month by backfill."""
    from ingestion.inbox import discover, process_file
    from ingestion.pulls import ledger
    from ingestion.pulls.connections import from_uri
    from ingestion.pulls.run import pull_source

    state, url = portal
    e = from_uri("dti_portal", url.replace("http://", "http://:s3cret@") + "?page_size=5")

    def pull(month=PERIOD):
        return [p for o in pull_source("public_services", tmp_path, month,
                                       resolve=lambda c: e if c == "dti_portal" else None)
                for p in o.delivered]

    def load():
        return [process_file("public_services", p, tmp_path).status
                for p in discover("public_services", tmp_path)]

    assert [p.name for p in pull()] == [f"portal_dvc_{PERIOD}.json"]
    assert load() == ["loaded"]
    assert pull() == [] and discover("public_services", tmp_path) == []
    next(r for r in state.records if r["kyBaoCao"] == PERIOD)["giaiQuyetQuaHan"] += 1
    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(ledger, "_move", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
        pull()
    # The next run moves the recorded file on; the month it reads again is the same.
    assert len(pull()) == 1 and len(discover("public_services", tmp_path)) == 1
    assert load() == ["loaded"]
    other = f"{default_months()[2]:%Y-%m}"
    assert [p.name for p in pull(other)] == [f"portal_dvc_{other}.json"]
    assert load() == ["loaded"]
    (count,) = rows(warehouse_url, "select count(*) as n from raw.public_services")
    assert count["n"] == 28  # two months of 14 agencies, the corrected one once

"""Data Docs are rebuilt from the validation results the warehouse keeps."""

from dti.cli.main import main as dti
from ingestion.load import ingest_file
from tests.integration.helpers import edit_lines, rows, set_cell


def test_dq_docs_show_suites_and_each_validation(warehouse_url, sample_exports, tmp_path,
                                                 capsys):
    bad = edit_lines(sample_exports[0], lambda i, line: set_cell(line, 3, "-5") if i == 6
                     else line)
    ingest_file("public_services", bad)
    ingest_file("public_services", sample_exports[1])
    (run,) = rows(warehouse_url, "select result from dq.validation_runs where not success")
    assert "unexpected_index_list" not in str(run["result"])  # per-row lists are not kept

    out = tmp_path / "docs"
    assert dti(["dq", "docs", "--out", str(out)]) == 0
    assert str(out / "index.html") in capsys.readouterr().out
    suites = {p.stem for p in (out / "expectations").glob("*.html")}
    assert suites == {"public_services", "document_logs", "soc_alerts", "self_assessment"}
    pages = list((out / "validations").rglob("*.html"))
    assert len(pages) == 2
    assert {p.parent.parent.name for p in pages} == {"batch-1", "batch-2"}
    failed = next(p for p in pages if p.parent.parent.name == "batch-1").read_text()
    assert "received_online" in failed
    # The suite's query rules read as the suite describes them, not as their SQL.
    assert "One row per agency and period." in failed
    assert "Unexpected rows query" not in failed


def test_dq_docs_render_offline_in_a_browser(warehouse_url, sample_exports, tmp_path):
    """On a network with no way out the index still lists every validation run."""
    import re

    from dti.quality.data_docs import build_docs
    from tests.browser import browser_page

    for path in sample_exports[:3]:
        ingest_file("public_services", path)
    index = build_docs(warehouse_url, tmp_path / "docs")
    pages = list(index.parent.rglob("*.html"))
    for page in pages:  # no page names a resource outside the site
        remote = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="(https?:[^"]+)"',
                            page.read_text())
        assert remote == [], (page, remote)

    validation = next(p for p in pages if "validations" in p.parts)
    for target, wait_for in ((index, "table tbody tr"), (validation, "table")):
        with browser_page() as (page, visit):
            page.goto(target.as_uri())
            page.wait_for_selector(wait_for, timeout=15_000, state="attached")
            if target == index:
                text = page.inner_text("body")
                assert {f"batch-{n}" for n in (1, 2, 3)} <= set(re.findall(r"batch-\d+", text))
                # bootstrap-table drew the table (its wrapper exists only once it ran)
                assert page.locator(".bootstrap-table").count() >= 1
            else:
                body = page.inner_text("body")
                assert "Expectation Validation Result" in body
                assert "regular expression" in body
            # the logo and fonts came from the site's own static folder
            assert any("/static/images/logo-long.png" in u for u in visit.requests)
            assert visit.external() == []
            assert visit.failed == []
            assert visit.page_errors == []
            assert visit.console_errors == []


def test_dq_docs_take_a_folder_relative_to_where_they_run(warehouse_url, sample_exports,
                                                          tmp_path, monkeypatch, capsys):
    ingest_file("public_services", sample_exports[0])
    monkeypatch.chdir(tmp_path)
    assert dti(["dq", "docs", "--out", "docs"]) == 0
    assert (tmp_path / "docs" / "index.html").is_file()
    assert str(tmp_path / "docs" / "index.html") in capsys.readouterr().out

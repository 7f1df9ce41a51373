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

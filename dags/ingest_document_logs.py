"""
### Ingest document-management logs (Airflow DAG)

First pulls from `dti_eoffice` (e-office document events since the last run) and
`dti_sftp_document_logs` when Airflow defines the
connection (README "Pulling exports"); param `month` takes one month again.

Loads the e-office (QLVB-ĐH) event logs, CSV or JSON Lines, waiting in
`data/inbox/document_logs/`, one mapped task per file. State-secret documents are
excluded and counted; handler names and e-mails are pseudonymised before they reach
`raw.document_events`. Suite: `expectations/document_logs.json`. Emits the
`raw.document_events` Asset.
"""

from dti.orchestration.ingest_dag import build_ingest_dag

dag = build_ingest_dag("document_logs", schedule="@hourly", doc_md=__doc__)

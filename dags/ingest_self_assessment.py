"""
### Ingest DTI self-assessments (Airflow DAG)

First pulls from `dti_sftp_self_assessment` when Airflow defines the
connection (README "Pulling exports"); param `month` takes one month again.

Loads the self-assessment sheets (phiếu tự đánh giá, CSV or XLSX) waiting in
`data/inbox/self_assessment/`, one mapped task per file: per unit and component of an
assessment year, the unit's points, the appraisal council's and the final ones, or a
raw value, with the evidence link. They score the DTI components no export measures.
Suite: `expectations/self_assessment.json`. Emits the `raw.self_assessments` Asset.
"""

from dti.orchestration.ingest_dag import build_ingest_dag

dag = build_ingest_dag("self_assessment", schedule="@daily", doc_md=__doc__)

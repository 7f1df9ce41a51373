"""
### Ingest SOC alerts (Airflow DAG)

First pulls from `dti_wazuh_indexer` (the Wazuh indexer's alerts since the last run) and
`dti_sftp_soc_alerts` when Airflow defines the
connection (README "Pulling exports"); param `month` takes one month again.

Loads Suricata EVE JSON, Wazuh `alerts.json` and SOC portal CSV exports waiting in
`data/inbox/soc_alerts/`, one mapped task per file, into `raw.security_alerts`.
Severity is normalised to low / medium / high / critical; assets are mapped to
agencies through `ingestion/config/asset_map.yaml` (an alert on an unknown asset is
quarantined). Suite: `expectations/soc_alerts.json`. Emits the
`raw.security_alerts` Asset.
"""

from dti.orchestration.ingest_dag import build_ingest_dag

dag = build_ingest_dag("soc_alerts", schedule="@hourly", doc_md=__doc__)

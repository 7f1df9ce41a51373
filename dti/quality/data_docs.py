"""Great Expectations Data Docs, built from what the warehouse keeps.

Loads validate in short-lived processes with an ephemeral GX context, so the
warehouse is the record: each run's result is kept in ``dq.validation_runs``. This
module puts the suites and the latest results into a fresh context and has GX
render its static HTML site, which then carries its own scripts and styles
(``offline_assets``): it opens on a network with no way out.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import psycopg

from dti.quality.offline_assets import localise_site
from dti.settings import EXPECTATIONS_DIR, state_dir
from ingestion.validation import load_suite_document, quiet_gx_logs


def default_docs_dir() -> Path:
    return state_dir() / "data_docs"


def build_docs(url: str, out: Path | None = None, limit: int = 200) -> Path:
    quiet_gx_logs()
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    import ingestion.expectation_types  # noqa: F401  (the suites' own type)

    out = Path(out or default_docs_dir()).resolve()  # GX takes no relative folder
    quiet_gx_logs()
    ctx = gx.get_context(mode="ephemeral")
    ctx.add_data_docs_site(site_name="dti", site_config={
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(out)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
        doc = load_suite_document(path.stem)
        ctx.suites.add(gx.ExpectationSuite(name=doc["name"], expectations=doc["expectations"],
                                           meta=doc.get("meta") or {}))
    with psycopg.connect(url) as conn:
        runs = conn.execute(
            "select r.run_id, r.batch_id, r.suite, r.validated_at, r.result, b.source_file "
            "from dq.validation_runs as r join meta.batches as b using (batch_id) "
            "where r.result is not null order by r.run_id desc limit %s", (limit,),
        ).fetchall()
    for run_id, batch_id, suite, validated_at, result, source_file in runs:
        body = {k: result[k] for k in ("success", "results", "statistics") if k in result}
        body["meta"] = {**(result.get("meta") or {}), "batch_id": batch_id,
                        "source_file": source_file}
        validation = ExpectationSuiteValidationResult(suite_name=suite, **body)
        key = ValidationResultIdentifier(
            ExpectationSuiteIdentifier(suite),
            RunIdentifier(run_name=f"batch-{batch_id}",
                          run_time=validated_at.astimezone(UTC)),
            f"run-{run_id}",
        )
        ctx.validation_results_store.set(key, validation)
    ctx.build_data_docs(site_names=["dti"])
    localise_site(out)
    return out / "index.html"

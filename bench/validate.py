"""Validation cost against load cost, for one large document-log batch.

Loads a document-log CSV of N rows (default 1,000,000) into a fresh database R
times (default 5) and reports, from the ledger's timings, the median time to land
the file (read + COPY), to validate it (the Great Expectations suite on the landing
table, plus quarantine look-ups) and to publish it into raw. The goal: validation
at most 0.5x the load (land + publish).

    .venv/bin/python bench/validate.py [--rows N] [--repeats R]

Ends with a machine-readable line: validate_ratio=<validate / load>.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from common import checkpoint, fresh_database, median, server, table, write_document_log


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    wh = server()
    work = Path(wh.root).parent
    path = work / "documents.csv"
    clock = time.perf_counter()
    n = write_document_log(path, args.rows)
    print(f"wrote {n} rows ({path.stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - clock:.1f}s")
    from ingestion.load import ingest_file

    runs = []
    try:
        for i in range(args.repeats):
            url = fresh_database(wh, f"bench_validate_{i}")
            os.environ["DTI_WAREHOUSE_URL"] = url
            checkpoint(url)
            result = ingest_file("document_logs", path, url)
            t = result.timings
            runs.append([i + 1, result.rows_read, t["land_s"], t["publish_s"],
                         t["land_s"] + t["publish_s"], t["validate_s"]])
    finally:
        wh.destroy()
    print(table(["run", "rows", "land_s", "publish_s", "load_s", "validate_s"], runs))
    load = median([r[4] for r in runs])
    validate = median([r[5] for r in runs])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"median load {load:.2f}s, median validation {validate:.2f}s, "
          f"peak memory of this process {peak_mb:.0f} MB")
    print(f"validate_ratio={validate / load:.3f}")


if __name__ == "__main__":
    main()

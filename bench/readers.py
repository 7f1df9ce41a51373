"""How fast each export format is read, before any database: the readers alone.

For each layout the loader reads (the e-office log as CSV, as CSV with every cell
quoted, as Windows-1258 CSV and as JSON Lines; SOC alerts as Suricata EVE, Wazuh
alerts.json and the SOC portal's CSV), writes about N records of the sample
generators into a temporary folder and reads them through the source's reader, as
`dti ingest` does before COPY (values normalised, rows checked, nothing landed).
The baseline, in the same run: Python's `csv.reader` splitting the plain CSV log
into cells and nothing else.

    .venv/bin/python bench/readers.py [--records N] [--repeats R]

Ends with machine-readable lines: reader_ratio_<format>= (the format's seconds a
record / csv.reader's on the plain log).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from common import median, table

from dti.samples.alerts import write_portal_csv, write_suricata_eve, write_wazuh_alerts
from dti.samples.documents import document_events, write_document_csv, write_document_jsonl
from ingestion.sources import get_source
from ingestion.text import to_cp1258_form

MONTH = date(2025, 5, 1)


def formats(n: int) -> dict[str, tuple[str, str, Callable[[Path], object]]]:
    """name -> (source, file name, writer)."""
    def log(path: Path) -> None:
        write_document_csv(path, document_events(11, [MONTH], per_agency_month=n // 14))

    def quoted(path: Path) -> None:
        log(path.with_suffix(".plain"))
        with path.with_suffix(".plain").open(encoding="utf-8-sig", newline="") as src, \
                path.open("w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(
                csv.reader(src))

    def cp1258(path: Path) -> None:
        log(path.with_suffix(".plain"))
        text = path.with_suffix(".plain").read_bytes().decode("utf-8-sig")
        path.write_bytes(to_cp1258_form(text).encode("cp1258"))

    return {
        "log_csv": ("document_logs", "qlvb_2025-05.csv", log),
        "log_csv_quoted": ("document_logs", "qlvb_2025-05.csv", quoted),
        "log_csv_cp1258": ("document_logs", "qlvb_2025-05.csv", cp1258),
        "log_jsonl": ("document_logs", "qlvb_2025-05.jsonl", lambda p: write_document_jsonl(
            p, document_events(11, [MONTH], per_agency_month=n // 14))),
        "suricata_eve": ("soc_alerts", "eve_2025-05.json",
                         lambda p: write_suricata_eve(p, 11, MONTH, n)),
        "wazuh_alerts": ("soc_alerts", "wazuh_2025-05.json",
                         lambda p: write_wazuh_alerts(p, 11, MONTH, n)),
        "soc_portal_csv": ("soc_alerts", "soc_2025-05.csv",
                           lambda p: write_portal_csv(p, 11, MONTH, n)),
    }


def read_seconds(source: str, path: Path) -> tuple[float, int]:
    spec = get_source(source)
    start = time.perf_counter()
    rows = sum(1 for _ in spec.read(path, spec.config).rows)
    return time.perf_counter() - start, rows


def split_seconds(path: Path) -> float:
    start = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for _ in csv.reader(fh):
            pass
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dti-bench-readers-"))
    out, lines = [], []
    try:
        paths = {}
        for name, (source, file_name, write) in formats(args.records).items():
            folder = work / name
            folder.mkdir()
            write(folder / file_name)
            paths[name] = (source, folder / file_name)
        baseline = median([split_seconds(paths["log_csv"][1]) for _ in range(args.repeats)])
        _, base_rows = read_seconds(*paths["log_csv"])
        base_per_row = baseline / base_rows
        out.append(["csv.reader, plain log (baseline)", base_rows,
                    f"{paths['log_csv'][1].stat().st_size / 1e6:.0f}", baseline,
                    base_per_row * 1e6, 1.0])
        for name, (source, path) in paths.items():
            runs = [read_seconds(source, path) for _ in range(args.repeats)]
            seconds, rows = median([r[0] for r in runs]), runs[0][1]
            ratio = seconds / rows / base_per_row
            out.append([name, rows, f"{path.stat().st_size / 1e6:.0f}", seconds,
                        seconds / rows * 1e6, ratio])
            lines.append(f"reader_ratio_{name}={ratio:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"~{args.records} records per format, medians of {args.repeats} reads; "
          "ratio = seconds a record / csv.reader's on the plain log")
    print(table(["format", "rows", "MB", "seconds", "us/row", "ratio"], out))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

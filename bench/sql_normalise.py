"""Landing with the normalisation in SQL, against landing as `dti ingest` does it.

The alternative measured: `psql \\copy` of the received document log, as it came, into an
all-text table, then one statement that normalises it on the server the way the Python
reader does (Vietnamese dates and times, the enumerations folded and mapped, handlers
hashed). Each distinct text is read once, as the reader's caches do: the enumerations'
and the times' distinct values are mapped first (a million events hold ~65,000 distinct
times), then the rows are joined to those maps. It still leaves out what the reader
also does (every physical line counted, a record whose quote breaks split back into its
lines, the Invalid values noted, a keyed HMAC rather than a plain hash): a complete
version would cost more. Against it, the ledger's `land_s` of `dti ingest` on the
same file: reading, normalising and COPY together.

    .venv/bin/python bench/sql_normalise.py [--rows N] [--repeats R]

Ends with a machine-readable line: sql_land_ratio=<SQL way (copy + normalise) / dti's
land_s> (above 1: the SQL way is slower).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from common import checkpoint, fresh_database, median, server, table, write_document_log

from ingestion.sources import get_source

ENUMS = ["direction", "channel", "signature_kind", "processed_electronically"]
TIMES = ["received_at", "due_at", "completed_at"]
# The columns of the demo's log, in file order (the header maps them in the reader).
RECEIVED = ["document_id", "agency_code", *ENUMS, *TIMES, "handler", "handler_email",
            "secrecy"]

FOLD = ("btrim(regexp_replace(lower(translate({}, "
        "'àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐ', "
        "'aaaaaaaaaaaaaaaaadeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyD')), "
        "'[^a-z0-9]+', ' ', 'g'))")

DAY = ("case when m[2]::int between 1 and 12 and m[1]::int >= 1 and m[1]::int <= "
       "extract(day from make_date(m[3]::int, m[2]::int, 1) + interval '1 month - 1 day') "
       "and coalesce(m[5]::int, 0) <= 23 and coalesce(m[6]::int, 0) <= 59 "
       "and coalesce(m[7]::int, 0) <= 59 then make_timestamptz(m[3]::int, m[2]::int, "
       "m[1]::int, coalesce(m[5]::int, 0), coalesce(m[6]::int, 0), coalesce(m[7]::int, 0), "
       "'Asia/Ho_Chi_Minh') end")


def normalise_in_sql(conn: psycopg.Connection) -> None:
    spec = get_source("document_logs")
    conn.execute("create table enum_alias (col text, folded text, code text)")
    with conn.cursor().copy("copy enum_alias from stdin") as copy:
        for name in ENUMS:
            for folded, code in spec.config.column(name).values.items():
                copy.write_row([name, folded, code])
    conn.execute("create table enum_map as " + " union all ".join(
        f"select '{c}' as col, v, coalesce(a.code, btrim(v)) as code from "
        f"(select distinct {c} as v from received) as d left join enum_alias as a "
        f"on a.col = '{c}' and a.folded = {FOLD.format('d.v')}" for c in ENUMS))
    conn.execute(
        f"create table time_map as select v, {DAY} as t from (select v, regexp_match(v, "
        r"'^(\d{1,2})/(\d{1,2})/(\d{4})([ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$') as m "
        "from (select distinct btrim(x) as v from received, lateral (values "
        + ", ".join(f"({c})" for c in TIMES) + ") as y (x) where x <> '') as d "
        # offset 0: the match is made once per value, not once per use of its parts.
        "offset 0) as p")
    conn.execute("analyze enum_map, time_map")  # hash joins, not sorts of the million rows
    joins = [f"left join enum_map as e_{c} on e_{c}.col = '{c}' and e_{c}.v = r.{c}"
             for c in ENUMS]
    joins += [f"left join time_map as t_{c} on t_{c}.v = btrim(r.{c})" for c in TIMES]
    conn.execute(
        "create table landed as select r.document_id, r.agency_code, "
        + ", ".join(f"e_{c}.code as {c}" for c in ENUMS) + ", "
        + ", ".join(f"t_{c}.t as {c}" for c in TIMES) + ", "
        "left(encode(sha256(convert_to('salt' || lower(normalize(r.handler, NFC)), 'UTF8')),"
        " 'hex'), 32) as handler, r.handler_email from received as r " + " ".join(joins)
        + f" where {FOLD.format('coalesce(r.secrecy, %s)')} = ''", ("",))


def sql_way(url: str, path: Path) -> tuple[float, float, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table received (" + ", ".join(f"{c} text" for c in RECEIVED)
                     + ")")
    checkpoint(url)
    clock = time.perf_counter()
    subprocess.run([shutil.which("psql") or "psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    f"\\copy received from '{path}' with (format csv, header true)"],
                   check=True)
    copy_s = time.perf_counter() - clock
    with psycopg.connect(url, autocommit=True) as conn:
        clock = time.perf_counter()
        normalise_in_sql(conn)
        normalise_s = time.perf_counter() - clock
        (rows,) = conn.execute("select count(*) from landed").fetchone()
    return copy_s, normalise_s, rows


def dti_land(url: str, path: Path) -> tuple[float, int]:
    checkpoint(url)
    subprocess.run([str(Path(sys.executable).with_name("dti")), "ingest", "document_logs",
                    str(path)], env={**os.environ, "DTI_WAREHOUSE_URL": url}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with psycopg.connect(url) as conn:
        land, rows = conn.execute("select (timings ->> 'land_s')::float, rows_loaded "
                                  "from meta.batches").fetchone()
    return land, rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    wh = server()
    path = Path(wh.root).parent / "documents.csv"
    write_document_log(path, args.rows)
    runs = []
    try:
        for i in range(args.repeats):
            copy_s, normalise_s, sql_rows = sql_way(fresh_database(wh, f"sql_{i}"), path)
            land_s, dti_rows = dti_land(fresh_database(wh, f"dti_{i}"), path)
            runs.append([i + 1, sql_rows, copy_s, normalise_s, copy_s + normalise_s,
                         dti_rows, land_s])
    finally:
        wh.destroy()
    print(table(["run", "sql_rows", "copy_s", "normalise_s", "sql_land_s", "dti_rows",
                 "dti_land_s"], runs))
    sql_land, dti = median([r[4] for r in runs]), median([r[6] for r in runs])
    print(f"sql_land_ratio={sql_land / dti:.3f}")


if __name__ == "__main__":
    main()

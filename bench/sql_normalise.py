"""Landing with the normalisation in SQL, against landing as `dti ingest` does it.

The alternative measured, in the best form found so far:
1. the received bytes after the header row streamed as they are into COPY (CSV format,
   the server transcoding from the file's encoding), one text column per cell and the
   line number from an identity column;
2. a scan per mapped column collects its distinct texts (enumerations, date-times,
   people), and the reader's own normalisers read each distinct text once, so the
   values mean exactly what they mean in the reader;
3. one statement writes the landing table: text columns trimmed, each mapped column
   looked up (a CASE for a short map, a JSON object for a long one), the state-secret
   rows left out.
Two more forms of step 3 leave the date-times to the server's own cast (datestyle DMY,
Vietnam time): "cast", as if every text were a valid date-time, and "guarded", the cast
behind a check of the text's form with the others noted per row, as the reader notes
them (what a faithful version needs: the cast alone reads 'now' or 'epoch' as times).
All three still leave out what the reader also does (a record whose quote breaks split
back into its lines, malformed rows quarantined instead of failing the COPY): a complete
version would cost more. `write_s` is the cost of writing the received rows a second
time with no normalisation at all: whatever the SQL, landing this way costs at least
copy_s + write_s.

    .venv/bin/python bench/sql_normalise.py [--rows N] [--repeats R]

Ends with machine-readable lines: sql_land_ratio=, cast_land_ratio=, guarded_land_ratio=
<that way (copy + maps + normalise) / dti's land_s> (above 1: the SQL way is slower).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from common import checkpoint, fresh_database, median, server, table, write_document_log
from psycopg import sql

from ingestion.source_config import SourceConfig
from ingestion.sources import get_source
from ingestion.sources.tabular import ReportLayout, read_layout
from ingestion.text import Invalid, fold

# Python's codec name -> PostgreSQL's, for the encodings the reader detects.
PG_ENCODING = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "cp1258": "WIN1258"}
SHORT_MAP = 256  # values a CASE holds before a JSON object looks up faster


def received_columns(layout: ReportLayout) -> list[str]:
    return [f"cell_{i + 1}" for i in range(layout.header_cells)]


def stream_into_copy(conn: psycopg.Connection, path: Path, layout: ReportLayout) -> None:
    assert layout.encoding is not None
    cells = received_columns(layout)
    conn.execute(sql.SQL(
        "create table received (_row_number integer generated always as identity "
        "(start with {}), {})").format(
        sql.Literal(layout.header_row + 1),
        sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in cells)))
    with path.open("rb") as fh:
        for _ in range(layout.header_row):
            fh.readline()
        with conn.cursor().copy(sql.SQL(
                "copy received ({}) from stdin with (format csv, freeze, encoding {})").format(
                sql.SQL(", ").join(map(sql.Identifier, cells)),
                sql.Literal(PG_ENCODING[layout.encoding]))) as copy:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)


def distinct_maps(conn: psycopg.Connection, layout: ReportLayout, config: SourceConfig,
                  times: str = "maps") -> dict[int, dict[str, str | None]]:
    """Cell position -> {received text: landed value}, the reader's normaliser applied
    to each distinct text once (date-times left to the server's own cast unless
    ``times`` is "maps")."""
    by_name = {c.name: c for c in config.columns}
    mapped = {pos: by_name[name] for pos, name in zip(layout.keep, layout.columns, strict=True)
              if name in by_name and by_name[name].repeats
              and (times == "maps" or by_name[name].type != "timestamp")}
    cells = received_columns(layout)
    # A distinct scan per column: measured faster than one scan with grouping sets
    # (3.4-3.9 s against 1.1 s on a million events).
    query = sql.SQL(" union all ").join(
        sql.SQL("(select distinct {}, {} from received where {} is not null)").format(
            sql.Literal(p), sql.Identifier(cells[p]), sql.Identifier(cells[p]))
        for p in mapped)
    maps: dict[int, dict[str, str | None]] = {p: {} for p in mapped}
    normalisers = {p: column.normaliser() for p, column in mapped.items()}
    for position, text in conn.execute(query):
        value = normalisers[position](text)
        maps[position][text] = None if type(value) is Invalid or value == "" else value
    return maps


# The forms the reader reads as a date-time: d/m/yyyy[ H:MM[:SS]] and ISO 8601. The
# server's cast alone would also read 'now', 'today', 'epoch' or '8 March 2025' as
# times, so a faithful cast is guarded by the form; a text in another form is noted as
# an invalid value, as the reader notes it. (A text of the form that is no real
# date-time, 31/02, still fails the statement: the careful reader would take over.)
TIME_FORMS = (r"^(\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?"
              r"|\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
              r"(Z|[+-]\d{2}(:?\d{2})?)?)?)$")


def lookup(column: sql.Composable, mapping: dict[str, str | None]) -> sql.Composable:
    if len(mapping) <= SHORT_MAP:
        return sql.SQL("case {} {} end").format(column, sql.SQL(" ").join(
            sql.SQL("when {} then {}").format(sql.Literal(k), sql.Literal(v))
            for k, v in mapping.items()))
    return sql.SQL("{}::jsonb ->> {}").format(sql.Literal(json.dumps(mapping)), column)


def write_landing(conn: psycopg.Connection, layout: ReportLayout, config: SourceConfig,
                  maps: dict[int, dict[str, str | None]], times: str = "maps") -> None:
    """``times``: "maps" (the reader's normaliser per distinct text), "cast" (the
    server's date-time cast, as if every text were valid), "guarded" (the cast behind
    a check of the text's form, the others noted per row in ``_invalid_values``)."""
    cells = [sql.Identifier(c) for c in received_columns(layout)]
    typed = {c.name for c in config.columns if c.type == "timestamp"}
    noted: list[sql.Composable] = []

    def pick(p: int, name: str) -> sql.Composable:
        if p in maps:
            return lookup(cells[p], maps[p])
        if name not in typed or times == "maps":
            return sql.SQL("nullif(btrim({}), '')").format(cells[p])
        text = sql.SQL("nullif(btrim({}), '')").format(cells[p])
        if times == "cast":
            return sql.SQL("{}::timestamptz").format(text)
        # Measured on a million texts: the form's regular expression ~1.3 us a text,
        # a shape by translate() ~0.8 us, the cast itself ~0.25 us; checked in a
        # lateral query once a row, it cost more than twice inline.
        form = sql.SQL("{} ~ {}").format(text, sql.Literal(TIME_FORMS))
        noted.append(sql.SQL("case when not {} then {} end").format(form, sql.Literal(name)))
        return sql.SQL("case when {} then {}::timestamptz end").format(form, text)

    if times != "maps":  # d/m/yyyy read day first; no offset means Vietnam time
        conn.execute("set datestyle to 'ISO, DMY'")
        conn.execute("set timezone to 'Asia/Ho_Chi_Minh'")
    picks = [sql.SQL("{} as {}").format(pick(p, name), sql.Identifier(name))
             for p, name in zip(layout.keep, layout.columns, strict=True)]
    if noted:
        picks.append(sql.SQL("array_remove(array[{}], null) as _invalid_values").format(
            sql.SQL(", ").join(noted)))
    where = sql.SQL("")
    if layout.exclude_at is not None:
        secret = sql.Identifier(received_columns(layout)[layout.exclude_at])
        marks = [t for (t,) in conn.execute(sql.SQL("select distinct {} from received").format(
            secret)) if t is not None and fold(t) in config.exclude_values]
        where = sql.SQL(" where {} is null or {} <> all({})").format(secret, secret,
                                                                      sql.Literal(marks))
    conn.execute(sql.SQL("create table landed as select _row_number, {} from received{}").format(
        sql.SQL(", ").join(picks), where))


def sql_way(url: str, path: Path, times: str = "maps") -> list[float | int]:
    config = get_source("document_logs").config
    layout = read_layout(path, config)
    checkpoint(url)
    with psycopg.connect(url) as conn:
        clock = time.perf_counter()
        stream_into_copy(conn, path, layout)
        conn.commit()
        copy_s = time.perf_counter() - clock
        clock = time.perf_counter()
        maps = distinct_maps(conn, layout, config, times)
        maps_s = time.perf_counter() - clock
        clock = time.perf_counter()
        write_landing(conn, layout, config, maps, times)
        conn.commit()
        normalise_s = time.perf_counter() - clock
        (rows,) = conn.execute("select count(*) from landed").fetchone()
        clock = time.perf_counter()
        conn.execute("create table written as select * from received")
        conn.commit()
        write_s = time.perf_counter() - clock
    return [rows, copy_s, maps_s, normalise_s, write_s, copy_s + maps_s + normalise_s]


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
            measured = sql_way(fresh_database(wh, f"sql_{i}"), path)
            cast = sql_way(fresh_database(wh, f"cast_{i}"), path, "cast")
            guarded = sql_way(fresh_database(wh, f"guarded_{i}"), path, "guarded")
            land_s, dti_rows = dti_land(fresh_database(wh, f"dti_{i}"), path)
            runs.append([i + 1, *measured, *cast[1:4], cast[5], guarded[3], guarded[5],
                         dti_rows, land_s])
    finally:
        wh.destroy()
    print(table(["run", "sql_rows", "copy_s", "maps_s", "normalise_s", "write_s",
                 "sql_land_s", "cast_copy_s", "cast_maps_s", "cast_normalise_s",
                 "cast_land_s", "guarded_normalise_s", "guarded_land_s", "dti_rows",
                 "dti_land_s"], runs))
    dti = median([r[14] for r in runs])
    for name, column in (("sql", 6), ("cast", 10), ("guarded", 12)):
        print(f"{name}_land_ratio={median([r[column] for r in runs]) / dti:.3f}")


if __name__ == "__main__":
    main()

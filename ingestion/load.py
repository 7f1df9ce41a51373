"""Load one agency export: land it, validate it, split it into raw and quarantine.

Steps, each leaving the ledger truthful:
1. hash the file; the same file already loaded is recorded as ``skipped``;
2. stream its rows as text with COPY into a landing table (PostgreSQL does the typing);
3. run the source's Great Expectations suite on the landing table;
4. table-level failure: the batch is ``rejected``, nothing reaches raw, the file stays;
5. otherwise, in one transaction: earlier loads of the same (source, agency, period)
   are removed and marked ``superseded``, failing rows go to quarantine with their
   rules, the rest to raw, and the ledger row says how many went where.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from ingestion import ledger
from ingestion.ledger import BatchResult
from ingestion.registry import code_for_name, sync_registry
from ingestion.source_config import RAW_CASTS, SourceConfig
from ingestion.sources import SourceSpec, get_source
from ingestion.sources.base import ReportFormatError
from ingestion.text import Invalid
from ingestion.validation import ROW_KEY, ValidationOutcome, validate_table
from ingestion.warehouse import warehouse_url

log = logging.getLogger(__name__)

LANDING_SCHEMA = "landing"
PERIOD_MONTH = "period_month"  # landed for sources whose export states its period


class BatchRejected(RuntimeError):
    """The file failed a table-level rule; it was not loaded and is kept as received."""

    def __init__(self, result: BatchResult, messages: list[str]):
        self.result = result
        self.messages = messages
        super().__init__("\n".join(messages))


def _raw_casts(spec: SourceSpec) -> dict[str, str]:
    """raw column -> SQL expression template that types the landed text."""
    casts = {c.name: RAW_CASTS[c.type] for c in spec.config.stored_columns}
    if spec.period_column is None:
        casts[PERIOD_MONTH] = RAW_CASTS["date"]
    return casts


def _land(conn: psycopg.Connection, table: sql.Identifier, columns: list[str],
          rows, typed: dict[str, str]) -> int:
    """Create the landing table and COPY the rows in as text; return rows read.

    Columns are text, except those in ``typed`` (timestamps): the reader has already
    written every real date-time as ISO 8601, so PostgreSQL types them during the
    COPY, and a value the reader marked Invalid lands as null (its text is kept in
    the row's _invalid_values)."""
    conn.execute(sql.SQL("create table {} ({} integer primary key, {})").format(
        table, sql.Identifier(ROW_KEY),
        sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c),
                                                   sql.SQL(typed.get(c, "text")))
                           for c in columns),
    ))
    n = 0
    with conn.cursor().copy(sql.SQL("copy {} ({}, {}) from stdin").format(
        table, sql.Identifier(ROW_KEY), sql.SQL(", ").join(map(sql.Identifier, columns))
    )) as copy:
        for row_number, values in rows:
            copy.write_row([row_number, *(None if v == "" or type(v) is Invalid else v
                                          for v in values)])
            n += 1
    return n


def describe_row_failures(file_name: str, outcome: ValidationOutcome) -> list[str]:
    """One greppable line per failed rule and row: file, row, column, rule, value."""
    return [
        f"{file_name}:{row}: column {f.column}: rule {f.rule} ({f.expectation}) "
        f"failed: value {f.value!r}"
        for row, failures in sorted(outcome.row_failures.items())
        for f in failures
    ]


def _split_into_raw_and_quarantine(conn: psycopg.Connection, spec: SourceSpec,
                                   landing: sql.Identifier, result: BatchResult,
                                   outcome: ValidationOutcome) -> None:
    config = spec.config
    casts = _raw_casts(spec)
    bad = sorted(outcome.row_failures)
    if bad:
        failures = [{"_row_number": r, "failures": [f.as_json() for f in outcome.row_failures[r]]}
                    for r in bad]
        conn.execute(sql.SQL(
            "insert into {q} (_batch_id, _source_file, _row_number, record, failures) "
            "select %s, %s, b.{k}, to_jsonb(b) - {kl}, f.failures "
            "from {landing} b join jsonb_to_recordset(%s) as f({k} integer, failures jsonb) "
            "using ({k})"
        ).format(q=sql.Identifier("quarantine", config.raw_table), k=sql.Identifier(ROW_KEY),
                 kl=sql.Literal(ROW_KEY), landing=landing),
            (result.batch_id, result.source_file, Jsonb(failures)))
    cols = list(casts)
    cur = conn.execute(sql.SQL(
        "insert into {raw} ({cols}, _batch_id, _source_file, _row_number) "
        "select {casts}, %s, %s, {k} from {landing} where not ({k} = any(%s))"
    ).format(
        raw=sql.Identifier("raw", config.raw_table),
        cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
        casts=sql.SQL(", ").join(
            sql.SQL(casts[c]).format(sql.Identifier(c)) for c in cols),
        k=sql.Identifier(ROW_KEY), landing=landing,
    ), (result.batch_id, result.source_file, bad))
    result.rows_loaded = cur.rowcount
    result.rows_quarantined = len(bad)


def _replace_partition(conn: psycopg.Connection, config: SourceConfig,
                       result: BatchResult) -> None:
    old = ledger.supersede_partition(conn, result)
    if old:
        for schema in ("raw", "quarantine"):
            conn.execute(sql.SQL("delete from {} where _batch_id = any(%s)").format(
                sql.Identifier(schema, config.raw_table)), (old,))
        log.info("batch %s replaces batches %s for %s %s", result.batch_id, old,
                 result.agency_code, result.period)


def ingest_file(source: str, path: Path | str, url: str | None = None) -> BatchResult:
    """Load one file of ``source``; raise BatchRejected on a table-level failure."""
    path = Path(path)
    spec = get_source(source)
    url = url or warehouse_url()
    sha = ledger.file_sha256(path)
    with psycopg.connect(url, autocommit=True) as conn:
        # Quarantined records show times as the agencies think of them.
        conn.execute("set timezone to 'Asia/Ho_Chi_Minh'")
        for dead in ledger.reap_interrupted(conn, LANDING_SCHEMA):
            log.warning("batch %s was interrupted earlier: marked failed, cleaned up", dead)
        batch_id = ledger.open_batch(conn, source, str(path), sha, path.stat().st_size)
        result = BatchResult(batch_id, source, path.name, "running", sha256=sha)
        duplicate = ledger.previous_load(conn, source, sha)
        if duplicate is not None:
            ledger.record_skip(conn, batch_id, duplicate)
            result.status, result.duplicate_of = "skipped", duplicate
            log.info("%s: same file already loaded by batch %s; skipped", path.name, duplicate)
            return result
        landing_name = f"{source}_b{batch_id}"
        try:
            return _load_new_file(conn, url, spec, path, landing_name, result)
        except BatchRejected:
            raise
        except Exception as exc:
            result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
            ledger.close_batch(conn, result)
            raise
        finally:
            conn.execute(sql.SQL("drop table if exists {}").format(
                sql.Identifier(LANDING_SCHEMA, landing_name)))


def _partition(conn: psycopg.Connection, spec: SourceSpec, landing: sql.Identifier,
               stated_period: str | None) -> tuple[str | None, str | None]:
    """(agency, period) of a landed file: the one province its agencies belong to, and
    the month it reports (stated in the export, or spanned by its event times)."""
    provinces = [r[0] for r in conn.execute(sql.SQL(
        "select distinct '000.00.00.' || split_part(agency_code, '.', 4) from {} "
        "where agency_code ~ '^[0-9]{{3}}[.][0-9]{{2}}[.][0-9]{{2}}[.][A-Z][0-9]{{2}}$'"
    ).format(landing))]
    agency = provinces[0] if len(provinces) == 1 else None
    if spec.period_column is None:
        return agency, stated_period
    first, last = conn.execute(sql.SQL(
        "select to_char(min(t), 'YYYY-MM'), to_char(max(t), 'YYYY-MM') from ("
        "select {} at time zone 'Asia/Ho_Chi_Minh' as t "
        "from {}) as s").format(sql.Identifier(spec.period_column), landing)).fetchone()
    return agency, (first if first == last else f"{first}/{last}" if first else None)


# A file with fewer than half or more than twice the records of the same stream's
# recent files (median of the last three) fails the row_count_in_band rule.
_BAND = (0.5, 2.0)


def _row_count_band(conn: psycopg.Connection, result: BatchResult) -> dict[str, int]:
    history = sorted(ledger.recent_row_counts(conn, result))
    if not history:
        return {"row_count_min": 0, "row_count_max": 2**62}
    median = history[len(history) // 2]
    return {"row_count_min": int(median * _BAND[0]), "row_count_max": int(median * _BAND[1])}


def _codes_from_names(extract) -> Iterator[tuple[int, list[str | None]]]:
    """Exports that name an agency but give no code get the registry's code for it."""
    cols = extract.columns
    if "agency_code" not in cols or "agency_name" not in cols:
        return extract.rows
    code_at, name_at = cols.index("agency_code"), cols.index("agency_name")

    def filled():
        for n, values in extract.rows:
            if not values[code_at] and values[name_at]:
                values[code_at] = code_for_name(values[name_at], extract.period)
            yield n, values

    return filled()


def _load_new_file(conn: psycopg.Connection, url: str, spec: SourceSpec, path: Path,
                   landing_name: str, result: BatchResult) -> BatchResult:
    landing = sql.Identifier(LANDING_SCHEMA, landing_name)
    try:
        extract = spec.read(path, spec.config)
    except ReportFormatError as exc:
        _reject(conn, result, [str(exc)])
    columns, rows = list(extract.columns), _codes_from_names(extract)
    stated = f"{extract.period:%Y-%m}" if extract.period else None
    if spec.period_column is None:
        period_value = extract.period.isoformat() if extract.period else None
        columns.append(PERIOD_MONTH)
        rows = ((n, [*values, period_value]) for n, values in _codes_from_names(extract))

    clock = time.perf_counter()
    with conn.transaction():
        sync_registry(conn)  # validation reads the registry as committed now
        typed = {c.name: "timestamptz" for c in spec.config.columns if c.type == "timestamp"}
        landed = _land(conn, landing, columns, rows, typed)
    result.timings["land_s"] = round(time.perf_counter() - clock, 3)
    result.rows_excluded = sum(extract.excluded.values())
    result.rows_read = landed + result.rows_excluded
    result.agency_code, result.period = _partition(conn, spec, landing, stated)
    result.stream = extract.stream

    clock = time.perf_counter()
    outcome = validate_table(url, LANDING_SCHEMA, landing_name, spec.name,
                             _row_count_band(conn, result))
    _record_validation(conn, result, outcome)
    result.timings["validate_s"] = round(time.perf_counter() - clock, 3)
    if outcome.rejected:
        _reject(conn, result, [
            f"{path.name}: rule {f.rule} ({f.expectation}) failed"
            + (f" on column {f.column}" if f.column else "")
            + f": observed {f.value!r}" + (f" [{f.description}]" if f.description else "")
            for f in outcome.table_failures
        ])

    clock = time.perf_counter()
    with conn.transaction():
        # Two loads of one partition at once would both delete and insert: serialise them.
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))",
                     (f"{result.source}|{result.stream}|{result.agency_code}|{result.period}",))
        _replace_partition(conn, spec.config, result)
        _split_into_raw_and_quarantine(conn, spec, landing, result, outcome)
        result.status = "loaded"
        notes = []
        if outcome.row_failures:
            rules = Counter(f.rule for fs in outcome.row_failures.values() for f in fs)
            notes.append(f"{result.rows_quarantined} rows quarantined: " + ", ".join(
                f"{rule} x{n}" for rule, n in rules.most_common()))
        for w in outcome.warnings:
            notes.append(f"warning: rule {w.rule} failed (observed {w.value})")
            log.warning("%s: rule %s failed (observed %s): %s", path.name, w.rule, w.value,
                        w.description)
        if extract.excluded:
            notes.append("excluded: " + ", ".join(
                f"{reason} x{n}" for reason, n in sorted(extract.excluded.items())))
        result.error = "; ".join(notes) or None
        result.timings["publish_s"] = round(time.perf_counter() - clock, 3)
        ledger.close_batch(conn, result)
    for line in describe_row_failures(path.name, outcome):
        log.warning(line)
    return result


def _record_validation(conn: psycopg.Connection, result: BatchResult,
                       outcome: ValidationOutcome) -> None:
    failed = sum(1 for r in outcome.results if not r["success"])
    with conn.transaction():
        row = conn.execute(
            "insert into dq.validation_runs (batch_id, suite, success, expectations_evaluated, "
            "expectations_failed, result) values (%s, %s, %s, %s, %s, %s) returning run_id",
            (result.batch_id, outcome.suite, failed == 0, len(outcome.results), failed,
             Jsonb(outcome.document)),
        ).fetchone()
        assert row is not None
        with conn.cursor() as cur:
            cur.executemany(
                "insert into dq.expectation_results (run_id, batch_id, suite, expectation_type, "
                "rule, level, column_name, success, element_count, unexpected_count, "
                "observed_value, kwargs) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(row[0], result.batch_id, outcome.suite, r["expectation_type"], r["rule"],
                  r["level"], r["column_name"], r["success"], r["element_count"],
                  r["unexpected_count"], Jsonb(r["observed_value"]), Jsonb(r["kwargs"]))
                 for r in outcome.results],
            )


def _reject(conn: psycopg.Connection, result: BatchResult, messages: list[str]) -> None:
    result.status, result.error = "rejected", "; ".join(messages)
    result.rows_loaded = result.rows_quarantined = 0
    ledger.close_batch(conn, result)
    raise BatchRejected(result, messages)

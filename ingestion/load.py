"""Load one agency export: land it, validate it, split it into raw and quarantine.

Steps, each leaving the ledger truthful:
1. hash the file; the same file already loaded is recorded as ``skipped``;
2. stream its rows as text with COPY into a landing table (PostgreSQL does the typing);
3. run the source's Great Expectations suite on the landing table;
4. table-level failure, more of its rows failing row rules than ``quarantine_share``
   allows, or agencies of the load it would replace left out: the batch is
   ``rejected``, nothing reaches raw, the file stays;
5. otherwise, in one transaction: earlier loads of the same (source, agency, period)
   are removed and marked ``superseded``, failing rows go to quarantine with their
   rules, the landing table with the rest becomes the batch's partition of raw
   (``ingestion.publish``), and the ledger row says how many went where.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from dti.warehouse.connection import warehouse_url
from ingestion import ledger, partition, publish
from ingestion.ledger import BatchResult
from ingestion.limits import limits
from ingestion.methodology_catalogue import sync_components
from ingestion.registry import code_for_name, sync_registry
from ingestion.source_config import RAW_CASTS, SourceConfig
from ingestion.sources import SourceSpec, get_source
from ingestion.sources.base import (
    Extract,
    LineTally,
    ReportFormatError,
    Row,
    RowBlock,
    each_row,
)
from ingestion.text import Invalid, printable, vietnam_month_of
from ingestion.validation import (
    ROW_KEY,
    RuleFailure,
    ValidationOutcome,
    failed_table_name,
    load_suite_document,
    validate_table,
)
from ingestion.validation import prepare as prepare_validation

log = logging.getLogger(__name__)

LANDING_SCHEMA = "landing"
PERIOD_MONTH = "period_month"  # landed for sources whose export states its period


@dataclass(frozen=True)
class Failure:
    """Why a file was not loaded: the rule it broke and what, in words."""

    rule: str
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} (rule: {self.rule})"


class BatchRejected(RuntimeError):
    """The file failed a table-level rule; it was not loaded and is kept as received."""

    def __init__(self, result: BatchResult, failures: list[Failure]):
        self.result = result
        self.failures = failures
        super().__init__(self.line)

    @property
    def line(self) -> str:
        """All failures in one line, ``<file>: <reason> (rule: <rule>); ...``, with
        nothing in it (a file name, a value) able to break the line."""
        return printable(f"{self.result.source_file}: "
                         + "; ".join(map(str, self.failures)))


class LoadFailed(RuntimeError):
    """The load stopped for a reason outside the file (the warehouse went away); the
    file stays where it is for the next try."""

    def __init__(self, result: BatchResult, reason: str, rule: str):
        self.result, self.reason, self.rule = result, reason, rule
        super().__init__(printable(f"{result.source_file}: {reason} (rule: {rule})"))


def _raw_casts(spec: SourceSpec) -> dict[str, str]:
    """raw column -> SQL expression template that types the landed text."""
    casts = {c.name: RAW_CASTS[c.type] for c in spec.config.stored_columns}
    if spec.period_column is None:
        casts[PERIOD_MONTH] = RAW_CASTS["date"]
    return casts


def _land(conn: psycopg.Connection, table: sql.Identifier, columns: list[str],
          rows: Iterable[Row | RowBlock], typed: dict[str, str]) -> int:
    """Create the landing table and COPY the rows in as text; return rows read.

    Columns are text, except those in ``typed`` (timestamps): the reader has already
    written every real date-time as ISO 8601, so PostgreSQL types them during the
    COPY, and a value the reader marked Invalid lands as null (its text is kept in
    the row's _invalid_values)."""
    # No index: nothing looks a row up by its key before the table is published, and
    # FREEZE (the table is new in this transaction) writes the rows visible to all,
    # so validation's first scan does not rewrite every page to set hint bits.
    conn.execute(sql.SQL("create table {} ({} integer not null, {})").format(
        table, sql.Identifier(ROW_KEY),
        sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c),
                                                   sql.SQL(typed.get(c, "text")))
                           for c in columns),
    ))
    n = 0
    with conn.cursor().copy(sql.SQL("copy {} ({}, {}) from stdin with (freeze)").format(
        table, sql.Identifier(ROW_KEY), sql.SQL(", ").join(map(sql.Identifier, columns))
    )) as copy:
        for item in rows:
            if type(item) is RowBlock and item.text_safe:
                # A block in COPY's text format, built a column at a time, written at once.
                copy.write("\n".join(map("\t".join, zip(
                    map(str, item.numbers), *map(_copy_text, item.columns), strict=True)))
                    + "\n")
                n += len(item.numbers)
                continue
            for row_number, values in each_row([item]):
                copy.write_row([row_number, *(None if v == "" or type(v) is Invalid else v
                                              for v in values)])
                n += 1
    return n


def _copy_text(values: list[str | None]) -> list[str]:
    """A column as COPY's text format writes it: null for an empty or Invalid value."""
    if Invalid in map(type, values):
        return [v if v and type(v) is not Invalid else "\\N" for v in values]
    return [v or "\\N" for v in values]


def describe_row_failures(file_name: str, outcome: ValidationOutcome,
                          quarantined_in: str | None = None) -> list[str]:
    """One greppable line per failed rule and row, for the first failing rows (file,
    line, column, rule, value), then how many more rows failed (and, loaded, the
    quarantine table that holds them all)."""
    lines = [
        printable(f"{file_name}:{row}: column {f.column}: rule {f.rule} ({f.expectation}) "
                  f"failed: value {f.value!r}")
        for row, failures in sorted(outcome.first_failures.items()) for f in failures
    ]
    more = outcome.failing_rows - len(outcome.first_failures)
    if more > 0:
        held = f": every one, with its rules, is in {quarantined_in}" if quarantined_in else ""
        lines.append(printable(
            f"{file_name}: {more} more rows failed row rules ({outcome.rules_hit()}){held}"))
    return lines


def _publish(conn: psycopg.Connection, spec: SourceSpec, landing_name: str,
             result: BatchResult, outcome: ValidationOutcome) -> None:
    """Failing rows to quarantine with their rules; the landing table, without them,
    becomes the batch's raw partition (after the partition's earlier loads are gone)."""
    config = spec.config
    landing = sql.Identifier(LANDING_SCHEMA, landing_name)
    publish.lock_for_publishing(conn, config.raw_table)
    if outcome.failing_rows:
        publish.quarantine_failing_rows(conn, landing, outcome.failed_table, ROW_KEY,
                                        config.raw_table, result.batch_id,
                                        result.source_file)
    # The landing table now holds what would be published: compared with what it replaces.
    _replace_partition(conn, config, landing, result, outcome)
    result.rows_loaded = publish.attach_landing(
        conn, LANDING_SCHEMA, landing_name, config.raw_table, _raw_casts(spec),
        result.batch_id, result.source_file)
    result.rows_quarantined = outcome.failing_rows


def _replace_partition(conn: psycopg.Connection, config: SourceConfig,
                       landing: sql.Identifier, result: BatchResult,
                       outcome: ValidationOutcome) -> None:
    old = ledger.supersede_partition(conn, result)
    if old:
        # Both told at once: a partial export usually breaks both, and each names the
        # limit that lets it through.
        refusals = [f for f in (_agencies_left_out(conn, config, landing, result, old),
                                _rows_dropped(conn, result, outcome, old)) if f is not None]
        if refusals:
            raise _Refused(refusals)
        publish.drop_batches(conn, config.raw_table, old)
        log.info("batch %s replaces batches %s for %s %s", result.batch_id, old,
                 result.agency_code, result.period)


def file_problem(path: Path) -> Failure | None:
    """What makes a path unloadable before a byte of it is read, if anything."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return Failure("file_readable", "no such file")
    except OSError as exc:
        return Failure("file_readable", f"the file cannot be read ({exc.strerror})")
    if not stat.S_ISREG(info.st_mode):
        return Failure("file_readable", "not a regular file")
    if not os.access(path, os.R_OK):
        return Failure("file_readable", "the file cannot be read (permission denied)")
    size_limit = limits().file_bytes
    if info.st_size > size_limit:
        return Failure("file_size", f"{info.st_size} bytes, more than the {size_limit} allowed")
    return None


def ingest_file(source: str, path: Path | str, url: str | None = None, *,
                reload: bool = False) -> BatchResult:
    """Load one file of ``source``; raise BatchRejected when the file is refused,
    LoadFailed when the load stopped for a reason outside the file. A file loaded
    before is skipped, unless ``reload`` (a version a later file replaced, brought
    back: it replaces that file's load as any delivery would)."""
    path = Path(path)
    spec = get_source(source)
    url = url or warehouse_url()
    with psycopg.connect(url, autocommit=True) as conn:
        # Quarantined records show times as the agencies think of them.
        conn.execute("set timezone to 'Asia/Ho_Chi_Minh'")
        for dead in ledger.reap_interrupted(conn, LANDING_SCHEMA):
            log.warning("batch %s was interrupted earlier: marked failed, cleaned up", dead)
        problem = file_problem(path)
        sha, size = None, None
        if problem is None:
            try:
                sha, size = ledger.file_sha256(path), path.stat().st_size
            except OSError as exc:
                problem = Failure("file_readable", f"the file cannot be read ({exc.strerror})")
        batch_id = ledger.open_batch(conn, source, str(path), sha, size)
        result = BatchResult(batch_id, source, path.name, "running", sha256=sha or "")
        if problem is not None:
            _reject(conn, result, [problem])
        duplicate = None if reload else ledger.previous_load(conn, source, sha)
        if duplicate is not None:
            ledger.record_skip(conn, batch_id, duplicate)
            result.status, result.duplicate_of = "skipped", duplicate
            log.info("%s: same file already loaded by batch %s; skipped", printable(path.name),
                     duplicate)
            return result
        landing_name = f"{source}_b{batch_id}"
        try:
            return _load_new_file(conn, url, spec, path, landing_name, result)
        except BatchRejected:
            raise
        except psycopg.OperationalError as exc:
            raise _failed(conn, result, "warehouse_available",
                          f"the warehouse connection was lost: {_first_line(exc)}") from exc
        except Exception as exc:
            raise _failed(conn, result, "load_completed",
                          f"{type(exc).__name__}: {_first_line(exc)}") from exc
        finally:
            if not conn.closed:
                with contextlib.suppress(psycopg.Error):
                    conn.execute(sql.SQL("drop table if exists {}, {}").format(
                        sql.Identifier(LANDING_SCHEMA, landing_name),
                        sql.Identifier(LANDING_SCHEMA, failed_table_name(landing_name))))


def _table_failure_reason(source: str, f: RuleFailure) -> str:
    """What a table-level rule found, in words; schema drift as the columns that differ."""
    if f.rule == "schema_matches" and isinstance(f.value, list):
        declared = next(e["kwargs"]["column_set"] for e in load_suite_document(source)
                        ["expectations"] if e["meta"].get("rule") == "schema_matches")
        extra = sorted(set(f.value) - set(declared))
        missing = sorted(set(declared) - set(f.value))
        return (f"the columns differ from the declaration: not declared {extra}, "
                f"missing {missing} [{f.description}]")
    return (f"{f.expectation} failed" + (f" on column {f.column}" if f.column else "")
            + f": observed {_short(repr(f.value))}"
            + (f" [{f.description}]" if f.description else ""))


def _short(text: str, limit: int = 200) -> str:
    """A value as it may stand in a one-line message."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def _failed(conn: psycopg.Connection, result: BatchResult, rule: str, reason: str) -> LoadFailed:
    """Record the failure in the ledger if the warehouse still answers; a batch it
    cannot record stays 'running' and the next load marks it failed."""
    result.status, result.error = "failed", f"{reason} (rule: {rule})"
    with contextlib.suppress(psycopg.Error):
        if not conn.closed:
            ledger.close_batch(conn, result)
    return LoadFailed(result, reason, rule)


# A file with fewer than half or more than twice the records of the same stream's
# recent files (median of the last three) fails the row_count_in_band rule.
_BAND = (0.5, 2.0)


def _row_count_band(conn: psycopg.Connection, result: BatchResult) -> dict[str, int]:
    history = sorted(ledger.recent_row_counts(conn, result))
    if not history:
        return {"row_count_min": 0, "row_count_max": 2**62}
    median = history[len(history) // 2]
    # A month still under way (a pull delivers it again as it grows) has no floor yet.
    running = result.period is not None and result.period >= vietnam_month_of(
        datetime.now(UTC))
    return {"row_count_min": 0 if running else int(median * _BAND[0]),
            "row_count_max": int(median * _BAND[1])}



def _landing_rows(spec: SourceSpec, extract: Extract
                  ) -> tuple[list[str], Iterable[Row | RowBlock]]:
    """The columns to land and their rows. Exports that name an agency but give no
    code get the registry's code for it; reports, their period. Rows that need
    neither come in blocks as the reader made them."""
    columns = list(extract.columns)
    names = "agency_code" in columns and "agency_name" in columns
    if not names and spec.period_column is not None:
        return columns, extract.items
    rows = extract.rows
    if names:
        code_at, name_at = columns.index("agency_code"), columns.index("agency_name")

        def filled(rows: Iterable[Row]) -> Iterator[Row]:
            for n, values in rows:
                if not values[code_at] and values[name_at]:
                    values[code_at] = code_for_name(values[name_at], extract.period)
                yield n, values

        rows = filled(rows)
    if spec.period_column is None:
        period_value = extract.period.isoformat() if extract.period else None
        columns.append(PERIOD_MONTH)
        rows = ((n, [*values, period_value]) for n, values in rows)
    return columns, rows


def _read_and_land(conn: psycopg.Connection, spec: SourceSpec, path: Path,
                   landing: sql.Identifier, result: BatchResult) -> Extract:
    """Read the file into the landing table; a file that cannot be read is rejected,
    also when the problem shows only halfway through (the landing rolls back)."""
    try:
        extract = spec.read(path, spec.config)
        columns, rows = _landing_rows(spec, extract)
        with conn.transaction():
            sync_registry(conn)  # validation reads the registry as committed now
            sync_components(conn)  # and the components a self-assessment may give
            typed = {c.name: "timestamptz" for c in spec.config.columns
                     if c.type == "timestamp"}
            landed = _land(conn, landing, columns, rows, typed)
    except ReportFormatError as exc:
        _reject(conn, result, [Failure(exc.rule, exc.reason)])
    except UnicodeError as exc:
        _reject(conn, result, [Failure("encoding", f"the file is not valid text ({exc})")])
    except OSError as exc:
        _reject(conn, result, [Failure("file_readable",
                                       f"the file cannot be read ({exc.strerror or exc})")])
    result.rows_excluded = sum(extract.excluded.values())
    result.rows_read = landed + result.rows_excluded
    result.stream = extract.stream
    return extract


def _load_new_file(conn: psycopg.Connection, url: str, spec: SourceSpec, path: Path,
                   landing_name: str, result: BatchResult) -> BatchResult:
    landing = sql.Identifier(LANDING_SCHEMA, landing_name)
    clock = time.perf_counter()
    extract = _read_and_land(conn, spec, path, landing, result)
    result.timings["land_s"] = round(time.perf_counter() - clock, 3)
    part = partition.decide(conn, landing, path, extract.period, spec.period_column)
    result.agency_code, result.period = part.province, part.period
    result.partition_basis = part.basis

    prepare_validation()
    clock = time.perf_counter()
    outcome = validate_table(url, LANDING_SCHEMA, landing_name, spec.name,
                             _row_count_band(conn, result), partition.query_parameters(part))
    _record_validation(conn, result, outcome)
    result.timings["validate_s"] = round(time.perf_counter() - clock, 3)
    if outcome.rejected:
        failures = outcome.table_failures
        # A rule that could not run on a drifted schema only repeats the drift.
        if any(f.rule == "schema_matches" for f in failures):
            failures = [f for f in failures if f.description != "expectation could not run"]
        _reject(conn, result, [Failure(f.rule, _table_failure_reason(spec.name, f))
                               for f in failures])
    _refuse_if_mostly_failing(conn, result, outcome, path.name)
    if not part.decided:
        _reject(conn, result, [Failure(
            "partition_declared",
            "cannot tell which " + ("province" if part.province is None else "month")
            + " the file reports: " + ("no row names a registered agency"
                                       if part.province is None else
                                       "no period in its title rows, its records or its name"))])

    clock = time.perf_counter()
    try:
        with conn.transaction():
            # Two loads of one partition at once would both delete and insert: serialise
            # them (and compare with the load this one replaces once it cannot change).
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))",
                         (f"{result.source}|{result.stream}|{result.agency_code}"
                          f"|{result.period}",))
            _publish(conn, spec, landing_name, result, outcome)
            _count_lines(conn, extract.lines, outcome, result)
            result.status = "loaded"
            notes = []
            if outcome.failing_rows:
                notes.append(f"{result.rows_quarantined} rows quarantined: "
                             + outcome.rules_hit())
            for w in outcome.warnings:
                notes.append(f"warning: rule {w.rule} failed (observed {w.value})")
                log.warning("%s: rule %s failed (observed %s): %s", path.name, w.rule,
                            w.value, w.description)
            if extract.excluded:
                notes.append("excluded: " + ", ".join(
                    f"{reason} x{n}" for reason, n in sorted(extract.excluded.items())))
            result.error = "; ".join(notes) or None
            result.timings["publish_s"] = round(time.perf_counter() - clock, 3)
            ledger.close_batch(conn, result)
    except _Refused as refused:  # rolled back: nothing replaced, nothing published
        _reject(conn, result, refused.failures)
    for line in describe_row_failures(path.name, outcome,
                                      f"quarantine.{spec.config.raw_table}"):
        log.warning(line)
    return result


class _Refused(Exception):
    """Rules refused the file inside the publishing transaction."""

    def __init__(self, failures: list[Failure]):
        super().__init__("; ".join(map(str, failures)))
        self.failures = failures


def _refuse_if_mostly_failing(conn: psycopg.Connection, result: BatchResult,
                              outcome: ValidationOutcome, file_name: str) -> None:
    """Refuse a file most of whose rows fail row rules. Loaded, it would replace the
    partition's earlier batch (a whole month of an agency's rows) with the few rows it
    could load: a changed export format, a wrong column mapping or a registry that lacks
    the agencies would empty the month in the marts, warnings aside."""
    rows = result.rows_read - result.rows_excluded
    failing = outcome.failing_rows
    allowed = limits().quarantine_share
    if not rows or failing <= allowed * rows:
        return
    for line in describe_row_failures(file_name, outcome):  # with -v
        log.info(line)
    first = min(outcome.first_failures)  # the reason names it
    f = outcome.first_failures[first][0]
    _reject(conn, result, [Failure("quarantine_share", (
        f"{failing} of {rows} rows fail row rules ({failing / rows:.0%}: "
        + outcome.rules_hit(3)
        + f"; the first, line {first}: column {f.column}: rule {f.rule}, value "
        f"{_short(repr(f.value), 80)}), more than the {allowed:.0%} a file may lose to "
        "quarantine: the export looks broken as a whole, so nothing was loaded and the "
        "month's earlier load, if any, stays"))])


def _agencies_left_out(conn: psycopg.Connection, config: SourceConfig,
                       landing: sql.Identifier, result: BatchResult,
                       replaced: list[int]) -> Failure | None:
    """Why to refuse a file that would replace the month's load but leaves out agencies it
    loaded (an agency whose rows are all quarantined too): a partial export (one
    department's report, a system that exported some agencies only) would remove their
    month from the marts, where the index scores a missing month as nothing."""
    before = {r[0] for r in conn.execute(sql.SQL(
        "select distinct agency_code from {} where _batch_id = any(%s) "
        "and agency_code is not null").format(sql.Identifier("raw", config.raw_table)),
        (replaced,))}
    now = {r[0] for r in conn.execute(sql.SQL(
        "select distinct agency_code from {} where agency_code is not null").format(landing))}
    left_out = sorted(before - now)
    allowed = limits().replaced_agencies_left_out
    if not left_out or len(left_out) <= allowed * len(before):
        return None
    named = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more"
                                       if len(left_out) > 5 else "")
    return _replacement_refused(
        "agencies_kept", result, replaced,
        f"but leaves out {len(left_out)} of the {len(before)} agencies it loaded ({named}): "
        "their rows of that period would be lost", "DTI_LIMIT_REPLACED_AGENCIES_LEFT_OUT=1")


def _rows_dropped(conn: psycopg.Connection, result: BatchResult,
                  outcome: ValidationOutcome, replaced: list[int]) -> Failure | None:
    """Why to refuse a file that would replace the month's load with far fewer rows than it
    loaded, though every agency may be in it: an export cut off at a page or size limit, or pulled
    again after the source system purged old records, would shrink the month's counts
    in the marts, and the index with them."""
    row = conn.execute("select coalesce(sum(rows_loaded), 0) from meta.batches "
                       "where batch_id = any(%s)", (replaced,)).fetchone()
    before = int(row[0]) if row else 0
    now = result.rows_read - result.rows_excluded - outcome.failing_rows
    kept = limits().replaced_rows_kept
    if not before or now >= kept * before:
        return None
    return _replacement_refused(
        "rows_kept", result, replaced,
        f"with {now} rows where that load has {before} ({now / before:.0%}, less than the "
        f"{kept:.0%} a replacement keeps): the period's other rows would be lost",
        "DTI_LIMIT_REPLACED_ROWS_KEPT=0")


def _replacement_refused(rule: str, result: BatchResult, replaced: list[int], found: str,
                         setting: str) -> Failure:
    """A refused replacement of the month's load: what the file would do, what is lost,
    and the setting that lets it through."""
    return Failure(rule, (
        f"the file would replace batch {', '.join(map(str, replaced))} for "
        f"{result.agency_code} {result.period} {found}. Send the whole export for the "
        f"period (or set {setting} to replace it anyway)"))


def _count_lines(conn: psycopg.Connection, tally: LineTally | None, outcome: ValidationOutcome,
                 result: BatchResult) -> None:
    """Physical lines per outcome (text formats). A record over several lines counts
    all of them; the ledger's check constraint refuses a batch whose lines do not add
    up, so a reader that lost a line fails the load instead of hiding it."""
    if tally is None:
        return
    extra_bad = 0
    if tally.extra and outcome.failing_rows:  # records over several lines that failed
        extra_bad = sum(tally.extra[n] for (n,) in conn.execute(sql.SQL(
            "select distinct {k} from {f} where {k} = any(%s)").format(
            k=sql.Identifier(ROW_KEY), f=outcome.failed_table), (list(tally.extra),)))
    result.lines_read = tally.read
    result.lines_quarantined = result.rows_quarantined + extra_bad
    result.lines_loaded = result.rows_loaded + sum(tally.extra.values()) - extra_bad
    result.lines_excluded = tally.excluded
    accounted = result.lines_loaded + result.lines_quarantined + result.lines_excluded
    if accounted != result.lines_read:
        raise RuntimeError(f"{result.lines_read} lines read but {accounted} accounted for "
                           "(a reader lost lines; nothing was loaded)")


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


def _reject(conn: psycopg.Connection, result: BatchResult, failures: list[Failure]) -> NoReturn:
    result.status = "rejected"
    result.error = "; ".join(map(str, failures))
    result.rows_loaded = result.rows_quarantined = 0
    ledger.close_batch(conn, result)
    raise BatchRejected(result, failures)

"""Validate a landed batch with its Great Expectations suite, where the data is.

The suite (``expectations/<source>.json``) runs through a GX SQL datasource on the
batch table in PostgreSQL, so nothing is pulled into pandas. Each expectation's
``meta.level`` says what a failure means: ``table`` rejects the whole batch,
``row`` quarantines the rows it names.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import psycopg
from psycopg import sql

from dti.settings import EXPECTATIONS_DIR

log = logging.getLogger(__name__)

ROW_KEY = "_row_number"
_GX_LOCK = threading.Lock()


@dataclass(frozen=True)
class RuleFailure:
    rule: str
    expectation: str
    column: str | None
    value: Any = None
    description: str = ""


@dataclass
class ValidationOutcome:
    """What a suite found. The rows row-level rules name stay in the warehouse, in
    ``failed_table`` (a row per row and rule hit: ``_row_number``, ``rule``,
    ``expectation``, ``column_name``, ``value`` as JSON, ``description``): a broken
    export can fail millions of rows, and holding them here grew memory by ~2 KB each.
    Here: their counts and the first rows' failures, for messages."""

    suite: str
    table_failures: list[RuleFailure] = field(default_factory=list)
    # Table-level failures of rules whose meta says on_failure: warn.
    warnings: list[RuleFailure] = field(default_factory=list)
    failed_table: sql.Identifier | None = None  # None: no row rule failed
    failing_rows: int = 0
    rule_counts: dict[str, int] = field(default_factory=dict)  # hits per rule, most first
    first_failures: dict[int, list[RuleFailure]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)  # the GX result, for Data Docs

    @property
    def rejected(self) -> bool:
        return bool(self.table_failures)

    def rules_hit(self, most: int | None = None) -> str:
        """The failed row rules with their hits, most first: ``rule x3, other x1``."""
        return ", ".join(f"{rule} x{n}" for rule, n in list(self.rule_counts.items())[:most])


FIRST_ROWS = 20  # rows whose failures an outcome holds for messages


def failed_table_name(table: str) -> str:
    """Where a batch table's failing rows are listed (named so that the clean-up of an
    interrupted batch's landing tables, which matches their ``_b<batch>`` ending,
    drops it too)."""
    return f"failed_{table}"


_EVERY_ROW = sql.SQL("true")


def row_failures(conn: psycopg.Connection, outcome: ValidationOutcome,
                 where: sql.Composable = _EVERY_ROW) -> dict[int, list[RuleFailure]]:
    """Row number -> the rules it failed, in the suite's order, for the rows ``where``
    (a condition on the failed table, aliased ``f``) selects."""
    failures: dict[int, list[RuleFailure]] = defaultdict(list)
    if outcome.failed_table is None:
        return failures
    for number, rule, kind, column, value, description in conn.execute(sql.SQL(
            "select _row_number, rule, expectation, column_name, value, description "
            "from {} as f where {} order by _row_number, seq").format(
            outcome.failed_table, where)):
        failures[number].append(RuleFailure(rule, kind, column, value, description))
    return failures


# Rules several suites share, written once; a suite names one with its parameters
# ({"shared": "agency_in_registry", ...}) in place of the query text.
def _agency_in_registry(first: str, follow_successor: bool, last: str | None = None) -> str:
    # The agency exists at some time between the first and the last day the row
    # reports (or, with follow_successor, was merged into a unit that does).
    successor = " or a.successor_code is not null" if follow_successor else ""
    last = last or first
    return ("select _row_number, agency_code from (select * from {batch}) as b "
            f"where agency_code is not null and {first} is not null and not exists ("
            "select 1 from meta.agencies as a where a.agency_code = b.agency_code "
            f"and a.valid_from <= {last} and (a.valid_to is null or {first} < a.valid_to"
            f"{successor}))")


def _values_of(columns: list[str]) -> str:
    return ", ".join(f"('{c}', b.{c})" for c in columns)


# A rule over many columns is one expectation: each costs GX ~9 ms of Python per file
# whatever the rows, and a report has dozens of count columns. Such a query names the
# failing column of each hit in ``column_name`` and its text in ``value`` (one hit per
# row and column), so quarantine and the messages still say which column failed.
def _columns_where(columns: list[str], condition: str) -> str:
    return ("select _row_number, c.column_name, c.value "
            "from {batch} as b cross join lateral (values " + _values_of(columns) + ") "
            f"as c (column_name, value) where {condition} order by _row_number, c.column_name")


def _counts_non_negative(columns: list[str]) -> str:
    return _columns_where(columns, "c.value is not null "
                          "and not (c.value ~ '^[0-9]+$' and length(c.value) <= 15)")


def _counts_present(columns: list[str]) -> str:
    return _columns_where(columns, "c.value is null")


def _parts_within_totals(pairs: list[list[str]]) -> str:
    # A part (dossiers paid online) may not exceed its whole (dossiers with fees).
    values = ", ".join(f"('{p}', b.{p}, '{t}', b.{t})" for p, t in pairs)
    return ("select distinct on (_row_number) _row_number, c.part, c.total "
            "from {batch} as b cross join lateral (values " + values + ") "
            "as c (part, part_value, total, total_value) "
            "where c.part_value ~ '^[0-9]+$' and c.total_value ~ '^[0-9]+$' "
            "and length(c.part_value) <= 15 and length(c.total_value) <= 15 "
            "and c.part_value::bigint > c.total_value::bigint order by _row_number, c.part")


def _key_unique(columns: list[str]) -> str:
    # The rows whose key occurs more than once, as GX's compound uniqueness counts them
    # (a key with a null in it matches nothing). One grouping and a join to what it
    # finds: GX's own joins every row to its group's count (2.5-4.8 s of a million rows
    # against 1.3 s), and with no repeated key the join reads nothing more. Both batches
    # carry an alias: GX leaves the aliasing of a query with a join to its author.
    keys = ", ".join(columns)
    same = " and ".join(f"b.{c} = k.{c}" for c in columns)
    return (f"select b._row_number, {', '.join(f'b.{c}' for c in columns)} "
            f"from {{batch}} as b join (select {keys} from {{batch}} as r group by {keys} "
            f"having count(*) > 1) as k on {same}")


SHARED_QUERIES = {
    "agency_in_registry": _agency_in_registry,
    "key_unique": _key_unique,
    "counts_non_negative": _counts_non_negative,
    "counts_present": _counts_present,
    "parts_within_totals": _parts_within_totals,
}


def _expand_shared(kwargs: dict[str, Any]) -> dict[str, Any]:
    query = kwargs.get("unexpected_rows_query")
    if not isinstance(query, dict):
        return kwargs
    params = dict(query)
    build = SHARED_QUERIES[params.pop("shared")]
    try:
        text = build(**params)
    except TypeError as exc:
        raise ValueError(f"parameters of the shared rule {query['shared']!r}: {exc}") from exc
    return {**kwargs, "unexpected_rows_query": text}


@cache
def load_suite_document(name: str) -> dict[str, Any]:
    """The suite of a source, its shared rules written out."""
    path = EXPECTATIONS_DIR / f"{name}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["expectations"] = [{**e, "kwargs": _expand_shared(e["kwargs"])}
                           for e in doc["expectations"]]
    return doc


def quiet_gx_logs() -> None:
    """GX logs at INFO what the commands do not print (it sets one of its loggers to
    INFO itself, to announce a temporary folder; its import announces ~30 functions it
    skips documenting): warnings and errors only. Called before the import too, so
    ``dti -v`` shows the project's lines, not those."""
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)


@cache
def _context():
    """One ephemeral GX context per process: making one costs a temp folder and time,
    and a loader validates many batches."""
    quiet_gx_logs()
    import great_expectations as gx

    import ingestion.expectation_types  # noqa: F401  (registers the project's own)

    quiet_gx_logs()
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False, "metric_calculations": False}
    return ctx


def prepare() -> None:
    """Import Great Expectations and make the context now (seconds, once per process),
    so a load's validation time is the validation's."""
    _context()


_FIRST_RUN_LEFT_OUT = threading.Event()


def leave_out_of_collections() -> None:
    """Leave the objects made so far (GX's, SQLAlchemy's: hundreds of thousands, all
    long-lived) out of the garbage collector's rounds. Each full round rescanned them
    all: ~30 ms of every small file's load went there (and, after a fork, the rounds
    copied the pages they touched)."""
    gc.collect()
    gc.freeze()


# GX's sessions read times in Vietnam time, so a time a rule names (quarantine keeps
# it) reads as the agencies wrote it. Left at the server's defaults: measured on a
# million events, no parallel workers or a work_mem of 64 MB made validation slower.
_SESSION = "-c timezone=Asia/Ho_Chi_Minh"


@cache
def _datasource(url: str):
    name = "warehouse_" + hashlib.sha1(url.encode()).hexdigest()[:12]
    # Pre-ping: a worker outlives warehouse restarts, and a pooled connection the server
    # ended would otherwise fail the next validation.
    return _context().data_sources.add_postgres(
        name=name, connection_string=url,
        kwargs={"pool_pre_ping": True, "connect_args": {"options": _SESSION}})


# GX's lists of unexpected values and rows (a sample at most in BASIC): the record keeps
# the counts, the warehouse every failing row (_sort_failures).
_ROW_LISTS = {"unexpected_index_list", "unexpected_list", "partial_unexpected_list",
              "partial_unexpected_index_list", "partial_unexpected_counts",
              "unexpected_index_query", "details"}


def _trimmed(document: dict[str, Any]) -> dict[str, Any]:
    for res in document.get("results", []):
        body = res.get("result") or {}
        for key in _ROW_LISTS & body.keys():
            del body[key]
        if not _exception_message(res):
            res.pop("exception_info", None)
    return json.loads(json.dumps(document, default=str))


def _exception_message(result: dict[str, Any]) -> str | None:
    """The error of an expectation that could not run. GX 1.x reports it either at the
    top of exception_info or per metric inside it."""
    info = result.get("exception_info") or {}
    candidates = [info, *(v for v in info.values() if isinstance(v, dict))]
    for c in candidates:
        if c.get("raised_exception"):
            return str(c.get("exception_message"))
    return None


def _rows_from_query(conn: psycopg.Connection, table: sql.Composable, query: str,
                     column: str | None) -> sql.Composed:
    """Every hit of an unexpected-rows query: its row number, column and value (JSON).
    The column and value are the query's ``column_name`` and ``value`` when it names
    them, else the rule's column and the row's other columns (one alone as itself).

    GX counts such rows; quarantine needs them all, so the suite's own query is run
    again here on the same batch table."""
    hits = sql.SQL(query.replace("{batch}", table.as_string(conn)).rstrip().rstrip(";"))
    names = [c.name for c in conn.execute(
        sql.SQL("select * from ({}) as q limit 0").format(hits)).description or []]
    others = [n for n in names if n != ROW_KEY]
    if "column_name" in names:
        named = sql.SQL("coalesce(q.column_name, {})").format(sql.Literal(column))
        value = sql.SQL("to_jsonb(q.value)" if "value" in names else "null::jsonb")
    else:
        named = sql.Literal(column)
        value = (sql.SQL("to_jsonb(q.{})").format(sql.Identifier(others[0]))
                 if len(others) == 1 else sql.SQL("to_jsonb(q) - {}").format(
                     sql.Literal(ROW_KEY)))
    return sql.SQL("select q.{}, {}, {} from ({}) as q").format(
        sql.Identifier(ROW_KEY), named, value, hits)


def _clock_parameters() -> dict[str, datetime]:
    """What rules compare times with, read once per batch: a time more than a day
    ahead of now is in the future (a day's slack for a clock set wrong)."""
    return {"latest_plausible_time": datetime.now(UTC) + timedelta(days=1)}


def validate_table(url: str, schema: str, table: str, suite_name: str,
                   parameters: dict[str, Any],
                   query_values: dict[str, str] | None = None) -> ValidationOutcome:
    """Run the suite on ``schema.table`` and sort failures into table- and row-level.

    ``parameters`` fill ``$PARAMETER`` kwargs; ``query_values`` are SQL literals for
    ``{name}`` placeholders in unexpected-rows queries (the batch's partition)."""

    expectations = _with_query_values(load_suite_document(suite_name)["expectations"],
                                      query_values or {})
    parameters = {**_clock_parameters(), **parameters}
    with _GX_LOCK:  # the shared GX context is not thread-safe
        document = _run_suite(url, schema, table, suite_name, expectations, parameters,
                              _BASIC)
        # After the first run: the context, the engine and the rules it built all stay.
        if not _FIRST_RUN_LEFT_OUT.is_set():
            _FIRST_RUN_LEFT_OUT.set()
            leave_out_of_collections()
    return _sort_failures(url, schema, table, suite_name, document)


# Counts for every rule: GX's record. No sample of unexpected values: fetching it is
# one more scan per column rule (LIMIT 20 reads the whole table when nothing is
# unexpected, 1.9 s of 7.1 s on a million events). The rows a failed rule names are
# found in the warehouse (_failing_rows): GX's COMPLETE lists of them cost ~1.8 KB of
# memory a row (238 MB for 134k rows) and a second run of the rule.
_BASIC = {"result_format": "BASIC", "partial_unexpected_count": 0}


def _with_query_values(expectations: list[dict[str, Any]],
                       values: dict[str, str]) -> list[dict[str, Any]]:
    """The suite's expectations with ``{name}`` placeholders filled in; GX formats the
    query afterwards, so braces in a value are doubled."""
    out = []
    for e in expectations:
        query = e["kwargs"].get("unexpected_rows_query")
        if query is not None:
            for name, value in values.items():
                query = query.replace("{" + name + "}", value.replace("{", "{{")
                                      .replace("}", "}}"))
            e = {**e, "kwargs": {**e["kwargs"], "unexpected_rows_query": query}}
        out.append(e)
    return out


def _run_suite(url: str, schema: str, table: str, suite_name: str,
               expectations: list[dict[str, Any]], parameters: dict[str, Any],
               result_format: dict[str, Any]) -> dict[str, Any]:
    """The expectations run by GX on the table; the result as a JSON document."""
    import great_expectations as gx

    doc = load_suite_document(suite_name)
    source = _datasource(url)
    asset = source.add_table_asset(name=table, table_name=table, schema_name=schema)
    try:
        # Validated straight on the batch: the suite is not kept in the context's
        # stores (adding and deleting it per file cost ~0.1 s).
        result = asset.add_batch_definition_whole_table("batch").get_batch().validate(
            gx.ExpectationSuite(name=f"{doc['name']}:{table}", expectations=expectations),
            result_format=result_format, expectation_parameters=parameters)
    finally:
        source.delete_asset(table)
    return result.to_json_dict()


def _sort_failures(url: str, schema: str, table: str, suite_name: str,
                   document: dict[str, Any]) -> ValidationOutcome:
    outcome = ValidationOutcome(suite=suite_name)
    qualified = sql.Identifier(schema, table)
    failed = sql.Identifier(schema, failed_table_name(table))
    with psycopg.connect(url) as conn:
        conn.execute("set timezone to 'Asia/Ho_Chi_Minh'")  # values as agencies read them
        for at, d in enumerate(document["results"]):
            cfg, res_body = d["expectation_config"], d.get("result") or {}
            meta, kwargs = cfg.get("meta") or {}, cfg["kwargs"]
            column = kwargs.get("column") or meta.get("column")
            rule, level = meta.get("rule", cfg["type"]), meta.get("level", "row")
            # Unexpected-rows rules report their count as the observed value.
            counted = (res_body.get("observed_value") if "unexpected_rows_query" in kwargs
                       else res_body.get("unexpected_count"))
            outcome.results.append({
                "expectation_type": cfg["type"], "rule": rule, "level": level,
                "column_name": column, "success": bool(d["success"]),
                "element_count": res_body.get("element_count"),
                "unexpected_count": counted,
                "observed_value": res_body.get("observed_value"),
                "kwargs": kwargs,
            })
            if d["success"]:
                continue
            msg = _exception_message(d)
            if msg is not None:
                outcome.table_failures.append(
                    RuleFailure(rule, cfg["type"], column, msg, "expectation could not run"))
                continue
            if level == "table":
                observed = res_body.get("observed_value", res_body.get("unexpected_count"))
                target = (outcome.warnings if meta.get("on_failure") == "warn"
                          else outcome.table_failures)
                target.append(
                    RuleFailure(rule, cfg["type"], column, observed, meta.get("description", "")))
                continue
            description = meta.get("description", "")
            hits = _failing_rows(conn, qualified, cfg["type"], kwargs, column)
            if hits is not None and outcome.failed_table is None:
                _create_failed_table(conn, failed)
                outcome.failed_table = failed
            named = 0 if hits is None else conn.execute(sql.SQL(
                "insert into {} ({}, rule_at, rule, expectation, column_name, value, "
                "description) select h.n, {}, {}, {}, h.column_name, h.value, {} "
                "from ({}) as h (n, column_name, value)").format(
                failed, sql.Identifier(ROW_KEY), sql.Literal(at), sql.Literal(rule),
                sql.Literal(cfg["type"]), sql.Literal(description), hits)).rowcount
            if not named or (isinstance(counted, int) and named != counted):
                # Quarantining fewer rows than failed would load the others, more would
                # quarantine rows GX passed: the file is refused instead.
                conn.execute(sql.SQL("delete from {} where rule_at = {}").format(
                    failed, sql.Literal(at)))
                outcome.table_failures.append(RuleFailure(
                    rule, cfg["type"], column, f"{counted} rows failed, {named} could be named",
                    description))
        if outcome.failed_table is not None:
            _count_failures(conn, outcome.failed_table, outcome)
    outcome.document = _trimmed(document)
    return outcome


def _create_failed_table(conn: psycopg.Connection, failed: sql.Identifier) -> None:
    conn.execute(sql.SQL(
        "drop table if exists {f}; create table {f} ("
        "seq bigint generated always as identity, {k} integer not null, "
        "rule_at integer not null, rule text not null, expectation text not null, "
        "column_name text, value jsonb, description text)").format(
        f=failed, k=sql.Identifier(ROW_KEY)))


def _count_failures(conn: psycopg.Connection, failed: sql.Identifier,
                    outcome: ValidationOutcome) -> None:
    counts = conn.execute(sql.SQL(
        "select rule, count(*) from {} group by rule order by count(*) desc, min(rule_at)"
    ).format(failed)).fetchall()
    outcome.rule_counts = dict(counts)
    if counts:
        row = conn.execute(sql.SQL("select count(distinct {}) from {}").format(
            sql.Identifier(ROW_KEY), failed)).fetchone()
        outcome.failing_rows = row[0] if row else 0
        outcome.first_failures = dict(row_failures(conn, outcome, sql.SQL(
            "f.{k} in (select distinct {k} from {f} order by 1 limit {n})").format(
            k=sql.Identifier(ROW_KEY), f=failed, n=sql.Literal(FIRST_ROWS))))


def _failing_rows(conn: psycopg.Connection, table: sql.Composable, kind: str,
                  kwargs: dict[str, Any], column: str | None) -> sql.Composed | None:
    """A query of every row a failed row-level rule names: (row, column, value as
    JSON); None for a rule of a kind no query is written for here (the caller refuses
    the file then)."""
    if "unexpected_rows_query" in kwargs:
        return _rows_from_query(conn, table, kwargs["unexpected_rows_query"], column)
    unexpected = _unexpected_values(kind, kwargs)
    if unexpected is None:
        return None
    return sql.SQL("select {k}, {named}, to_jsonb({c}) from {table} where {unexpected}").format(
        k=sql.Identifier(ROW_KEY), named=sql.Literal(column),
        c=sql.Identifier(kwargs["column"]), table=table, unexpected=unexpected)


def _unexpected_values(kind: str, kwargs: dict[str, Any]) -> sql.Composable | None:
    """The condition of a column rule's unexpected values, as GX states it for SQL
    (nulls are unexpected to the not-null rule only, and ignored by the others); None
    for a kind written nowhere here. The rows it names are counted against GX's count
    of the rule: a condition that ever drifted from GX's refuses the file."""
    if "column" not in kwargs:
        return None
    c = sql.Identifier(kwargs["column"])
    if kind == "expect_column_values_to_not_be_null":
        return sql.SQL("{} is null").format(c)
    if kind == "expect_column_values_to_be_null":
        return sql.SQL("{} is not null").format(c)
    if kind == "expect_column_values_to_be_in_set":
        expected = sql.SQL("{} = any({})").format(c, sql.Literal(list(kwargs["value_set"])))
    elif kind == "expect_column_values_to_match_regex":
        expected = sql.SQL("{} ~ {}").format(c, sql.Literal(kwargs["regex"]))
    elif kind == "expect_column_values_to_be_between":
        bounds = [sql.SQL("{} {} {}").format(c, sql.SQL(op), sql.Literal(kwargs[bound]))
                  for bound, op in (("min_value", ">" if kwargs.get("strict_min") else ">="),
                                    ("max_value", "<" if kwargs.get("strict_max") else "<="))
                  if kwargs.get(bound) is not None]
        if not bounds:
            return None
        expected = sql.SQL(" and ").join(bounds)
    else:
        return None
    return sql.SQL("{} is not null and not ({})").format(c, expected)

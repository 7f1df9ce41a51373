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

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "expectation": self.expectation, "column": self.column,
                "value": self.value}


@dataclass
class ValidationOutcome:
    suite: str
    table_failures: list[RuleFailure] = field(default_factory=list)
    # Table-level failures of rules whose meta says on_failure: warn.
    warnings: list[RuleFailure] = field(default_factory=list)
    row_failures: dict[int, list[RuleFailure]] = field(default_factory=lambda: defaultdict(list))
    results: list[dict[str, Any]] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)  # the GX result, for Data Docs

    @property
    def rejected(self) -> bool:
        return bool(self.table_failures)


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


SHARED_QUERIES = {
    "agency_in_registry": _agency_in_registry,
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


def _column_of(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    return None


def _duplicated_rows(conn: psycopg.Connection, table: sql.Composable,
                     columns: list[str]) -> dict[int, dict[str, Any]]:
    """Row number -> ``columns`` as text, of each row whose combination of ``columns``
    occurs more than once, as GX's compound uniqueness counts them (a row with every
    one of them null is ignored; nulls match nulls)."""
    columns = sorted(columns)
    cols = [sql.Identifier(c) for c in columns]
    q = sql.SQL(
        "select b.{k}, {texts} from {table} as b join ("
        "select {cols} from {table} where {some} group by {cols} having count(*) > 1"
        ") as k on {same}"
    ).format(
        k=sql.Identifier(ROW_KEY), table=table, cols=sql.SQL(", ").join(cols),
        texts=sql.SQL(", ").join(sql.SQL("b.{}::text").format(c) for c in cols),
        some=sql.SQL(" or ").join(sql.SQL("{} is not null").format(c) for c in cols),
        same=sql.SQL(" and ").join(
            sql.SQL("b.{c} is not distinct from k.{c}").format(c=c) for c in cols),
    )
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in conn.execute(q)}


# Per-row lists can hold a million entries; the warehouse keeps the rows elsewhere.
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


def _rows_from_query(conn: psycopg.Connection, table: sql.Composable,
                     query: str) -> list[tuple[int, str | None, Any]]:
    """Every hit of an unexpected-rows query: (row, column, value). The column and value
    are the query's ``column_name`` and ``value`` when it names them, else no column
    and the row's other columns (one alone as itself).

    GX returns a sample of such rows; quarantine needs them all, so the suite's own
    query is run again here on the same batch table."""
    text = query.replace("{batch}", table.as_string(conn))
    cur = conn.execute(text)
    names = [c.name for c in cur.description or []]
    found = []
    for row in cur:
        record = {n: _plain(v) for n, v in zip(names, row, strict=True)}
        number = record.pop(ROW_KEY)
        if "column_name" in record:
            found.append((number, record["column_name"], record.get("value")))
        else:
            found.append((number, None,
                          record if len(record) != 1 else next(iter(record.values()))))
    return found


def _plain(value: Any) -> Any:
    """A value as quarantine stores it (JSON): a time as ISO 8601 text."""
    return value.isoformat() if isinstance(value, datetime) else value


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
        # The counts above are the record; quarantine needs every row a failed
        # column rule names, which only the complete format lists: those rules again.
        filled = _parameterised(expectations)
        rerun = {_key(r["expectation_config"], filled): i
                 for i, r in enumerate(document["results"]) if _needs_row_list(r)}
        if rerun:
            again = [e for e in expectations if _key(e, filled) in rerun]
            if len(again) != len(rerun):  # never quarantine fewer rows than failed
                raise RuntimeError(f"{suite_name}: failed rules not found in the suite")
            complete = _run_suite(url, schema, table, suite_name, again, parameters,
                                  _COMPLETE)
            for res in complete["results"]:  # GX orders results its own way
                document["results"][rerun[_key(res["expectation_config"], filled)]] = res
        # After the first run: the context, the engine and the rules it built all stay.
        if not _FIRST_RUN_LEFT_OUT.is_set():
            _FIRST_RUN_LEFT_OUT.set()
            leave_out_of_collections()
    return _sort_failures(url, schema, table, suite_name, document)


# Counts for every rule (cheaper than COMPLETE, which lists every unexpected row of
# every column rule). No sample of unexpected values: fetching it is one more scan per
# column rule (LIMIT 20 reads the whole table when nothing is unexpected, 1.9 s of
# 7.1 s on a million events), and the rows of a failed rule come from the rerun.
_BASIC = {"result_format": "BASIC", "partial_unexpected_count": 0}
# GX's COMPLETE format lists only partial_unexpected_count (20 by default) rows'
# indexes: every one is asked for.
_COMPLETE = {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_KEY],
             "partial_unexpected_count": 2**31 - 1}


def _parameterised(expectations: list[dict[str, Any]]) -> frozenset[str]:
    """The kwargs some expectation takes from a $PARAMETER."""
    return frozenset(k for e in expectations for k, v in e["kwargs"].items()
                     if isinstance(v, dict) and "$PARAMETER" in v)


def _key(expectation: dict[str, Any], filled: frozenset[str]) -> str:
    """An expectation as configured, whether from the suite or from GX's result (which
    adds the batch it ran on and holds the values of the parameters, not their names:
    ``filled`` kwargs are left out, the type, the other kwargs and meta tell apart)."""
    kwargs = {k: v for k, v in expectation["kwargs"].items()
              if k != "batch_id" and k not in filled}
    return json.dumps([expectation["type"], kwargs, expectation.get("meta")], sort_keys=True,
                      default=str)


def _needs_row_list(result: dict[str, Any]) -> bool:
    """A failed row-level rule whose rows GX lists (not an unexpected-rows query,
    which is run again here in full, nor a uniqueness rule, whose rows are found
    here: see _failing_rows)."""
    cfg = result["expectation_config"]
    return (not result["success"] and _exception_message(result) is None
            and (cfg.get("meta") or {}).get("level", "row") == "row"
            and "unexpected_rows_query" not in cfg["kwargs"]
            and cfg["type"] not in _ROWS_FOUND_HERE)


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
    with psycopg.connect(url) as conn:
        conn.execute("set timezone to 'Asia/Ho_Chi_Minh'")  # values as agencies read them
        for d in document["results"]:
            cfg, res_body = d["expectation_config"], d.get("result") or {}
            meta, kwargs = cfg.get("meta") or {}, cfg["kwargs"]
            column = _column_of(kwargs) or meta.get("column")
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
            hits = _failing_rows(conn, qualified, cfg["type"], kwargs, res_body, column)
            if not hits or (isinstance(counted, int) and len(hits) < counted):
                # Quarantining fewer rows than failed would load the others: the file
                # is refused instead.
                outcome.table_failures.append(RuleFailure(
                    rule, cfg["type"], column,
                    f"{counted} rows failed, {len(hits)} could be named", description))
                continue
            for row_number, named, value in hits:
                outcome.row_failures[row_number].append(
                    RuleFailure(rule, cfg["type"], named, value, description))
    outcome.document = _trimmed(document)
    return outcome


_ROWS_FOUND_HERE = {"expect_compound_columns_to_be_unique"}


def _failing_rows(conn: psycopg.Connection, table: sql.Composable, kind: str,
                  kwargs: dict[str, Any], result: dict[str, Any], column: str | None
                  ) -> list[tuple[int, str | None, Any]]:
    """Every row a failed row-level rule names: (row, column, value); none for a rule
    whose rows GX does not index (its ``unexpected_list`` of values holds at most a few
    hundred, whatever the format): the caller refuses the file then."""
    if "unexpected_rows_query" in kwargs:
        return [(row, named or column, value) for row, named, value
                in _rows_from_query(conn, table, kwargs["unexpected_rows_query"])]
    if kind in _ROWS_FOUND_HERE:
        return [(row, column, key) for row, key
                in _duplicated_rows(conn, table, kwargs["column_list"]).items()]
    return [(item[ROW_KEY], column,
             _plain(item.get(kwargs["column"])) if "column" in kwargs else None)
            for item in result.get("unexpected_index_list", [])]


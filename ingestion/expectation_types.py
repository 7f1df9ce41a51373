"""The project's own Great Expectations expectation type, made GX's documented way: a
subclass, registered under its name (``unexpected_rows_count_expectation``) when this
module is imported. Importing it imports GX (seconds): import it where GX is loaded.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations import UnexpectedRowsExpectation


class UnexpectedRowsCountExpectation(UnexpectedRowsExpectation):
    """GX's unexpected-rows rule counting the query's rows, one scan of the batch.

    GX's own runs the query twice, for the count and for up to 200 of the rows, which a
    BASIC result then drops; the second run read the whole batch again whenever no
    row failed (0.5-1.1 s of a million rows per rule). The rows a failed rule names are
    found afterwards, in the warehouse (``ingestion.validation``)."""

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None,
                  execution_engine: Any = None) -> dict[str, Any]:
        count = metrics["unexpected_rows_query.row_count"]
        return {"success": count == 0, "result": {"observed_value": count}}

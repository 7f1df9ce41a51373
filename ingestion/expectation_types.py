"""The project's own Great Expectations expectation type, made GX's documented way: a
subclass, registered under its name (``unexpected_rows_count_expectation``) when this
module is imported. Importing it imports GX (seconds): import it where GX is loaded.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations import UnexpectedRowsExpectation
from great_expectations.render.components import (
    LegacyRendererType,
    RenderedStringTemplateContent,
)
from great_expectations.render.renderer.renderer import renderer


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

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(cls, configuration: Any = None, result: Any = None,
                               runtime_configuration: dict | None = None,
                               **kwargs: Any) -> list[RenderedStringTemplateContent]:
        """In Data Docs, the rule as the suite describes it (its ``meta.description``)
        rather than its SQL, which GX's own shows; the SQL when there is none."""
        meta = (configuration.meta if configuration is not None else None) or {}
        if not meta.get("description"):
            return super()._prescriptive_renderer(
                configuration=configuration, result=result,
                runtime_configuration=runtime_configuration, **kwargs)
        return [RenderedStringTemplateContent(
            content_block_type="string_template",
            string_template={
                "template": "$rule: $description",
                "params": {"rule": meta.get("rule", ""), "description": meta["description"]},
                "styling": (runtime_configuration or {}).get("styling"),
            },
        )]

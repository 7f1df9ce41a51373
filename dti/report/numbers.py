"""Numbers as Vietnamese documents print them: 0,7163 and 15.261 (comma for decimals,
dot for thousands)."""

from __future__ import annotations

from decimal import Decimal

# d3-format locale for the charts (vl-convert), the same convention.
D3_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}


def vn(value: Decimal | float | int | None, decimals: int = 0) -> str:
    """`value` with `decimals` places, Vietnamese separators; an en dash for null."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans({",": ".", ".": ","}))


def vn_share(value: Decimal | float | None) -> str:
    """A share as a percentage with one decimal: 12,5%."""
    return "–" if value is None else vn(Decimal(value) * 100, 1) + "%"

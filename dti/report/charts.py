"""Charts drawn when the site is built: Vega-Lite specs (altair) rendered to SVG by
vl-convert, in the page itself. No JavaScript, nothing fetched: an isolated network
shows them as they are."""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd
import vl_convert

from dti.report.numbers import D3_LOCALE

FONT = "DejaVu Sans, Arial, sans-serif"


def _svg(chart: alt.TopLevelMixin) -> str:
    # The specs come from the fixed code below (the report tests draw each kind): checking
    # every one against the Vega-Lite schema cost ~0.2 s of the site's ~1.4 s build.
    spec = chart.configure(font=FONT).configure_view(stroke=None).to_dict(validate=False)
    svg = vl_convert.vegalite_to_svg(spec, format_locale=D3_LOCALE, allowed_base_urls=[])
    # Responsive: the page sets the width, the drawing keeps its proportions.
    return svg.replace("<svg ", '<svg role="img" preserveAspectRatio="xMinYMin meet" ', 1)


def ranking_bars(rows: list[tuple[str, Decimal]], title: str) -> str:
    """Horizontal bars of the DTI value, best first."""
    data = pd.DataFrame({"don_vi": [n for n, _ in rows],
                         "dti": [float(v) if v is not None else None for _, v in rows]})
    chart = alt.Chart(data, title=title, width=520, height=max(60, 18 * len(rows))).mark_bar(
        color="#b71c1c").encode(
        x=alt.X("dti:Q", title="Chỉ số DTI", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".2f")),
        y=alt.Y("don_vi:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)))
    text = chart.mark_text(align="left", dx=3, fontSize=10).encode(
        text=alt.Text("dti:Q", format=".4f"))
    return _svg(chart + text)


def trend_766(points: list[tuple[str, Decimal | None]], title: str) -> str:
    """The 766 total over periods (months, quarters or years), 0–100."""
    data = pd.DataFrame({"ky": [p for p, _ in points],
                         "diem": [float(v) if v is not None else None for _, v in points]})
    base = alt.Chart(data, title=title, width=520, height=180)
    line = base.mark_line(point=True, color="#0d47a1").encode(
        x=alt.X("ky:O", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("diem:Q", title="Điểm (tối đa 100)", scale=alt.Scale(domain=[0, 100])))
    labels = base.mark_text(dy=-10, fontSize=10).encode(
        x=alt.X("ky:O", sort=None), y="diem:Q", text=alt.Text("diem:Q", format=".2f"))
    return _svg(line + labels)

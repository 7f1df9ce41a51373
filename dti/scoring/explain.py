"""`dti explain`: one component score of one unit, walked back to its files.

It prints the points, the rule with the unit's own numbers (docs/methodology.md §2),
and every file whose rows fed the score, with how many of its rows, from
marts.dti_component_scores and marts.dti_input_files."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import psycopg
from psycopg.rows import dict_row


class ExplainError(Exception):
    """What to ask for instead: no such unit, component or year."""


@dataclass(frozen=True)
class InputFile:
    source: str
    batch_id: int
    rows_used: int
    location: str
    sha256: str | None


@dataclass(frozen=True)
class Explanation:
    score: dict
    files: list[InputFile]


SCORE = """
    select s.*, c.name_vi as component_name, c.target, c.tiers, c.direction,
           c.zero_denominator_rule, m.numerator as numerator_name,
           m.denominator as denominator_name, coalesce(a.agency_name_vi, s.unit_id) as unit_name
    from marts.dti_component_scores as s
    join reference.dti_components as c using (methodology_id, component_code)
    left join reference.metric_definitions as m on m.metric_code = s.metric_code
    left join marts.dim_agencies as a on a.agency_id = s.unit_id and a.is_current
    where s.unit_id = %(unit)s and s.component_code = %(component)s
      and s.scoring_mode = %(mode)s
      and (%(year)s::integer is null or s.assessment_year = %(year)s)
    order by s.assessment_year desc
    limit 1"""

FILES = """
    select input_source, batch_id, rows_used, file_location, sha256
    from marts.dti_input_files
    where unit_level = %s and unit_id = %s and assessment_year = %s
      and batch_id = any(%s) and (component_code is null or component_code = %s)
    order by input_source, batch_id"""


def explain(conn: psycopg.Connection, unit: str, component: str, year: int | None = None,
            mode: str = "official") -> Explanation:
    with conn.cursor(row_factory=dict_row) as cur:
        score = cur.execute(SCORE, {"unit": unit, "component": component, "year": year,
                                    "mode": mode}).fetchone()
        if score is None:
            raise ExplainError(_why_not_found(cur, unit, component, year))
    ids = [int(i) for i in (score["input_batch_ids"] or "").split(",") if i]
    rows = conn.execute(FILES, (score["unit_level"], unit, score["assessment_year"], ids,
                                component)).fetchall()
    return Explanation(score, [InputFile(*r) for r in rows])


def _why_not_found(cur: psycopg.Cursor, unit: str, component: str, year: int | None) -> str:
    components = [r["component_code"] for r in cur.execute(
        "select distinct component_code from marts.dti_component_scores where unit_id = %s "
        "order by 1", (unit,))]
    if not components:
        return f"no DTI scores for unit {unit!r} (an agency or province code)"
    if component not in components:
        return f"unit {unit} has no component {component!r}; it has: {', '.join(components)}"
    years = [str(r["assessment_year"]) for r in cur.execute(
        "select distinct assessment_year from marts.dti_component_scores where unit_id = %s "
        "and component_code = %s order by 1", (unit, component))]
    return f"{component} of {unit} has no score for {year}; years scored: {', '.join(years)}"


def _n(value: Decimal | None) -> str:
    if value is None:
        return "null"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def formula(s: dict) -> str:
    """The rule of docs/methodology.md §2 with the unit's numbers in it."""
    pmax = _n(s["max_points"])
    if s["rule"] == "points":
        return f"points given by the self-assessment (final, else appraised, else own), " \
               f"capped at {pmax}"
    if s["denominator"] is not None and s["denominator"] == 0:
        return f"nothing to divide ({s['denominator_name'] or 'denominator'} = 0): " \
               f"{s['zero_denominator_rule']} by the component's rule"
    if s["numerator"] is None:
        return "no input measured"
    ratio = _n(s["numerator"])
    if s["denominator"] is not None:
        ratio += f" / {_n(s['denominator'])}"
    if s["direction"] == "lower":
        ratio = f"1 − {ratio}"
    value = f"{s['measured_value']:.4f}" if s["measured_value"] is not None else "null"
    match s["rule"]:
        case "ratio_linear":
            return f"{pmax} × clamp({ratio}, 0, 1) = {pmax} × {value}"
        case "ratio_target":
            return f"{pmax} × min(1, ({ratio}) / {_n(s['target'])}) = {pmax} × min(1, " \
                   f"{value} / {_n(s['target'])})"
        case "binary":
            return f"{pmax} when {ratio} = {value} ≥ {_n(s['target'] or Decimal(1))}, else 0"
        case "tiered":
            return f"{pmax} × the share of the highest tier reached ({s['tiers']}) by " \
                   f"{ratio} = {value}"
    return f"rule {s['rule']} on {ratio} = {value}"


def format_explanation(e: Explanation) -> str:
    s = e.score
    head = (f"{s['unit_name']} ({s['unit_id']}, {s['unit_level']}) · {s['component_code']} "
            f"{s['component_name']} · {s['methodology_id']} {s['assessment_year']} · "
            f"{s['scoring_mode']} mode")
    lines = [head, "=" * len(head),
             f"points:  {s['points']} of {_n(s['max_points'])} ({s['score_status']}, "
             f"{s['imputation'].replace('_', ' ')})",
             f"rule:    {s['rule']}: {formula(s)}"]
    if s["metric_code"]:
        lines.append(f"metric:  {s['metric_code']} = {s['numerator_name']} / "
                     f"{s['denominator_name']}, summed over the year"
                     + (" and the province's agencies" if s["unit_level"] == "province"
                        else ""))
    if not e.files:
        lines.append("files:   none (no rows fed this input)")
        return "\n".join(lines)
    total = sum(f.rows_used for f in e.files)
    lines.append(f"files:   {len(e.files)}, {total} rows used")
    lines.append(f"{'source':<16} {'batch':>6} {'rows':>6}  file (archived) · sha256")
    lines += [f"{f.source:<16} {f.batch_id:>6} {f.rows_used:>6}  {f.location} · "
              f"{(f.sha256 or '-')[:12]}" for f in e.files]
    return "\n".join(lines)

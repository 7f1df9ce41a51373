"""What the report shows, read from the marts in one pass: the official DTI rankings of
the latest assessment year per methodology and level, each ranked unit's main indices,
components, gaps and rank interval, the 766 index by month, quarter and year, and the
data-quality status of the exports behind the unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

Row = dict[str, Any]


@dataclass
class Ranking:
    methodology_id: str
    methodology_name: str
    status: str
    unit_level: str
    assessment_year: int
    rows: list[Row]


@dataclass
class Unit:
    unit_id: str
    name: str
    level: str
    province_id: str | None
    scores: list[Row] = field(default_factory=list)  # one per methodology ranked
    main_indices: dict[str, list[Row]] = field(default_factory=dict)
    components: dict[str, list[Row]] = field(default_factory=dict)
    index_766: list[Row] = field(default_factory=list)
    inputs: list[Row] = field(default_factory=list)


@dataclass
class Report:
    rankings: list[Ranking]
    ranking_766: list[Row]
    period_766: date | None
    units: dict[str, Unit]


def _all(conn: psycopg.Connection, query: str, params: tuple = ()) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchall()


LATEST_SCORES = """
    with latest as (
        select methodology_id, unit_level, max(assessment_year) as assessment_year
        from marts.dti_scores where scoring_mode = 'official'
        group by methodology_id, unit_level
    )
    select s.*, m.name_vi as methodology_name, m.status as methodology_status,
           coalesce(a.agency_name_vi, s.unit_id) as unit_name, a.province_id,
           r.median_rank, r.rank_p05, r.rank_p95,
           (select max(g.points_to_move_up) from marts.dti_gaps as g
            where g.methodology_id = s.methodology_id and g.scoring_mode = s.scoring_mode
              and g.unit_level = s.unit_level and g.unit_id = s.unit_id
              and g.assessment_year = s.assessment_year) as points_to_move_up
    from marts.dti_scores as s
    join latest using (methodology_id, unit_level, assessment_year)
    join reference.dti_methodologies as m on m.methodology_id = s.methodology_id
    left join marts.dim_agencies as a on a.agency_id = s.unit_id and a.is_current
    left join marts.dti_rank_intervals as r
        on r.methodology_id = s.methodology_id and r.unit_level = s.unit_level
       and r.unit_id = s.unit_id and r.assessment_year = s.assessment_year
    where s.scoring_mode = 'official'
    order by s.methodology_id, s.unit_level, s.dti_rank, s.unit_id"""

MAIN_INDICES = """
    select s.unit_id, s.methodology_id, s.main_index_code, i.name_vi, s.points, s.max_points,
           s.main_index_value, s.main_index_rank, s.share_not_measured
    from marts.dti_main_index_scores as s
    join reference.dti_main_indices as i using (methodology_id, main_index_code)
    where s.scoring_mode = 'official' and (s.methodology_id, s.unit_level, s.assessment_year)
          in (select methodology_id, unit_level, max(assessment_year)
              from marts.dti_scores group by 1, 2)
    order by s.unit_id, s.methodology_id, i.sort_order"""

COMPONENTS = """
    select s.unit_id, s.methodology_id, s.main_index_code, s.component_code, c.name_vi,
           s.points, s.max_points, s.max_points - s.points as points_lost, s.score_status,
           s.imputation, s.measured_value
    from marts.dti_component_scores as s
    join reference.dti_components as c using (methodology_id, component_code)
    where s.scoring_mode = 'official' and (s.methodology_id, s.unit_level, s.assessment_year)
          in (select methodology_id, unit_level, max(assessment_year)
              from marts.dti_scores group by 1, 2)
    order by s.unit_id, s.methodology_id, s.main_index_code, s.max_points - s.points desc"""

INDEX_766 = """
    select p.*, coalesce(a.agency_name_vi, p.unit_id) as unit_name
    from marts.fct_index_766_periods as p
    left join marts.dim_agencies as a on a.agency_id = p.unit_id and a.is_current
    order by p.unit_id, p.period_grain, p.period_start"""

def _inputs(conn: psycopg.Connection) -> list[Row]:
    # Per unit and source: the files of its latest scored year, the rows they gave the
    # unit, and how many rows of those files were quarantined (the ledger's counts).
    return _all(conn, """
        select f.unit_id, f.input_source, count(distinct f.batch_id) as files,
               sum(f.rows_used) as rows_used,
               max(f.loaded_at) as last_loaded_at,
               current_date - max(f.loaded_at)::date as days_since_last_load,
               (select coalesce(sum(q.rows_quarantined), 0) from marts.fct_data_quality as q
                where q.source_name = f.input_source
                  and q.reporting_agency_id in (f.unit_id, min(a.province_id))) as quarantined
        from marts.dti_input_files as f
        left join marts.dim_agencies as a on a.agency_id = f.unit_id and a.is_current
        where (f.unit_level, f.assessment_year) in (
            select unit_level, max(assessment_year) from marts.dti_scores group by 1)
        group by f.unit_id, f.input_source
        order by f.unit_id, f.input_source""")


def load(conn: psycopg.Connection) -> Report:
    scores = _all(conn, LATEST_SCORES)
    units: dict[str, Unit] = {}
    rankings: dict[tuple[str, str], Ranking] = {}
    for s in scores:
        key = (s["methodology_id"], s["unit_level"])
        if key not in rankings:
            rankings[key] = Ranking(s["methodology_id"], s["methodology_name"],
                                    s["methodology_status"], s["unit_level"],
                                    s["assessment_year"], [])
        rankings[key].rows.append(s)
        unit = units.setdefault(s["unit_id"], Unit(s["unit_id"], s["unit_name"],
                                                   s["unit_level"], s["province_id"]))
        unit.scores.append(s)
    for r in _all(conn, MAIN_INDICES):
        if r["unit_id"] in units:
            units[r["unit_id"]].main_indices.setdefault(r["methodology_id"], []).append(r)
    for r in _all(conn, COMPONENTS):
        if r["unit_id"] in units:
            units[r["unit_id"]].components.setdefault(r["methodology_id"], []).append(r)

    periods = _all(conn, INDEX_766)
    months = [p["period_start"] for p in periods
              if p["period_grain"] == "month" and p["unit_level"] == "agency"]
    latest = max(months) if months else None
    ranking_766 = sorted(
        (p for p in periods if p["period_grain"] == "month" and p["unit_level"] == "agency"
         and p["period_start"] == latest),
        key=lambda p: (p["total_rank"] is None, p["total_rank"] or 0, p["unit_id"]))
    for p in periods:
        unit = units.get(p["unit_id"])
        if unit is None and p["unit_level"] == "agency":
            unit = units.setdefault(p["unit_id"], Unit(p["unit_id"], p["unit_name"], "agency",
                                                       p["province_id"]))
        if unit is not None:
            unit.index_766.append(p)
    for r in _inputs(conn):
        if r["unit_id"] in units:
            units[r["unit_id"]].inputs.append(r)
    return Report(list(rankings.values()), ranking_766, latest, units)


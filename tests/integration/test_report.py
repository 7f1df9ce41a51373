"""The report site from the built sample warehouse: a page for every unit of every
ranking, the numbers on the pages equal to the marts', and, in headless Chromium at
desktop and phone widths, nothing fetched from outside the folder, no console error,
no page wider than the phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dti.report.numbers import vn
from tests.integration.helpers import rows

pytestmark = pytest.mark.dbt

JUSTICE = "000.00.04.H49"  # Sở Tư pháp


@pytest.fixture(scope="module")
def site(tmp_path_factory, pg_admin_url, built_template):
    # Imported here: charts bring pandas and altair (~2 s), which every worker would
    # otherwise pay at collection, also in the lanes that never build a report.
    from dti.report.site import build_report
    from tests.conftest import clone_database, drop_database

    name = "dti_report_site"
    url = clone_database(pg_admin_url, built_template, name)
    out = tmp_path_factory.mktemp("report")
    index = build_report(url, out)
    yield url, index
    drop_database(pg_admin_url, name)


def _cells(html: str, unit: str, css: str) -> list[str]:
    return re.findall(rf'<tr data-unit="{re.escape(unit)}">.*?<td class="num {css}">([^<]*)</td>',
                      html)


def test_every_ranked_unit_has_its_page_and_the_pages_carry_the_marts_numbers(site):
    url, index = site
    html = index.read_text(encoding="utf-8")
    scores = rows(url, "select unit_id, dti_value, methodology_id from marts.dti_scores "
                       "where scoring_mode = 'official'")
    months = rows(url, "select agency_id as unit_id, total_points from marts.fct_index_766 "
                       "where period_month = (select max(period_month) from marts.fct_index_766)")
    assert scores and months
    for s in scores:
        assert (index.parent / "units" / f"{s['unit_id']}.html").is_file(), s["unit_id"]
        assert vn(s["dti_value"], 4) in _cells(html, s["unit_id"], "dti"), s
        page = (index.parent / "units" / f"{s['unit_id']}.html").read_text(encoding="utf-8")
        assert f'<b class="dti-value">{vn(s["dti_value"], 4)}</b>' in page
    for m in months:
        assert (index.parent / "units" / f"{m['unit_id']}.html").is_file()
        assert vn(m["total_points"], 2) in _cells(html, m["unit_id"], "total"), m
    # Vietnamese numbers: a decimal comma, never a decimal point in a figure.
    assert re.search(r'<td class="num dti">0,\d{4}</td>', html)
    assert not re.search(r'<td class="num[^"]*">\d+\.\d+</td>', html)
    # A department's page: its components with the points lost, the 766 by period, and
    # the files behind its inputs.
    page = (index.parent / "units" / f"{JUSTICE}.html").read_text(encoding="utf-8")
    for heading in ("Chỉ số thành phần: điểm đạt và điểm bị mất", "Theo quý", "Theo năm",
                    "Chất lượng dữ liệu đầu vào", "Dịch vụ công trực tuyến"):
        assert heading in page
    assert page.count("<svg") == 1  # the 766 trend, drawn at build time


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_renders_offline_at_desktop_and_phone_width(site, width, tmp_path):
    from tests.browser import browser_page

    _, index = site
    unit = index.parent / "units" / f"{JUSTICE}.html"
    for target in (index, unit):
        with browser_page(width=width, height=900) as (page, visit):
            page.goto(target.as_uri())
            page.wait_for_selector("main table")
            shot = tmp_path / f"{target.stem}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            assert visit.external() == [] and visit.failed == []
            assert visit.console_errors == [] and visit.page_errors == []
            # The stylesheet came from the folder and applied; nothing overflows the screen.
            assert any(u.endswith("/report.css") for u in visit.requests)
            assert page.evaluate("getComputedStyle(document.querySelector('header'))"
                                 ".backgroundColor") == "rgb(183, 28, 28)"
            overflow = page.evaluate("document.documentElement.scrollWidth") - width
            assert overflow <= 0, f"{target.name} is {overflow}px wider than {width}px"
            assert page.locator("svg").count() >= 1


def test_dti_report_command_says_where_the_site_is(built_warehouse, tmp_path, capsys):
    from dti.cli.main import main as dti

    assert dti(["report", "--out", str(tmp_path / "site")]) == 0
    assert capsys.readouterr().out.strip() == f"Report: {tmp_path / 'site' / 'index.html'}"
    assert Path(tmp_path / "site" / "report.css").is_file()


def test_a_report_folder_that_cannot_be_written_is_one_line(built_warehouse, tmp_path, capsys):
    from dti.cli.main import main as dti

    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert dti(["report", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {blocker / 'units'}: Not a directory\n"

"""docs/methodology.md §6 is the seeds' own tables: a seed edited without rewriting
the section (python -m dti.scoring.methodology_tables) fails here."""

import csv

import pytest

from dti.scoring import methodology_tables as tables

pytestmark = pytest.mark.unit


def test_the_document_lists_what_the_seeds_hold():
    assert tables.current() == tables.render()


def test_every_component_and_766_item_has_a_row_with_its_source_and_status():
    section = tables.current()
    for seed, code in (("dti_components", "component_code"), ("index_766_items", "item_code")):
        with (tables.SEEDS / f"{seed}.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                assert f"`{row[code]}`" in section, row[code]
                assert row["status"] in {"confirmed", "third_party", "inferred", "placeholder",
                                         "example", "unknown"}, row
    with (tables.SEEDS / "dti_components.csv").open(encoding="utf-8", newline="") as f:
        assert all(row["source"] for row in csv.DictReader(f))


def _structure(seed: str, methodology: str, key: str, prefix: str = "") -> list[tuple]:
    with (tables.SEEDS / f"{seed}.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["methodology_id"] == methodology]
    ignore = {"methodology_id", "source", "status", "weight_status"}
    return sorted((r[key].removeprefix(prefix), *(v for k, v in r.items()
                                                  if k not in ignore | {key}))
                  for r in rows)


def test_the_pending_methodology_stands_in_with_405s_structure_until_published():
    # Until the 2025 framework is published, DTI-PENDING is 405's rows under its own
    # codes: a change to one without the other fails here.
    for seed, key in (("dti_main_indices", "main_index_code"), ("dti_pillars", "pillar_code")):
        assert _structure(seed, "DTI-PENDING", key) == _structure(seed, "DTI-2025", key)
    assert (_structure("dti_components", "DTI-PENDING", "component_code", "cp_")
            == _structure("dti_components", "DTI-2025", "component_code", "c25_"))


def test_the_unit_tests_score_with_the_seeds_own_rows():
    # dbt unit tests give these seeds as fixture files: copies that must not drift.
    fixtures = tables.ROOT / "dbt_project" / "tests" / "fixtures"
    for seed in ("index_766_items", "index_766_ratings"):
        assert (fixtures / f"{seed}_seed.csv").read_text(encoding="utf-8") == (
            tables.SEEDS / f"{seed}.csv").read_text(encoding="utf-8"), seed

"""dbt's layers run one way: only staging reads sources, intermediate never reads a
mart, and each model folder carries one YAML file named after it."""

from __future__ import annotations

import json

import pytest

from dti.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def models(dbt_manifest):
    nodes = json.loads(dbt_manifest.read_text())["nodes"]
    return {k: v for k, v in nodes.items() if v["resource_type"] == "model"}


def layer(node: dict) -> str:
    return node["original_file_path"].split("/")[1]  # models/<layer>/...


def test_only_staging_reads_sources(models):
    readers = {n["name"]: layer(n) for n in models.values()
               if any(d.startswith("source.") for d in n["depends_on"]["nodes"])}
    assert readers and set(readers.values()) == {"staging"}, readers


def test_intermediate_reads_only_staging_intermediate_and_seeds(models):
    for node in models.values():
        if layer(node) != "intermediate":
            continue
        for dep in node["depends_on"]["nodes"]:
            if dep.startswith("model."):
                assert layer(models[dep]) in ("staging", "intermediate"), (node["name"], dep)


def test_marts_never_read_sources_directly(models):
    for node in models.values():
        if layer(node) == "marts":
            assert not [d for d in node["depends_on"]["nodes"] if d.startswith("source.")]


def test_one_yaml_per_folder_named_after_it():
    for folder in [DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "seeds"]:
        for sub in [p for p in folder.rglob("*") if p.is_dir()]:
            yamls = sorted(p.name for p in sub.glob("*.yml"))
            if any(sub.glob("*.sql")) or any(sub.glob("*.csv")) or yamls:
                assert yamls == [f"_{sub.name}.yml"], (sub, yamls)


def test_dbt_docs_open_on_the_project_overview(dbt_manifest):
    """dbt docs serve opens on this project's overview, not dbt's generic welcome page."""
    docs = json.loads(dbt_manifest.read_text())["docs"]
    overview = docs["doc.dti.__overview__"]["block_contents"]
    assert "docs/methodology.md" in overview and "fct_index_766" in overview

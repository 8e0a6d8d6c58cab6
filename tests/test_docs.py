"""The project's own reference (docs/workbook.md) keeps step with the schema, and
`schema()` gives the workbook contract as plain data."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from corridor.schema import (
    COST_COMPONENTS,
    INPUT_SHEETS,
    PER_COMMODITY_ITEMS,
    RESULT_SHEETS,
    SETTING_UNITS,
    SETTINGS,
    SUMMARY_FORMATS,
    schema,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "workbook.md"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "build_reference", DOC.parent / "build_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def headings(doc) -> list[str]:
    return [line for line in doc.splitlines() if line.startswith("#")]


# ------------------------------------------------------------------ the reference


def test_every_input_sheet_column_and_setting_is_documented(doc):
    missing = [
        f"{sheet}.{col.name}"
        for sheet, spec in INPUT_SHEETS.items()
        for col in spec.columns
        if f"`{col.name}`" not in doc
    ]
    missing += [f"setting {name}" for name in SETTINGS if f"`{name}`" not in doc]
    missing += [f"sheet {sheet}" for sheet in INPUT_SHEETS if f"`{sheet}`" not in doc]
    assert missing == []


def test_every_results_sheet_column_and_summary_item_is_documented(doc):
    missing = [
        f"{sheet}.{col.name}"
        for sheet, columns in RESULT_SHEETS.items()
        for col in columns
        if f"`{col.name}`" not in doc
    ]
    missing += [f"Summary item {item}" for item in SUMMARY_FORMATS if f"`{item}`" not in doc]
    missing += [f"sheet {sheet}" for sheet in RESULT_SHEETS if f"`{sheet}`" not in doc]
    assert missing == []


def test_every_sheet_has_a_section_of_its_own(headings):
    """Each sheet the schema knows is explained under a heading that names it, not only
    listed in a generated table."""
    names = set(INPUT_SHEETS) | set(RESULT_SHEETS)
    missing = [n for n in sorted(names) if not any(re.search(rf"\b{n}\b", h) for h in headings)]
    assert missing == []


def test_each_column_table_sits_under_its_sheet(doc):
    """A sheet's generated table is listed below the heading of that sheet (so that, e.g.,
    the Stocks input table is not filed under the Stocks results)."""
    section = None
    misplaced = []
    for line in doc.splitlines():
        if line.startswith("#"):
            section = line
        match = re.match(r"<!-- BEGIN GENERATED (?:input|result):(.+) -->", line)
        if match and match.group(1) not in section:
            misplaced.append((match.group(1), section))
    assert misplaced == []


def test_generated_tables_are_up_to_date(doc):
    assert _generator().render(doc) == doc, "run: python docs/build_reference.py"


def test_generator_names_a_missing_or_unknown_block(doc):
    generator = _generator()
    without_legs = re.sub(
        r"<!-- BEGIN GENERATED input:Legs -->.*?<!-- END GENERATED -->", "", doc, flags=re.S
    )
    with pytest.raises(generator.BlockError, match=r"no block for 'input:Legs'"):
        generator.render(without_legs)
    extra = doc + "\n<!-- BEGIN GENERATED input:Ports -->\n<!-- END GENERATED -->\n"
    with pytest.raises(generator.BlockError, match=r"unknown block 'input:Ports'"):
        generator.render(extra)
    unclosed = doc.replace("<!-- END GENERATED -->", "", 1)
    with pytest.raises(generator.BlockError, match="do not pair up"):
        generator.render(unclosed)


def test_generator_rewrites_a_stale_table(doc):
    """A table edited by hand (or left behind by a schema change) is put back."""
    stale = doc.replace("| `co2` |", "| `carbon` |", 1)
    assert stale != doc
    assert _generator().render(stale) == doc


def _project_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "pyproject.toml", ROOT / "Makefile"]
    files += [p for p in (ROOT / "docs").rglob("*") if p.is_file() and p.suffix != ".png"]
    files += [
        p
        for p in (ROOT / "model").rglob("*")
        if p.is_file() and p.suffix != ".pyc" and not any(".egg-info" in part for part in p.parts)
    ]  # the package's files, not what pip wrote beside them (egg-info copies the README)
    return files


def test_no_project_file_points_outside_the_repository():
    """A clone has no ../shared: the project's docs must stand on their own."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in _project_files()
        if re.search(r"\.\./shared|/work/shared", p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


def test_relative_links_in_readme_and_docs_exist():
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert broken == []


def test_readme_links_to_the_reference():
    assert "](docs/workbook.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------ schema() as data


def test_schema_is_json_and_round_trips():
    data = schema()
    assert json.loads(json.dumps(data)) == data
    assert data["schema_version"] == "1.2"


def test_schema_covers_the_contract():
    data = schema()
    assert list(data["input_sheets"]) == list(INPUT_SHEETS)
    assert list(data["settings"]) == list(SETTINGS)
    assert list(data["result_sheets"]) == list(RESULT_SHEETS)
    assert list(data["summary_items"]) == list(SUMMARY_FORMATS)
    assert data["per_commodity_items"] == list(PER_COMMODITY_ITEMS)
    assert data["cost_components"] == list(COST_COMPONENTS)
    for name, sheet in data["input_sheets"].items():
        assert [c["name"] for c in sheet["columns"]] == INPUT_SHEETS[name].column_names


def test_every_setting_has_its_unit_recorded():
    """SETTING_UNITS is kept beside SETTINGS: a new setting must say its unit."""
    assert set(SETTING_UNITS) == set(SETTINGS)


def test_schema_one_input_column_field_by_field():
    legs = schema()["input_sheets"]["Routes"]["columns"][1]
    assert legs == {
        "name": "legs",
        "kind": "refs",
        "required": True,
        "default": None,
        "unit": "",
        "help": "Legs in order, L1 > L2 > L3",
        "ref": "leg",
        "choices": [],
        "minimum": None,
        "positive": False,
        "separator": ">",
    }
    cost = next(c for c in schema()["input_sheets"]["Legs"]["columns"] if c["name"] == "cost")
    assert (cost["kind"], cost["default"], cost["unit"], cost["minimum"]) == (
        "number",
        0.0,
        "money/capacity unit",
        0.0,
    )


def test_schema_settings_results_and_summary_entries():
    data = schema()
    assert data["settings"]["robust_against"] == {
        "kind": "list",
        "default": ["transit_country"],
        "unit": "",
        "help": SETTINGS["robust_against"].help,
        "choices": ["transit_country", "origin_country", "chokepoint", "corridor"],
        "minimum": 0.0,
    }
    assert data["settings"]["time_limit"]["default"] == 60.0
    assert data["settings"]["time_limit"]["unit"] == "seconds"
    unit_cost = data["result_sheets"]["Flows"]["columns"][9]
    assert unit_cost["name"] == "unit_cost"
    assert (unit_cost["format"], unit_cost["unit"]) == ("money", "money/commodity unit")
    assert data["summary_items"]["gap"] == {"format": "share", "unit": "share"}


def test_schema_answer_is_a_fresh_copy():
    """Changing the answer changes nothing in corridor."""
    first = schema()
    first["input_sheets"]["Legs"]["columns"][0]["name"] = "changed"
    first["settings"]["robust_against"]["default"].append("corridor")
    second = schema()
    assert second["input_sheets"]["Legs"]["columns"][0]["name"] == "leg"
    assert second["settings"]["robust_against"]["default"] == ["transit_country"]
    assert SETTINGS["robust_against"].default == ("transit_country",)

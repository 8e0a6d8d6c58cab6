"""The template's checks (spec section 8): a drop-down list on every column with a fixed
vocabulary or a reference, rejecting anything else (Excel's stop style), and a prompt on
every column; open columns list the forms they take."""

import openpyxl
import pytest

from corridor.cli import main
from corridor.schema import INPUT_SHEETS, MEASURES, SCENARIO_CHANGES, SETTINGS


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    assert main(["template", str(path)]) == 0
    return openpyxl.load_workbook(path)


def checks(wb, sheet: str) -> dict:
    """Column name -> its data validation."""
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    out = {}
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split(":")[0]
        column = openpyxl.utils.column_index_from_string(first.rstrip("0123456789")) - 1
        assert str(dv.sqref) == f"{first}:{first[:-1]}2000", dv.sqref  # rows 2 to 2000
        out[header[column]] = dv
    return out


def listed(dv) -> list[str]:
    assert dv.type == "list"
    return dv.formula1.strip('"').split(",")


def test_every_column_of_every_sheet_has_a_prompt(template):
    for spec in INPUT_SHEETS.values():
        found = checks(template, spec.name)
        assert set(found) == set(spec.column_names), spec.name
        for name, dv in found.items():
            assert dv.showInputMessage and dv.promptTitle == name[:32], (spec.name, name)
            assert dv.prompt and len(dv.prompt) <= 255, (spec.name, name)
            if dv.type is not None:  # a check: stop style (the attribute's default), blanks ok
                assert dv.errorStyle in (None, "stop") and dv.showErrorMessage, (spec.name, name)
                assert dv.allow_blank, (spec.name, name)


def test_fixed_vocabularies_are_lists(template):
    assert listed(checks(template, "Legs")["mode"]) == [
        "rail",
        "road",
        "sea",
        "ferry",
        "pipeline",
        "river",
        "air",
    ]
    assert listed(checks(template, "Limits")["measure"]) == list(MEASURES)
    assert listed(checks(template, "Scenarios")["change"]) == list(SCENARIO_CHANGES)
    for sheet in ("Capacities", "Expansions"):
        assert listed(checks(template, sheet)["target_type"]) == ["node", "leg", "route"]
    assert listed(checks(template, "Routes")["active"]) == ["yes", "no"]


def test_settings_names_come_from_the_hidden_lists_sheet(template):
    dv = checks(template, "Settings")["setting"]
    assert dv.type == "list" and dv.formula1 == f"Lists!$A$2:$A${len(SETTINGS) + 1}"
    lists = template["Lists"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(r, 1).value for r in range(2, len(SETTINGS) + 2)] == list(SETTINGS)


@pytest.mark.parametrize(
    "sheet, column, target",
    [
        ("Legs", "from", "Nodes"),
        ("Contracts", "commodity", "Commodities"),
        ("Contracts", "period", "Periods"),
        ("Capacities", "period", "Periods"),
        ("Expansions", "first_period", "Periods"),
        ("Demand", "destination", "Nodes"),
        ("Offers", "origin", "Nodes"),
        ("Stocks", "node", "Nodes"),
        ("Stocks", "commodity", "Commodities"),
    ],
)
def test_references_list_the_referenced_ids(template, sheet, column, target):
    dv = checks(template, sheet)[column]
    assert dv.type == "list" and dv.formula1 == f"{target}!$A$2:$A$2000"


def test_limits_scopes_accept_an_id_star_or_all(template):
    dv = checks(template, "Limits")["destination"]
    assert dv.type == "custom"
    assert dv.formula1 == 'OR(D2="*",UPPER(D2)="ALL",COUNTIF(Nodes!$A$2:$A$2000,D2)>0)'
    assert "Contracts!$A$2:$A$2000" in checks(template, "Limits")["contract"].formula1


def test_open_and_list_columns_are_free_with_the_forms_in_the_prompt(template):
    scenarios = checks(template, "Scenarios")
    assert scenarios["target"].type is None
    assert "country:RU" in scenarios["target"].prompt and "rule:default_cap" in (
        scenarios["target"].prompt
    )
    value = checks(template, "Limits")["value"]
    assert value.type is None and "or * for each one separately" in value.prompt
    closure = checks(template, "Disruptions")["closure"]
    assert closure.type is None and "chokepoint:Bosporus" in closure.prompt
    legs = checks(template, "Routes")["legs"]
    assert legs.type is None and "A list of leg ids separated by '>'" in legs.prompt
    modes = checks(template, "Commodities")["modes"]
    assert modes.type is None and "A list of modes separated by ','" in modes.prompt

"""JSON in and out: the workbook's tables as JSON through the same checks, results and input
errors as strict JSON with a schema version, on the command line and in Python."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import corridor
from corridor.cli import main

from cases import world
from examples import EXAMPLE, ROOT, example_json


@pytest.fixture(scope="module")
def workbook_objective() -> float:
    return corridor.run(EXAMPLE).result.objective


@pytest.mark.parametrize("form", ["records", "columns"])
def test_json_input_solves_to_the_workbook_plan(form, workbook_objective):
    """The example as records and as columns per sheet reads into the same 44 flow
    variables and solves to the workbook's own optimum."""
    inputs = corridor.from_json(json.dumps(example_json(form)))
    assert len(inputs.flows) == 44
    outcome = corridor.run(inputs)
    assert outcome.result.objective == pytest.approx(workbook_objective, rel=1e-9)


def test_json_errors_name_the_sheet_cell_record_and_column():
    doc = example_json()
    legs = doc["sheets"]["Legs"]
    legs[2]["cost"] = "abc"
    legs[3]["to"] = "NOWHERE"
    with pytest.raises(corridor.InputError) as info:
        corridor.from_json(doc, source="plan.json")
    errors = [e.to_dict() for e in info.value.errors]
    assert [
        (e["sheet"], e["cell"], e["frame_row"], e["frame_column"], e["code"]) for e in errors
    ] == [
        ("Legs", "E4", 2, "cost", "bad-number"),
        ("Legs", "C5", 3, "to", "unknown-ref"),
    ]
    assert errors[0]["where"] == "Legs!E4 (frame row 2, column 'cost')"
    assert errors[0]["value"] == "abc"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nope", "not JSON: Expecting value: line 1 column 1 (char 0)"),
        ("[1, 2]", 'expected an object {"schema_version": ..., "sheets": {...}}, got a list'),
        (
            '{"tables": {}}',
            "expected \"sheets\": an object of sheet name -> table (found 'tables')",
        ),
        ('{"schema_version": "9.0", "sheets": {}}', "schema_version '9.0' is not one this"),
        (
            '{"sheets": {"Nodes": 5}}',
            "expected a list of records (objects of column -> value) or an object of column -> "
            "list of values, not 5",
        ),
        ('{"sheets": {"Nodes": [[1, 2]]}}', "record 0 is [1, 2], not an object of column"),
    ],
)
def test_json_of_the_wrong_shape_is_an_input_error(text, message):
    with pytest.raises(corridor.InputError) as info:
        corridor.from_json(text)
    assert [e.code for e in info.value.errors] == ["bad-json"]
    assert info.value.errors[0].message.startswith(message)


def test_a_sheet_of_json_may_be_a_list_valued_cell_as_an_array():
    """Route legs as a JSON array read as the workbook's 'AX > XD'."""
    sheets = world()
    sheets["Routes"][0]["legs"] = ["AX", "XD"]
    inputs = corridor.from_json({"schema_version": "1.2", "sheets": sheets})
    assert tuple(inputs.routes.loc["R_cn", "legs"]) == ("AX", "XD")


def test_solve_json_prints_the_whole_results_and_writes_nothing(tmp_path, capsys):
    """`corridor solve plan.json --json --no-write`: exit 0, every result sheet on stdout as
    strict JSON with the schema version, no file beside the input."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(example_json()))
    assert main(["solve", str(path), "--json", "--no-write"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["schema_version"] == "1.2" and out["status"] == "optimal"
    assert out["exit_code"] == 0 and out["results_file"] is None
    assert {"Flows", "Contracts", "Exposure", "Rules", "Capacity", "Routes", "Log"} <= set(
        out["sheets"]
    )
    assert out["summary"]["input_sha256"] and len(out["sheets"]["Flows"]) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_solve_json_writes_the_workbook_beside_the_input(tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(example_json("columns")))
    assert main(["solve", str(path)]) == 0
    assert (tmp_path / "plan_results.xlsx").exists()
    assert "results:" in capsys.readouterr().out


def test_json_input_errors_on_the_command_line(tmp_path, capsys):
    """Exit 2 either way; with --json the errors come as JSON on stdout, each with its code
    and place; without it as text on stderr."""
    doc = example_json()
    doc["sheets"]["Legs"][2]["cost"] = "abc"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    assert main(["solve", str(path), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "invalid_input" and out["exit_code"] == 2
    assert out["schema_version"] == "1.2" and out["source"] == str(path)
    (error,) = out["errors"]
    assert (error["sheet"], error["cell"], error["code"], error["frame_row"]) == (
        "Legs",
        "E4",
        "bad-number",
        2,
    )
    assert main(["validate", str(path)]) == 2
    assert "Legs!E4 (frame row 2, column 'cost') [cost] = 'abc'" in capsys.readouterr().err
    assert not (tmp_path / "bad_results.xlsx").exists()


def test_infeasible_json_run_carries_the_diagnosis_and_exit_code(tmp_path, capsys):
    """Three routes through three countries under a 30 % cap: no plan (exit 3); the JSON has
    the Diagnosis and no NaN anywhere (strict JSON)."""
    path = tmp_path / "tight.json"
    path.write_text(json.dumps({"sheets": world({"default_max_transit_share": 0.3})}))
    assert main(["solve", str(path), "--json", "--no-write"]) == 3
    text = capsys.readouterr().out
    out = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in strict JSON"))
    assert out["status"] == "infeasible" and out["exit_code"] == 3
    options = {row["option"] for row in out["sheets"]["Diagnosis"]}
    assert {"least change", "tightest cap"} <= options
    notes = [r for r in out["sheets"]["Diagnosis"] if r["kind"] == "note"]
    assert notes and all(r["current"] is None for r in notes)  # NaN -> null


def test_results_to_json_is_strict_and_round_trips():
    """NaN and infinities become null, numpy numbers plain ones; every sheet keeps its rows."""
    results = corridor.run(corridor.from_frames({k: pd.DataFrame(v) for k, v in world().items()}))
    results = results.results
    results.sheets["Extra"] = pd.DataFrame({"a": [1.0, float("nan"), float("inf")]})
    data = json.loads(results.to_json())
    assert data["schema_version"] == "1.2"
    assert data["sheets"]["Extra"] == [{"a": 1.0}, {"a": None}, {"a": None}]
    assert {k: len(v) for k, v in data["sheets"].items()} == {
        k: len(v) for k, v in results.sheets.items()
    }
    assert data["summary"]["objective"] == pytest.approx(2000)


def test_the_shipped_json_schema_is_the_generated_one():
    """docs/input.schema.json is `python -m corridor.json_schema docs/input.schema.json`."""
    from corridor.json_schema import input_json_schema

    shipped = json.loads((ROOT / "docs" / "input.schema.json").read_text())
    assert shipped == input_json_schema()
    sheets = shipped["properties"]["sheets"]
    assert sheets["required"] == ["Commodities", "Nodes", "Legs", "Routes", "Contracts"]
    legs = shipped["$defs"]["Legs"]
    assert legs["required"] == ["leg", "from", "to", "mode"]
    assert legs["properties"]["mode"]["enum"][:3] == ["rail", "road", "sea"]


def test_the_input_example_in_docs_json_md_solves():
    """The document's example: 100 t from A to D by R_cn at 10 + 10 per t: 2000."""
    text = (ROOT / "docs" / "json.md").read_text()
    example = text.split("```json\n", 1)[1].split("```", 1)[0]
    outcome = corridor.run(corridor.from_json(example))
    assert outcome.result.objective == pytest.approx(2000)

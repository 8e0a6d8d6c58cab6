"""Scenarios sheet: validation with cells, combined changes equal direct solves, and the same
results in this process, on local processes and on a local Dask cluster."""

from __future__ import annotations

import copy
import pickle

import openpyxl
import pandas as pd
import pytest

import corridor
from corridor.analysis.batch import Footing, Job, run_jobs
from corridor.analysis.scenarios import FLOWS_SHEET, SHEET, read_scenarios, run_scenarios
from corridor.cli import main
from corridor.highs import SolveOptions
from corridor.whatif import REPORT_COLUMNS, Change

from cases import BASE, frames, solve, world, write_workbook

SCENARIOS = [
    {"scenario": "no CN", "change": "close", "target": "country:CN"},
    {"scenario": "combo", "change": "close", "target": "country:CN"},
    {"scenario": "combo", "change": "scale_cost", "target": "leg:AY", "value": 2},
    {"scenario": "combo", "change": "scale_volume", "target": "contract:K1", "value": 1.5},
    {"scenario": "combo", "change": "scale_capacity", "target": "leg:AZ", "value": 0.5},
    {"scenario": "looser", "change": "set_limit", "target": "rule:cn_cap", "value": 0.8},
    {"scenario": "dearer", "change": "scale_cost", "target": "all", "value": 1.1},
]


def scenario_world(rows=SCENARIOS) -> dict:
    """AZ leg capacity 100, CN capped at 40 % by rule cn_cap: base CN 40 + RU 60 = 2600."""
    legs = copy.deepcopy(BASE["Legs"])
    legs[4]["capacity"] = 100
    limits = [{"rule": "cn_cap", "measure": "transit_country", "value": "CN", "max_share": 0.4}]
    return world(Legs=legs, Limits=limits, Scenarios=rows)


def _run(sheets):
    inputs = corridor.from_frames(frames(sheets))
    return run_scenarios(inputs, SolveOptions(), read_scenarios(inputs), workers=1)


def _all(table, scenario):
    hit = table[(table["scenario"] == scenario) & (table["commodity"] == "ALL")]
    return hit.iloc[0]


def _u(table, scenario):
    hit = table[(table["scenario"] == scenario) & (table["commodity"] == "U")]
    return hit.iloc[0]


def test_combined_changes_equal_a_direct_solve_of_the_changed_workbook():
    """Plan: CN 40 + RU 60 = 2600. combo: CN closed, AY 30 (R_ru 45/t), K1 150 t, AZ holds
    50: AZ 50 x 40 + RU 100 x 45 = 6500 (+3900). no CN: all RU = 3000 (+400). looser: CN
    80 % = 1600 + 600 = 2200 (-400). dearer: 2600 x 1.1 (+260)."""
    results, table, flows, _ = _run(scenario_world())
    assert results.summary["objective"] == pytest.approx(2600)
    assert list(table.columns[:1]) == ["scenario"]
    assert list(table.columns[1 : len(REPORT_COLUMNS)]) == REPORT_COLUMNS[1:]
    assert list(dict.fromkeys(table["scenario"])) == ["no CN", "combo", "looser", "dearer"]
    # the changed workbook typed by hand: CN routes gone, AY 30, K1 150 t, AZ capacity 50
    direct = scenario_world()
    direct["Routes"] = [r for r in direct["Routes"] if r["route"] != "R_cn"]
    direct["Legs"][2]["cost"] = 30
    direct["Legs"][4]["capacity"] = 50
    direct["Contracts"][0]["volume"] = 150
    expected = solve(direct).results.summary["objective"]
    assert expected == pytest.approx(6500)
    assert _all(table, "combo")["total_cost_change"] == pytest.approx(expected - 2600)
    assert _u(table, "combo")["delivered"] == pytest.approx(150)
    assert _u(table, "combo")["stopped"] == pytest.approx(40)  # the plan's CN flow
    combo = flows[flows["scenario"] == "combo"].set_index("route")["volume"]
    assert combo.to_dict() == pytest.approx({"R_ru": 100, "R_az": 50})
    looser = scenario_world()
    looser["Limits"][0]["max_share"] = 0.8
    assert _all(table, "looser")["total_cost_change"] == pytest.approx(
        solve(looser).results.summary["objective"] - 2600
    )
    assert _all(table, "no CN")["total_cost_change"] == pytest.approx(400)
    assert _all(table, "dearer")["total_cost_change"] == pytest.approx(260)
    assert set(table["status"]) == {"optimal"}


def test_local_processes_and_a_local_dask_cluster_give_identical_results():
    distributed = pytest.importorskip("distributed")
    inputs = corridor.from_frames(frames(scenario_world()))
    batch = read_scenarios(inputs)
    jobs = [Job(name, changes) for name, changes in batch.items()]
    options = SolveOptions()
    footing = Footing(with_flows=True)
    here = run_jobs(inputs, jobs, options, footing, workers=1)
    local = run_jobs(inputs, jobs, options, footing, workers=2)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_jobs(inputs, jobs, options, footing, scheduler=cluster.scheduler_address)
    assert [s.name for s in here] == [s.name for s in local] == [s.name for s in remote]
    for a, b, c in zip(here, local, remote, strict=True):
        assert a.status == b.status == c.status == "optimal"
        assert a.objective == pytest.approx(b.objective) == pytest.approx(c.objective)
        pd.testing.assert_frame_equal(a.commodities, b.commodities)
        pd.testing.assert_frame_equal(a.commodities, c.commodities)
        pd.testing.assert_frame_equal(a.flows, c.flows)


def test_inputs_pickle_and_solve_the_same():
    inputs = corridor.from_frames(frames(scenario_world()))
    again = pickle.loads(pickle.dumps(inputs))
    a = corridor.run(inputs).results.summary["objective"]
    assert corridor.run(again).results.summary["objective"] == a


@pytest.mark.parametrize(
    ("row", "cell", "message"),
    [
        ({"change": "close", "target": "planet:Mars"}, "C2", "close takes a target of the form"),
        ({"change": "scale_cost", "target": "all", "value": "20%"}, "D2", "write 1.2 for +20 %"),
        ({"change": "close", "target": "country:cn"}, "C2", "did you mean 'CN'?"),
        ({"change": "close", "target": "all"}, "C2", "close takes a target of the form"),
        ({"change": "close", "target": "leg"}, "C2", "expected kind:id"),
        ({"change": "scale_cost", "target": "node:A", "value": 2}, "C2", "leg:id or route:id"),
        ({"change": "scale_cost", "target": "leg:AX", "value": None}, "D2", "needs a factor"),
        ({"change": "scale_cost", "target": "leg:AX", "value": None}, "D2", "1.2 means +20 %"),
        ({"change": "scale_volume", "target": "all", "value": -1}, "D2", "a number >= 0"),
        ({"change": "set_limit", "target": "rule:cn_cap", "value": 1.5}, "D2", "at most 1"),
        ({"change": "set_limit", "target": "rule:nope", "value": 0.5}, "C2", "unknown rule"),
        ({"change": "scale_volume", "target": "contract:K9", "value": 2}, "C2", "unknown contract"),
    ],
)
def test_invalid_rows_name_their_cells(row, cell, message):
    inputs = corridor.from_frames(frames(scenario_world([{"scenario": "s", **row}])))
    with pytest.raises(corridor.InputError) as info:
        read_scenarios(inputs)
    (issue,) = info.value.errors
    assert isinstance(issue, corridor.InputIssue)
    assert issue.sheet == "Scenarios" and issue.cell == cell
    assert message in issue.message


def test_every_bad_row_is_reported_and_the_command_exits_2(tmp_path, capsys):
    rows = [
        {"scenario": "ok", "change": "close", "target": "country:RU"},
        {"scenario": "Base", "change": "close", "target": "country:RU"},
        {"scenario": "x", "change": "scale_capacity", "target": "leg:QQ", "value": 2},
        {"scenario": "OK", "change": "close", "target": "route:R_az"},
    ]
    src = tmp_path / "plan.xlsx"
    write_workbook(scenario_world(rows), src)
    assert main(["scenarios", str(src), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    for where in ("Scenarios!A3", "Scenarios!C4", "Scenarios!A5"):
        assert where in err
    assert not (tmp_path / "plan_scenarios.xlsx").exists()


def test_a_missing_value_column_names_the_row():
    rows = [{"scenario": "s", "change": "scale_cost", "target": "leg:AX"}]
    with pytest.raises(corridor.InputError, match=r"row 2: add a value column"):
        read_scenarios(corridor.from_frames(frames(scenario_world(rows))))


def test_a_workbook_without_scenarios_is_an_input_error():
    with pytest.raises(corridor.InputError, match="no scenarios"):
        read_scenarios(corridor.from_frames(frames(world())))


def test_rows_combine_in_order_and_targets_are_normalised():
    rows = [
        {"scenario": "s", "change": "close", "target": " Country : CN "},
        {"scenario": "t", "change": "scale_cost", "target": "ALL", "value": 2},
        {"scenario": "s", "change": "scale_volume", "target": "Commodity:U", "value": 0.5},
    ]
    batch = read_scenarios(corridor.from_frames(frames(scenario_world(rows))))
    assert batch == {
        "s": [Change("close", "country:CN"), Change("scale_volume", "commodity:U", 0.5)],
        "t": [Change("scale_cost", "all", 2.0)],
    }


def test_scenarios_command_writes_the_comparison_and_the_flows(tmp_path, capsys):
    src = tmp_path / "plan.xlsx"
    write_workbook(scenario_world(), src)
    assert main(["scenarios", str(src), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "combo: optimal, total cost change 3,900 USD, worst delivered 150.0% (U)" in printed
    wb = openpyxl.load_workbook(tmp_path / "plan_scenarios.xlsx")
    assert {"Summary", "Flows", SHEET, FLOWS_SHEET} <= set(wb.sheetnames)
    header = [c.value for c in wb[SHEET][1]]
    assert header[: len(REPORT_COLUMNS)] == ["scenario", *REPORT_COLUMNS[1:]]
    assert {"status", "changes"} <= set(header)
    names = [r[0] for r in wb[SHEET].iter_rows(min_row=2, values_only=True)]
    assert names == ["no CN", "no CN", "combo", "combo", "looser", "looser", "dearer", "dearer"]
    flows = list(wb[FLOWS_SHEET].iter_rows(values_only=True))
    assert flows[0][0] == "scenario"
    assert {r[0] for r in flows[1:]} == {"no CN", "combo", "looser", "dearer"}

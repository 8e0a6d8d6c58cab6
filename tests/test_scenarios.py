"""Scenarios sheet: validation with cells, combined changes equal direct solves, and the same
results in this process, on local processes and on a local Dask cluster."""

from __future__ import annotations

import copy
import pickle

import openpyxl
import pandas as pd
import pytest

import corridor
from corridor.analysis.scenarios import (
    FLOWS_SHEET,
    SHEET,
    read_scenarios,
    run_batch,
    run_scenarios,
)
from corridor.cli import main
from corridor.solve import SolveOptions
from corridor.whatif import Change

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


def test_combined_changes_equal_a_direct_solve_of_the_changed_workbook():
    done = run_scenarios(corridor.from_frames(frames(scenario_world())), show_progress=False)
    table = done.table.set_index("scenario")
    assert list(table.index) == ["base", "no CN", "combo", "looser", "dearer"]
    assert table.at["base", "cost"] == pytest.approx(2600)
    # the changed workbook typed by hand: CN routes gone, AY 30, K1 150 t, AZ capacity 50
    direct = scenario_world()
    direct["Routes"] = [r for r in direct["Routes"] if r["route"] != "R_cn"]
    direct["Legs"][2]["cost"] = 30
    direct["Legs"][4]["capacity"] = 50
    direct["Contracts"][0]["volume"] = 150
    expected = solve(direct)
    summary = expected.results.summary
    assert summary["objective"] == pytest.approx(6500)  # AZ 50 x 40 + RU 100 x 45
    assert table.at["combo", "cost"] == pytest.approx(summary["objective"])
    assert table.at["combo", "delivered"] == pytest.approx(summary["delivered"])
    assert table.at["combo", "delivered_share"] == pytest.approx(1.0)
    assert table.at["combo", "cost_vs_base"] == pytest.approx(6500 - 2600)
    assert table.at["combo", "delivered_vs_base"] == pytest.approx(50)
    flows = done.flows[done.flows["scenario"] == "combo"].set_index("route")["volume"]
    assert flows.to_dict() == pytest.approx({"R_ru": 100, "R_az": 50})
    # a set_limit: CN may carry 80 %
    looser = scenario_world()
    looser["Limits"][0]["max_share"] = 0.8
    assert table.at["looser", "cost"] == pytest.approx(solve(looser).results.summary["objective"])
    assert table.at["looser", "max_share_CN"] == pytest.approx(0.8)
    assert table.at["base", "max_share_CN"] == pytest.approx(0.4)
    assert table.at["dearer", "cost"] == pytest.approx(2600 * 1.1)


def test_local_processes_and_a_local_dask_cluster_give_identical_results():
    distributed = pytest.importorskip("distributed")
    inputs = corridor.from_frames(frames(scenario_world()))
    batch = read_scenarios(inputs)
    options = SolveOptions()
    here = run_batch(inputs, batch, options, workers=1)
    local = run_batch(inputs, batch, options, workers=2)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_batch(inputs, batch, options, scheduler=cluster.scheduler_address)
    assert list(here) == list(local) == list(remote) == list(batch)
    for name in batch:
        a, b, c = here[name], local[name], remote[name]
        assert a.status == b.status == c.status == "optimal"
        assert a.cost == b.cost == c.cost
        assert a.delivered == b.delivered == c.delivered
        assert a.max_share == b.max_share == c.max_share
        pd.testing.assert_frame_equal(a.flows, b.flows)
        pd.testing.assert_frame_equal(a.flows, c.flows)
        pd.testing.assert_frame_equal(a.contracts, c.contracts)


def test_inputs_pickle_and_solve_the_same():
    inputs = corridor.from_frames(frames(scenario_world()))
    again = pickle.loads(pickle.dumps(inputs))
    a = corridor.run(inputs).results.summary["objective"]
    assert corridor.run(again).results.summary["objective"] == a


@pytest.mark.parametrize(
    ("row", "cell", "message"),
    [
        ({"change": "close", "target": "planet:Mars"}, "C2", "close takes a target of the form"),
        ({"change": "close", "target": "country:cn"}, "C2", "did you mean 'CN'?"),
        ({"change": "close", "target": "all"}, "C2", "close takes a target of the form"),
        ({"change": "close", "target": "leg"}, "C2", "expected kind:id"),
        ({"change": "scale_cost", "target": "node:A", "value": 2}, "C2", "leg:id or route:id"),
        ({"change": "scale_cost", "target": "leg:AX", "value": None}, "D2", "needs a factor"),
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
    assert "combo" in capsys.readouterr().out
    wb = openpyxl.load_workbook(tmp_path / "plan_scenarios.xlsx")
    assert {"Summary", "Flows", SHEET, FLOWS_SHEET} <= set(wb.sheetnames)
    header = [c.value for c in wb[SHEET][1]]
    assert header[:5] == ["scenario", "status", "cost", "delivered", "delivered_share"]
    assert {"max_share_CN", "max_share_RU", "cost_vs_base", "delivered_vs_base"} <= set(header)
    assert [r[0] for r in wb[SHEET].iter_rows(min_row=2, values_only=True)] == [
        "base",
        "no CN",
        "combo",
        "looser",
        "dearer",
    ]
    flows = list(wb[FLOWS_SHEET].iter_rows(values_only=True))
    assert flows[0][0] == "scenario"
    assert {r[0] for r in flows[1:]} == {"no CN", "combo", "looser", "dearer"}

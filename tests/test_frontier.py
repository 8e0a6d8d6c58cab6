"""The cost-of-diversification frontier on hand-checkable worlds.

Base world (tests/cases.py): 100 t from A to D over R_cn (20/t, via CN), R_ru (30/t, via RU)
and R_az (40/t, via AZ). Under a default transit cap c the cheapest plan costs
    3000 - 1000 c          for c >= 1/2  (CN c, RU the rest)
    4000 - 3000 c          for 1/3 <= c < 1/2  (CN c, RU c, AZ the rest)
and no plan exists below 1/3.
"""

from __future__ import annotations

import importlib
import zipfile

import openpyxl
import pytest

import corridor
from corridor.analysis import frontier as fr
from corridor.cli import main
from corridor.generate import generate_frames
from corridor.whatif import Change, apply

from cases import frames, solve, world, write_workbook


def cost(c: float) -> float:
    return 3000 - 1000 * c if c >= 0.5 else 4000 - 3000 * c


def inputs_of(sheets):
    return corridor.from_frames(frames(sheets))


def by_cap(frontier) -> dict[float, fr.Point]:
    return {round(p.cap, 6): p for p in frontier.points}


def test_sweep_steps_from_the_uncapped_share_to_the_tightest_cap():
    f = fr.sweep(inputs_of(world({"default_max_transit_share": 0.5})))
    caps = [p.cap for p in f.points]
    assert caps[0] == pytest.approx(1.0)  # uncapped: all 100 t via CN
    assert caps[1:14] == pytest.approx([0.95 - 0.05 * k for k in range(13)])
    assert caps[-1] == pytest.approx(0.334)  # refined to 1e-3; 0.333 < 1/3 is infeasible
    assert f.first_infeasible == pytest.approx(0.333)
    assert [p.kind for p in f.points][::13] == ["uncapped", "step"] and f.tightest is f.points[-1]
    for p in f.points:
        assert p.objective == pytest.approx(cost(p.cap))
        assert p.delivered == pytest.approx(100.0)
        assert p.shares["CN"] == pytest.approx(p.cap)
    table = f.frame()
    assert list(table.columns) == [
        "cap",
        "total_cost",
        "premium",
        "max_share_AZ",
        "max_share_CN",
        "max_share_RU",
        "delivered",
        "point",
        "status",
    ]
    assert table["premium"].iloc[-1] == pytest.approx(cost(0.334) - 2000)


@pytest.mark.parametrize("cap", [0.85, 0.4, 0.334])
def test_frontier_point_equals_a_direct_solve(cap):
    f = fr.sweep(inputs_of(world()))  # no cap in the workbook: the sweep makes its rows
    direct = solve(world({"default_max_transit_share": cap}))
    assert direct.result.status == "optimal"
    assert by_cap(f)[cap].objective == pytest.approx(direct.result.objective, rel=1e-9)


def test_mip_frontier_points_equal_direct_solves():
    # A fixed cost on R_az and lots on R_ru make each point a MIP, solved from the last plan.
    routes = [
        {"route": "R_cn", "legs": "AX > XD"},
        {"route": "R_ru", "legs": "AY > YD", "lot_size": 10, "lot_cost": 7},
        {"route": "R_az", "legs": "AZ > ZD", "corridor": "Caspian", "fixed_cost": 150},
    ]
    f = fr.sweep(inputs_of(world(Routes=routes)), step=0.1)
    assert f.tightest is not None and f.points[-1].cap == pytest.approx(0.334)
    for cap in (0.6, 0.4, 0.334):
        direct = solve(world({"default_max_transit_share": cap}, Routes=routes))
        assert direct.result.is_mip
        assert by_cap(f)[cap].objective == pytest.approx(direct.result.objective, rel=1e-6)


def test_points_spread_evenly_down_to_the_tightest_cap():
    f = fr.sweep(inputs_of(world()), points=4)
    caps = [p.cap for p in f.points]
    assert caps == pytest.approx([1.0, 0.778, 0.556, 0.334])
    assert [p.kind for p in f.points] == ["uncapped", "step", "step", "tightest"]
    for p in f.points:
        assert p.objective == pytest.approx(cost(p.cap))


def test_without_refinement_the_last_step_is_the_tightest():
    f = fr.sweep(inputs_of(world()), step=0.1, refine=False)
    assert f.points[-1].cap == pytest.approx(0.4) and f.points[-1].kind == "tightest"
    assert f.first_infeasible == pytest.approx(0.3)


def test_named_rule_sweep_matches_set_limit():
    # cn_cap is the only cap: CN's share can go to 0 (RU takes over at 30/t).
    limits = [{"rule": "cn_cap", "measure": "transit_country", "value": "CN", "max_share": 0.7}]
    inputs = inputs_of(world(Limits=limits))
    f = fr.sweep(inputs, "cn_cap", step=0.25)
    assert [p.cap for p in f.points] == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])
    assert f.points[-1].kind == "tightest" and f.first_infeasible is None
    for p in f.points:
        changed = corridor.run(apply(inputs, [Change("set_limit", "rule:cn_cap", p.cap)]))
        assert p.objective == pytest.approx(changed.result.objective)
        assert p.objective == pytest.approx(3000 - 1000 * p.cap)


def test_one_model_serves_the_whole_run(monkeypatch, tmp_path):
    compiled = []
    solve_module = importlib.import_module("corridor.solve")
    original = solve_module.compile_model
    monkeypatch.setattr(solve_module, "compile_model", lambda m: compiled.append(m) or original(m))
    done = fr.run_frontier(inputs_of(world({"default_max_transit_share": 0.5})))
    assert len(compiled) == 1
    assert done.frontier.solves > 10
    # the workbook's own plan (cap 0.5) is in the same workbook, with marginal values
    assert done.results.summary["objective"] == pytest.approx(2500)
    rules = done.results["Rules"]
    assert rules.loc[rules["value"] == "CN", "marginal_value"].iloc[0] == pytest.approx(10)


def test_an_infeasible_workbook_cap_still_gets_its_frontier():
    done = fr.run_frontier(inputs_of(world({"default_max_transit_share": 0.3})))
    assert done.base.status == "infeasible" and "Diagnosis" in done.results.sheets
    assert done.exit_code == 0
    assert done.frontier.points[-1].cap == pytest.approx(0.334)


def test_nothing_to_sweep_is_an_input_error():
    with pytest.raises(corridor.InputError, match="no such rule"):
        fr.sweep(inputs_of(world()), "nope")
    limits = [{"rule": "az_min", "measure": "corridor", "value": "Caspian", "min_volume": 1}]
    with pytest.raises(corridor.InputError, match="no max_share"):
        fr.sweep(inputs_of(world(Limits=limits)), "az_min")


def test_cli_writes_the_frontier_sheet_and_its_chart(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    write_workbook(world({"default_max_transit_share": 0.5}), path)
    assert main(["frontier", str(path), "--step", "0.1"]) == 0
    out = tmp_path / "plan_frontier.xlsx"
    printed = capsys.readouterr().out
    assert "tightest" in printed and str(out) in printed
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames.index("Routes") < wb.sheetnames.index("Frontier")
    assert wb.sheetnames.index("Frontier") < wb.sheetnames.index("Log")
    ws = wb["Frontier"]
    assert len(ws.tables) == 1 and ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["cap", "total_cost", "premium"] and "max_share_RU" in header
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.334])
    assert rows[-1][header.index("point")] == "tightest"
    guide = {(r[0], r[1]) for r in wb["Guide"].iter_rows(min_row=2, values_only=True)}
    assert ("Frontier", "premium") in guide
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/")]
    line = [c for c in charts if "<c:lineChart>" in c]
    assert len(line) == 1
    assert "Frontier!$B$2:$B$9" in line[0] and "Frontier!$A$2:$A$9" in line[0]
    assert wb.sheetnames.index("Frontier chart") == wb.sheetnames.index("Frontier") + 1


def test_cli_points_and_bad_rule(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    write_workbook(world(), path)
    out = tmp_path / "f.xlsx"
    assert main(["frontier", str(path), "--points", "3", "-o", str(out), "--json"]) == 0
    assert '"point": "tightest"' in capsys.readouterr().out
    assert openpyxl.load_workbook(out)["Frontier"].max_row == 4
    assert main(["frontier", str(path), "--rule", "nope"]) == 2
    assert "no such rule" in capsys.readouterr().err


def test_benchmark_reused_sweep_agrees_with_independent_solves():
    inputs = corridor.from_frames(generate_frames(routes=12, commodities=1, periods=1))
    bench = fr.benchmark_sweep(inputs, points=6)
    assert bench["points"] == 6
    assert bench["max_objective_gap"] < 1e-7
    assert bench["reused_seconds"] > 0 and bench["independent_seconds"] > 0

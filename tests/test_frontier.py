"""The cost-of-diversification frontier on hand-checkable worlds.

Base world (tests/cases.py): 100 t from A to D over R_cn (20/t, via CN), R_ru (30/t, via RU)
and R_az (40/t, via AZ). Under a default transit cap c the cheapest plan costs
    3000 - 1000 c          for c >= 1/2  (CN c, RU the rest)
    4000 - 3000 c          for 1/3 <= c < 1/2  (CN c, RU c, AZ the rest)
and no plan exists below 1/3.
"""

from __future__ import annotations

import openpyxl
import pytest

import corridor
from corridor.analysis import frontier as fr
from corridor.cli import main

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
        assert p.commodity_cost["U"] == pytest.approx(cost(p.cap))  # one commodity: all of it
        assert p.shares["CN"] == pytest.approx(p.cap)
    table = f.frame()
    # 2026-11-30: cost and premium per commodity (spec v1.2); no delivered total that would
    # add different commodities' units
    assert list(table.columns) == [
        "cap",
        "total_cost",
        "premium",
        "cost_U",
        "premium_U",
        "max_share_AZ",
        "max_share_CN",
        "max_share_RU",
        "point",
        "status",
    ]
    assert table["premium"].iloc[-1] == pytest.approx(cost(0.334) - 2000)
    assert table["premium_U"].iloc[-1] == pytest.approx(cost(0.334) - 2000)


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
        plan = corridor.Plan(inputs)
        plan.set_cap(p.cap, rule="cn_cap")
        assert p.objective == pytest.approx(plan.solve().result.objective)
        assert p.objective == pytest.approx(3000 - 1000 * p.cap)


def test_a_ban_is_swept_upward_from_zero():
    """'no U via RU' (max_share 0): the cheapest plan without RU is all CN (2000), so the ban
    costs nothing here; ban RU and CN at 50 % by default cap instead: CN 50 + AZ 50 = 3000
    at 0, and each point of RU share replaces AZ (40/t) by RU (30/t): 3000 - 1000 c, up to
    RU's uncapped share 0.5 (CN 50 + RU 50 = 2500)."""
    limits = [{"rule": "no_ru", "measure": "transit_country", "value": "RU", "max_share": 0}]
    inputs = inputs_of(world({"default_max_transit_share": 0.5}, Limits=limits))
    f = fr.sweep(inputs, "no_ru", step=0.1)
    caps = [p.cap for p in f.points]
    assert caps == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert [p.kind for p in f.points] == ["ban", "step", "step", "step", "step", "uncapped"]
    for p in f.points:
        assert p.objective == pytest.approx(3000 - 1000 * p.cap)
    assert f.frame()["premium"].iloc[0] == pytest.approx(500)


def test_one_model_serves_the_whole_sweep(monkeypatch):
    """The sweep changes one HiGHS model: one hand-off, many solves."""
    from corridor import highs

    made = []
    original = highs.HighsModel.__init__

    def counting(self, program):
        made.append(program)
        original(self, program)

    monkeypatch.setattr(highs.HighsModel, "__init__", counting)
    f = fr.sweep(inputs_of(world({"default_max_transit_share": 0.5})))
    assert len(made) == 1
    assert f.solves > 10


def test_nothing_to_sweep_is_an_input_error():
    with pytest.raises(corridor.InputError, match="no such rule"):
        fr.sweep(inputs_of(world()), "nope")
    limits = [{"rule": "az_min", "measure": "corridor", "value": "Caspian", "min_volume": 1}]
    with pytest.raises(corridor.InputError, match="no max_share"):
        fr.sweep(inputs_of(world(Limits=limits)), "az_min")


def test_cli_writes_the_plan_and_the_frontier_sheet(tmp_path, capsys):
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
    assert header[:5] == ["cap", "total_cost", "premium", "cost_U", "premium_U"]
    assert "max_share_RU" in header
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.334])
    assert rows[-1][header.index("point")] == "tightest"
    # the workbook's own plan (cap 0.5) is in the same workbook, with marginal values
    rules = list(wb["Rules"].iter_rows(values_only=True))
    cn = [r for r in rules[1:] if r[rules[0].index("value")] == "CN"][0]
    assert cn[rules[0].index("marginal_value")] == pytest.approx(10)


def test_an_infeasible_workbook_cap_still_gets_its_frontier(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    write_workbook(world({"default_max_transit_share": 0.3}), path)
    assert main(["frontier", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "see the Diagnosis sheet" in printed
    wb = openpyxl.load_workbook(tmp_path / "plan_frontier.xlsx")
    assert "Diagnosis" in wb.sheetnames
    caps = [r[0] for r in wb["Frontier"].iter_rows(min_row=2, values_only=True)]
    assert caps[-1] == pytest.approx(0.334)


def test_cli_points_and_bad_rule(tmp_path, capsys):
    path = tmp_path / "plan.xlsx"
    write_workbook(world(), path)
    out = tmp_path / "f.xlsx"
    assert main(["frontier", str(path), "--points", "3", "-o", str(out), "--json"]) == 0
    assert '"point": "tightest"' in capsys.readouterr().out
    assert openpyxl.load_workbook(out)["Frontier"].max_row == 4
    assert main(["frontier", str(path), "--rule", "nope"]) == 2
    assert "no such rule" in capsys.readouterr().err

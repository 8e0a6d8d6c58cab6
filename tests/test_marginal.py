"""Marginal values on hand-checkable worlds: each one equals the cost change of a re-solve
with the bound loosened by one unit (capacity) or one percentage point (share cap).

Base world (tests/cases.py): 100 t from A to D over R_cn (20/t, via CN), R_ru (30/t, via RU)
and R_az (40/t, via AZ).
"""

from __future__ import annotations

import math

import openpyxl
import pytest

import corridor

from cases import frames, solve, world

AX_45 = [{"target_type": "leg", "target": "AX", "capacity": 45}]


def _cost(sheets) -> float:
    out = solve(sheets)
    assert out.result.status == "optimal"
    return out.result.objective


def _rule(out, rule: str, value: str | None = None):
    rules = out.results["Rules"]
    rows = rules[rules["rule"] == rule]
    if value is not None:
        rows = rows[rows["value"] == value]
    assert len(rows) == 1
    return rows.iloc[0]


def _capacity(out, ident: str):
    cap = out.results["Capacity"]
    return cap[cap["id"] == ident].iloc[0]


def test_capacity_value_is_the_saving_of_one_more_unit():
    # cap 0.5: RU 50 (30/t); AX holds CN at 45 (20/t); the last 5 t go via AZ (40/t).
    # One more unit on AX moves 1 t from AZ to CN: saves 20.
    settings = {"default_max_transit_share": 0.5}
    out = solve(world(settings, Capacities=AX_45))
    assert out.result.objective == pytest.approx(45 * 20 + 50 * 30 + 5 * 40)
    value = _capacity(out, "AX")["marginal_value"]
    more = [{**AX_45[0], "capacity": 46}]
    assert value == pytest.approx(out.result.objective - _cost(world(settings, Capacities=more)))
    assert value == pytest.approx(20.0)


def test_capacity_value_with_integer_decisions_held():
    # Fixed cost on R_cn and lots on R_az make it a MIP; the marginal value comes from the LP
    # with the route opening and the shipments fixed, and still matches a re-solve.
    routes = [
        {"route": "R_cn", "legs": "AX > XD", "fixed_cost": 100},
        {"route": "R_ru", "legs": "AY > YD"},
        {"route": "R_az", "legs": "AZ > ZD", "corridor": "Caspian", "lot_size": 10, "lot_cost": 3},
    ]
    settings = {"default_max_transit_share": 0.5}
    out = solve(world(settings, Capacities=AX_45, Routes=routes))
    assert out.result.is_mip and out.result.status == "optimal"
    value = _capacity(out, "AX")["marginal_value"]
    more = [{**AX_45[0], "capacity": 46}]
    saving = out.result.objective - _cost(world(settings, Capacities=more, Routes=routes))
    assert value == pytest.approx(saving)
    assert value == pytest.approx(20.0)


def test_slack_capacity_is_worth_nothing():
    out = solve(world(Capacities=[{"target_type": "node", "target": "Y", "capacity": 500}]))
    assert _capacity(out, "Y")["marginal_value"] == 0.0


def test_default_cap_value_is_the_saving_of_one_percentage_point():
    # cap 0.5: CN 50 at 20, RU 50 at 30; at 0.51 one more t goes via CN: saves 10.
    out = solve(world({"default_max_transit_share": 0.5}))
    cn = _rule(out, "default_cap", "CN")
    looser = _cost(world({"default_max_transit_share": 0.51}))
    assert cn["marginal_value"] == pytest.approx(out.result.objective - looser)
    assert cn["marginal_value"] == pytest.approx(10.0)
    assert _rule(out, "default_cap", "AZ")["marginal_value"] == 0.0


def test_rule_value_matches_a_set_limit_re_solve():
    limits = [
        {"rule": "ru_cap", "measure": "transit_country", "value": "RU", "max_share": 0.2},
        {"rule": "cn_cap", "measure": "transit_country", "value": "CN", "max_share": 0.5},
    ]
    # CN 50 (20/t), RU 20 (30/t), AZ 30 (40/t): +1 point on ru_cap moves 1 t from AZ to RU.
    sheets = world(Limits=limits)
    out = solve(sheets)
    ru = _rule(out, "ru_cap")
    plan = corridor.Plan(corridor.from_frames(frames(sheets)))
    plan.set_cap(0.21, rule="ru_cap")
    changed = plan.solve()
    assert ru["marginal_value"] == pytest.approx(out.result.objective - changed.result.objective)
    assert ru["marginal_value"] == pytest.approx(10.0)
    assert _rule(out, "cn_cap")["marginal_value"] == pytest.approx(20.0)  # AZ 40 -> CN 20


def test_volume_bound_value_per_capacity_unit():
    # 10 t must go via the Caspian corridor (40/t instead of 20/t via CN).
    limits = [{"rule": "caspian", "measure": "corridor", "value": "Caspian", "min_volume": 10}]
    out = solve(world(Limits=limits))
    value = _rule(out, "caspian")["marginal_value"]
    looser = _cost(world(Limits=[{**limits[0], "min_volume": 9}]))
    assert value == pytest.approx(out.result.objective - looser)
    assert value == pytest.approx(20.0)


def test_soft_rule_value_is_its_penalty_worth():
    # CN max 30 % at penalty 5 per t: cheaper to violate (5) than to move to RU (+10).
    limits = [
        {
            "rule": "cn_soft",
            "measure": "transit_country",
            "value": "CN",
            "max_share": 0.3,
            "penalty": 5,
        }
    ]
    out = solve(world(Limits=limits))
    row = _rule(out, "cn_soft")
    assert row["violation"] == pytest.approx(70.0)
    assert row["marginal_value"] == pytest.approx(0.01 * 5 * 100)
    looser = _cost(world(Limits=[{**limits[0], "max_share": 0.31}]))
    assert row["marginal_value"] == pytest.approx(out.result.objective - looser)


def test_values_are_blank_without_duals_and_equal_on_the_pyomo_path():
    """A solve without duals leaves the column blank; the Pyomo view's duals (its `dual`
    suffix) give the same values as the arrays."""
    inputs = corridor.from_frames(frames(world({"default_max_transit_share": 0.5})))
    plan = corridor.Plan(inputs)
    plan.solve(duals=False)
    assert math.isnan(plan.results()["Rules"]["marginal_value"].iloc[0])
    m = corridor.build_model(inputs)
    result = corridor.solve(m)
    res = corridor.extract(m, inputs, result)
    assert res["Rules"]["marginal_value"].max() == pytest.approx(10.0)
    plan.solve()
    assert list(plan.results()["Rules"]["marginal_value"]) == pytest.approx(
        list(res["Rules"]["marginal_value"])
    )


def test_workbook_guide_explains_the_column(tmp_path):
    out = solve(world({"default_max_transit_share": 0.5}, Capacities=AX_45))
    path = corridor.write_results(out.results, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(path)
    for sheet in ("Capacity", "Rules"):
        header = [c.value for c in wb[sheet][1]]
        assert header[-1] == "marginal_value"
    guide = {(r[0], r[1]): (r[2], r[3]) for r in wb["Guide"].iter_rows(min_row=2, values_only=True)}
    assert guide[("Capacity", "marginal_value")][0] == "money per capacity unit"
    assert "percentage point" in guide[("Rules", "marginal_value")][1]


def test_min_share_value_is_the_saving_of_lowering_it_one_point():
    # 10 % must go via the Caspian corridor (40/t); one point less moves 1 t to CN (20/t).
    limits = [{"rule": "caspian", "measure": "corridor", "value": "Caspian", "min_share": 0.1}]
    out = solve(world(Limits=limits))
    value = _rule(out, "caspian")["marginal_value"]
    looser = _cost(world(Limits=[{**limits[0], "min_share": 0.09}]))
    assert value == pytest.approx(out.result.objective - looser)
    assert value == pytest.approx(20.0)

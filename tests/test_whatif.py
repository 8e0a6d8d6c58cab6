"""Changes made in place on a Plan equal direct solves of the changed workbook, and reset()
brings the workbook back (tests/cases.py: R_cn 20/t, R_ru 30/t, R_az 40/t, 100 t)."""

import copy

import pytest

import corridor
from corridor.highs import SolveOptions
from corridor.whatif import Change, apply_changes, solve_delivery_first

from cases import BASE, frames, solve, world


def _plan(sheets, closures=False):
    return corridor.Plan(corridor.from_frames(frames(sheets)), closures=closures)


def test_set_cap_equals_changing_the_setting_and_reset_undoes_it():
    plan = _plan(world({"default_max_transit_share": 0.5}))
    assert plan.solve().result.objective == pytest.approx(2500)
    plan.set_cap(0.4)
    direct = solve(world({"default_max_transit_share": 0.4}))
    assert plan.solve().result.objective == pytest.approx(direct.result.objective)  # 2800
    plan.reset()
    assert plan.solve().result.objective == pytest.approx(2500)


def test_scale_cost_of_one_route_one_leg_and_everything():
    plan = _plan(world())
    plan.set_cost("route", "R_cn", factor=2)  # R_cn 40/t: R_ru at 30 wins
    assert plan.solve().result.objective == pytest.approx(3000)
    assert plan.results().summary["transport_cost"] == pytest.approx(3000)
    plan.reset()
    plan.set_cost("leg", "AX", factor=3)  # AX 10 -> 30: R_cn 40/t
    assert plan.solve().result.objective == pytest.approx(3000)
    plan.reset()
    plan.set_cost("all", factor=1.5)  # R_cn 30/t
    assert plan.solve().result.objective == pytest.approx(3000)
    plan.reset()
    assert plan.solve().result.objective == pytest.approx(2000)
    assert plan.results().summary["transport_cost"] == pytest.approx(2000)


def test_capacity_change_moves_the_big_m_with_it():
    """R_cn opens at a fixed cost 100 and its leg AX holds 40 (so M = 40): 40 CN (800 + 100)
    + 60 RU (1800) = 2700. Raising AX to 100 must also raise M, or R_cn could not take more
    than 40: then 100 CN = 2100."""
    sheets = world()
    sheets["Routes"][0]["fixed_cost"] = 100
    sheets["Legs"][0]["capacity"] = 40
    plan = _plan(sheets)
    assert plan.solve().result.objective == pytest.approx(2700)
    plan.set_capacity("leg", "AX", 100)
    assert plan.solve().result.objective == pytest.approx(2100)
    plan.reset()
    assert plan.solve().result.objective == pytest.approx(2700)


def test_scale_volume_also_scales_the_big_m():
    """Fixed cost 100 on R_cn, no capacity: M = the contract's 100 t. At 1.5x the volume
    all 150 t still go CN: 3000 + 100."""
    sheets = world()
    sheets["Routes"][0]["fixed_cost"] = 100
    plan = _plan(sheets)
    plan.set_volume("all", factor=1.5)
    direct = copy.deepcopy(sheets)
    direct["Contracts"][0]["volume"] = 150
    assert plan.solve().result.objective == pytest.approx(solve(direct).result.objective)
    assert plan.solution.result.objective == pytest.approx(3100)


def test_closure_with_the_cap_held_and_suspended():
    """CN closed under a 50 % cap: held, RU 50 + AZ 50 = 3500; suspended (the default), all
    RU = 3000, delivering everything."""
    held = _plan(world({"default_max_transit_share": 0.5}), closures=True)
    held.allow_shortfall()
    apply_changes(held, [Change("close", "transit_country:CN")], keep_caps=True)
    assert solve_delivery_first(held).result.objective == pytest.approx(3500)
    plan = _plan(world({"default_max_transit_share": 0.5}), closures=True)
    plan.allow_shortfall()
    apply_changes(plan, [Change("close", "transit_country:CN")])
    assert solve_delivery_first(plan).result.objective == pytest.approx(3000)
    assert plan.results()["Contracts"]["delivered"].iloc[0] == pytest.approx(100)


def test_delivery_first_delivers_before_it_saves():
    """A shortfall penalty of 5/t is cheaper than any route: a cost-only plan would ship
    nothing (500). Delivery first ships all 100 t, then at least cost (2000)."""
    plan = _plan(world({"shortfall_penalty": 5}), closures=True)
    assert plan.solve().result.objective == pytest.approx(500)
    plan.allow_shortfall()
    solution = solve_delivery_first(plan, SolveOptions())
    assert solution.result.objective == pytest.approx(2000)


def test_a_ban_holds_in_every_closure():
    """'no U via RU' (max_share 0) holds while CN is closed: the cap is suspended, RU stays
    banned, AZ carries everything: 4000."""
    limits = [{"rule": "no_ru", "measure": "transit_country", "value": "RU", "max_share": 0}]
    plan = _plan(world({"default_max_transit_share": 0.5}, Limits=limits), closures=True)
    plan.allow_shortfall()
    apply_changes(plan, [Change("close", "transit_country:CN")])
    assert solve_delivery_first(plan).result.objective == pytest.approx(4000)


def test_closing_a_country_closes_its_routes_and_a_transit_country_only_where_it_transits():
    """country:KZ (the origin's country) closes every route; transit_country:KZ none."""
    inputs = corridor.from_frames(frames(world()))
    from corridor.closures import closed_routes, parse_closure

    assert closed_routes(inputs, parse_closure("country:KZ")) == {"R_cn", "R_ru", "R_az"}
    assert closed_routes(inputs, parse_closure("transit_country:KZ")) == set()
    assert closed_routes(inputs, parse_closure("origin_country:KZ")) == {"R_cn", "R_ru", "R_az"}
    assert closed_routes(inputs, parse_closure("leg:AZ")) == {"R_az"}
    assert closed_routes(inputs, parse_closure("corridor:Caspian")) == {"R_az"}
    assert BASE["Routes"][2]["corridor"] == "Caspian"


def test_a_minimum_on_what_a_closure_shuts_has_no_row_and_comes_back_on_reset():
    """A hard rule: at least 20 % of the cargo via route R_cn. Closing route R_cn leaves no
    open route carrying that value, so the rule has no row in the closure (spec 2 and 5):
    the 100 t go R_ru at 30/t, 3,000, instead of no plan. A second closure keeps it gone;
    reset() brings it back (R_cn 20/t carries everything again: 2,000)."""
    limits = [{"rule": "min_cn", "measure": "route", "value": "R_cn", "min_share": 0.2}]
    plan = _plan(world(Limits=limits))
    assert plan.solve().result.objective == pytest.approx(2000)
    plan.close("route:R_cn")
    assert plan.solve().result.objective == pytest.approx(3000)
    plan.close("route:R_az")
    assert plan.solve().result.objective == pytest.approx(3000)
    plan.reset()
    plan.close("route:R_az")
    assert plan.solve().result.objective == pytest.approx(2000)

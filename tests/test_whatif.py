"""What-if changes equal direct solves of the changed workbook."""

import pytest

import corridor
from corridor.whatif import Change, apply, solve_delivery_first

from cases import frames, solve, world


def _inputs(sheets):
    return corridor.from_frames(frames(sheets))


def test_set_limit_on_the_default_cap_equals_changing_the_setting():
    base = _inputs(world({"default_max_transit_share": 0.5}))
    lifted = apply(base, [Change("set_limit", "rule:default_cap", 0.4)])
    _, result, delivered = solve_delivery_first(lifted)
    direct = solve(world({"default_max_transit_share": 0.4}))
    assert result.objective == pytest.approx(direct.results.summary["objective"])  # 2800
    assert delivered == pytest.approx(100)


def test_set_limit_adds_the_cap_when_the_workbook_has_none():
    lifted = apply(_inputs(world()), [Change("set_limit", "rule:default_cap", 0.5)])
    _, result, _ = solve_delivery_first(lifted)
    assert result.objective == pytest.approx(2500)


def test_closure_with_the_cap_lifted_delivers_everything():
    """CN closed under a 50 % cap: RU 50 + AZ 50 = 3500. Lift the cap: all RU = 3000."""
    base = _inputs(world({"default_max_transit_share": 0.5}))
    _, capped, _ = solve_delivery_first(apply(base, [Change("close", "country:CN")]))
    assert capped.objective == pytest.approx(3500)
    changes = [Change("close", "country:CN"), Change("set_limit", "rule:default_cap", 1)]
    _, lifted, delivered = solve_delivery_first(apply(base, changes))
    assert lifted.objective == pytest.approx(3000) and delivered == pytest.approx(100)


def test_scale_cost_of_one_route_and_of_all_legs():
    base = _inputs(world())
    _, result, _ = solve_delivery_first(apply(base, [Change("scale_cost", "route:R_cn", 2)]))
    assert result.objective == pytest.approx(3000)  # R_cn now 40/t: R_ru at 30 wins
    _, result, _ = solve_delivery_first(apply(base, [Change("scale_cost", "all", 1.5)]))
    assert result.objective == pytest.approx(3000)  # R_cn 30/t


def test_stress_with_the_cap_lifted_in_the_crisis():
    """Base (cap 50 %): CN 50 + RU 50 = 2500. Closing CN with the cap held: RU 50 + AZ 50 =
    3500; with --cap 1 all 100 t go RU = 3000."""
    from corridor.analysis.stress import run_stress

    base = _inputs(world({"default_max_transit_share": 0.5}))
    held = run_stress(base, show_progress=False).table.set_index("closed")
    lifted = run_stress(base, show_progress=False, crisis_cap=1.0).table.set_index("closed")
    assert held.loc["CN", "cost_after"] == pytest.approx(3500)
    assert lifted.loc["CN", "cost_after"] == pytest.approx(3000)
    assert lifted.loc["CN", "extra_cost"] == pytest.approx(500)

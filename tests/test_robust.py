"""Robust plans on hand-solved worlds (spec section 7).

The world: one contract K1 of 100 t from A to D over three routes, each of capacity 100:
    R_cn via X (CN) at 10/t, R_ru via Y (RU) at 12/t, R_ge via G (GE) at 15/t.
Each route has one transit country, so closing a transit country closes one route.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pandas as pd
import pytest

import corridor
import corridor.analysis.robust as robust_analysis
import corridor.robust as robust_module
from corridor.analysis.command import CommandError
from corridor.analysis.robust import robust_inputs, sweep
from corridor.analysis.stress import run_stress
from corridor.build import build
from corridor.cli import main
from corridor.highs import HighsModel, SolveOptions, highs_version
from corridor.pipeline import solve_workbook
from corridor.robust import recourse_options, solve_robust

from cases import write_workbook
from same_lp import assert_same_lp

WORLD = {
    "Commodities": [{"commodity": "U", "unit": "t"}],
    "Nodes": [
        {"node": n, "country": c}
        for n, c in [("A", "KZ"), ("X", "CN"), ("Y", "RU"), ("G", "GE"), ("D", "JP")]
    ],
    "Legs": [
        {"leg": "AX", "from": "A", "to": "X", "mode": "rail", "cost": 5},
        {"leg": "XD", "from": "X", "to": "D", "mode": "sea", "cost": 5},
        {"leg": "AY", "from": "A", "to": "Y", "mode": "rail", "cost": 6},
        {"leg": "YD", "from": "Y", "to": "D", "mode": "sea", "cost": 6},
        {"leg": "AG", "from": "A", "to": "G", "mode": "rail", "cost": 7.5},
        {"leg": "GD", "from": "G", "to": "D", "mode": "sea", "cost": 7.5},
    ],
    "Routes": [
        {"route": "R_cn", "legs": "AX > XD", "capacity": 100},
        {"route": "R_ru", "legs": "AY > YD", "capacity": 100},
        {"route": "R_ge", "legs": "AG > GD", "capacity": 100},
    ],
    "Contracts": [
        {"contract": "K1", "commodity": "U", "origin": "A", "destination": "D", "volume": 100}
    ],
}


def world(settings=None, **changes) -> dict:
    sheets = copy.deepcopy(WORLD)
    sheets.update(copy.deepcopy(changes))
    if settings:
        sheets["Settings"] = [{"setting": k, "value": v} for k, v in settings.items()]
    return sheets


def inputs_of(sheets):
    return corridor.from_frames({k: pd.DataFrame(v) for k, v in sheets.items()})


def with_routes(sheets, **columns):
    for route, values in zip(sheets["Routes"], zip(*columns.values(), strict=True), strict=True):
        route.update(dict(zip(columns, values, strict=True)))
    return sheets


@pytest.mark.parametrize("lazy", [False, True])
def test_a_second_corridor_opened_for_the_closure(lazy):
    """Fixed costs 0 / 300 / 500. Without robust mode all 100 t go CN: 1,000. With
    robust_min_delivery 1 against transit countries, closing CN must still let 100 t
    arrive, on a route the plan has opened: the cheapest is RU (300): 1,000 + 300 = 1,300;
    the plan still ships everything via CN."""
    sheets = with_routes(world(), fixed_cost=[0, 300, 500])
    assert corridor.Plan(inputs_of(sheets)).solve().result.objective == pytest.approx(1000)
    robust = inputs_of(with_routes(world({"robust_min_delivery": 1}), fixed_cost=[0, 300, 500]))
    out = solve_robust(robust, SolveOptions(), lazy=lazy)
    assert out.solution.result.objective == pytest.approx(1300)
    results = solve_workbook(robust).results
    used = results["Routes"].set_index("route")["used"]
    assert used.to_dict() == {"R_cn": "yes", "R_ru": "yes", "R_ge": "no"}
    flows = results["Flows"].set_index("route")["volume"]
    assert flows.to_dict() == pytest.approx({"R_cn": 100})


@pytest.mark.parametrize("lazy", [False, True])
def test_bookings_spread_over_three_routes(lazy):
    """booking_cost 3 per unit on every route, no fixed costs, robust_min_delivery 1.
    Each closure leaves two routes, which must carry 100 within their bookings:
    b_ru + b_ge >= 100, b_cn + b_ge >= 100, b_cn + b_ru >= 100, so the bookings sum to at
    least 150 (450 at 3). Booking 50 on each and shipping 50 via CN (500) and 50 via RU
    (600) costs 1,550; booking 100 on CN and 100 on a backup would cost 1,600 (1,000 +
    600). Shifting d more onto CN's booking saves 2d of transport but costs 3d of booking,
    so 1,550 is the optimum."""
    sheets = with_routes(world({"robust_min_delivery": 1}), booking_cost=[3, 3, 3])
    out = solve_robust(inputs_of(sheets), SolveOptions(), lazy=lazy)
    assert out.solution.result.objective == pytest.approx(1550)
    results = solve_workbook(inputs_of(sheets)).results
    booking = results["Booking"].set_index("route")
    assert booking["booked"].to_dict() == pytest.approx({"R_cn": 50, "R_ru": 50, "R_ge": 50})
    assert booking["highest_closure_load"].to_dict() == pytest.approx(
        {"R_cn": 50, "R_ru": 50, "R_ge": 50}
    )
    assert results.summary["booking_cost"] == pytest.approx(450)
    robustness = results["Robustness"]
    cn = robustness[(robustness["closure"] == "transit_country:CN")].set_index("commodity")
    # closing CN: its 50 t move to GE (15/t instead of 10/t): +250
    assert cn.at["U", "stopped"] == pytest.approx(50)
    assert cn.at["U", "delivered"] == pytest.approx(100)
    assert cn.at["U", "delivered_share"] == pytest.approx(1.0)
    assert cn.at["ALL", "total_cost_change"] == pytest.approx(250)
    assert cn.at["ALL", "binding"] == "yes"


def test_a_master_with_copies_is_solved_whole_unless_the_caller_chooses(monkeypatch):
    """Split into period blocks, the extensive form stalls HiGHS's dual simplex at scale
    (robust.recourse_options): a master with copies is solved whole, a caller's own choice
    wins, and the answer is the same either way."""
    assert recourse_options(SolveOptions()).split is False
    assert recourse_options(SolveOptions(split=True)).split is True
    seen = []
    run = HighsModel.run

    def spy(self, options=None):
        seen.append((self, (options or SolveOptions()).split))
        return run(self, options)

    monkeypatch.setattr(HighsModel, "run", spy)
    sheets = with_routes(world({"robust_min_delivery": 1}), booking_cost=[3, 3, 3])
    for options, split in ((SolveOptions(), False), (SolveOptions(split=True), True)):
        seen.clear()
        out = solve_robust(inputs_of(sheets), options, lazy=False)
        assert out.solution.result.objective == pytest.approx(1550)
        assert seen[0][1] is split  # the master; the evaluation after it may split


@pytest.mark.parametrize(
    ("probability", "objective", "backup"), [(0, 1100, "R_ge"), (0.8, 1460, "R_ru")]
)
def test_a_probable_closure_books_the_cheaper_recourse(probability, objective, backup):
    """Only CN is guarded (Disruptions), R_cn needs no booking, RU books at 3 and GE at 1.
    The plan ships 100 t via CN (1,000) and books a backup for 100 t. With probability 0
    the cheapest booking wins: GE, 100: 1,100. With probability 0.8 the recourse's extra
    cost counts: GE 100 + 0.8 x (1,500 - 1,000) = 500 against RU 300 + 0.8 x (1,200 -
    1,000) = 460: RU, 1,000 + 460 = 1,460 (break-even at p = 2/3)."""
    sheets = with_routes(world({"robust_min_delivery": 1}), booking_cost=[None, 3, 1])
    sheets["Disruptions"] = [{"closure": "transit_country:CN", "probability": probability}]
    results = solve_workbook(inputs_of(sheets)).results
    assert results.summary["objective"] == pytest.approx(objective)
    booked = results["Booking"].set_index("route")["booked"].fillna(0)
    assert booked[backup] == pytest.approx(100)
    assert results.summary["expected_recourse_cost"] == pytest.approx(
        probability * (200 if backup == "R_ru" else 500)
    )


def test_a_huge_cost_in_a_recourse_cost_row_is_solved_not_refused():
    """A workbook may hold any number below 1e20; a probable closure puts the routes' costs
    into its recourse_cost row, where HiGHS refused coefficients from 1e15 (found by the
    cell fuzz test: "HiGHS refused the model"). GE's sea leg at 1e15 per t makes GE useless,
    so the probable-closure world books RU: 1,000 + 300 + 0.8 x 200 = 1,460. HiGHS 1.13
    (the lowest supported) ends checking the closures with status Unknown on a matrix
    spanning 0.1 to 1e15: the run then says it has no plan and why, never a wrong plan."""
    sheets = with_routes(world({"robust_min_delivery": 1}), booking_cost=[None, 3, 1])
    sheets["Legs"][5]["cost"] = 1e15
    sheets["Disruptions"] = [{"closure": "transit_country:CN", "probability": 0.8}]
    outcome = solve_workbook(inputs_of(sheets))
    if tuple(int(p) for p in highs_version().split(".")) < (1, 16):
        if outcome.result.status == "no_solution":
            assert outcome.result.message.startswith(
                "the plan could not be checked against every guarded closure (HiGHS ended"
            )
            return
    results = outcome.results
    assert results.summary["objective"] == pytest.approx(1460)
    assert results["Booking"].set_index("route")["booked"].fillna(0)["R_ru"] == pytest.approx(100)


def test_without_robust_mode_nothing_changes():
    """The same workbook without robust_min_delivery: the same program to the last
    non-zero (booking_cost columns and Disruptions-free settings are ignored)."""
    plain = inputs_of(world())
    with_booking = inputs_of(with_routes(world(), booking_cost=[3, 3, 3]))
    a, b = build(plain), build(with_booking)
    assert a.size() == b.size()
    for x, y in zip(a.triplets(), b.triplets(), strict=True):
        assert (x == y).all()
    assert (a.cost_vector() == b.cost_vector()).all()


def test_the_extensive_form_is_the_same_lp_in_pyomo():
    assert_same_lp(
        inputs_of(with_routes(world({"robust_min_delivery": 1}), booking_cost=[3, 3, 3]))
    )


def test_an_uncoverable_closure_is_diagnosed(tmp_path, capsys):
    """R_ru holds only 60 (route capacity) and GE does not exist: closing CN leaves RU,
    which cannot carry 100 % of K1; the Diagnosis names the closure and the capacity that
    would cover it: R_ru needs +40 (from 60 to 100)."""
    sheets = world({"robust_min_delivery": 1})
    sheets["Routes"] = sheets["Routes"][:2]
    sheets["Routes"][1]["capacity"] = 60
    path = tmp_path / "r.xlsx"
    write_workbook(sheets, path)
    assert main(["solve", str(path), "-o", str(tmp_path / "out.xlsx")]) == 3
    out = capsys.readouterr().out
    assert "robust: transit_country:CN in P1" in out
    assert "route R_ru has +40 capacity units (from 60 to 100)" in out


def test_stress_on_a_robust_plan_agrees_with_its_robustness_sheet():
    """corridor stress on a robust workbook holds the plan's first stage and closes each
    item for one period: for the guarded closures its rows are the Robustness sheet's."""
    sheets = with_routes(world({"robust_min_delivery": 1}), booking_cost=[3, 3, 3])
    inputs = inputs_of(sheets)
    robustness = solve_workbook(inputs).results["Robustness"]
    _, stress, _, _ = run_stress(inputs, SolveOptions())
    columns = [
        "closure",
        "period",
        "commodity",
        "stopped",
        "delivered",
        "shortfall",
        "shortfall_value",
        "logistics_cost_change",
        "total_cost_change",
    ]
    key = ["closure", "period", "commodity"]
    b = stress[stress["closure"].str.startswith("transit_country")][columns]
    # the stress test closes what the plan uses (CN, RU); the plan also guards GE
    assert set(b["closure"]) == {"transit_country:CN", "transit_country:RU"}
    a = robustness[robustness["closure"].isin(set(b["closure"]))][columns]
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_robust_command_prices_robustness_and_sweeps(tmp_path, capsys):
    sheets = with_routes(world(), booking_cost=[3, 3, 3])
    path = tmp_path / "r.xlsx"
    write_workbook(sheets, path)
    assert main(["robust", str(path), "--min-delivery", "1"]) == 0
    printed = capsys.readouterr().out
    assert "the price of robustness is 550 USD" in printed  # 1,550 against 1,000 + 0 booked?
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "r_robust.xlsx")
    assert {"Robustness", "Booking", "Price of robustness", "Robustness sweep"} <= set(
        wb.sheetnames
    )
    sweep = list(wb["Robustness sweep"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in sweep] == pytest.approx([0, 0.25, 0.5, 0.75, 1])


def test_closures_left_unchecked_never_pass_as_a_robust_plan(tmp_path, capsys, monkeypatch):
    """When the closures' re-plans stop (the time limit) the plan is not known to survive
    them: found on a 50k-flow workbook with time_limit 3, where the unchecked copies read
    as holding and the plain plan came back as "optimal". Now: no plan, exit 4, the reason
    and what to raise, in solve, sweep and stress alike."""
    real = robust_module.evaluate

    def stopped(*args, **kwargs):
        ev = real(*args, **kwargs)
        return replace(ev, status="no_solution", message="stopped after 3.0 s (time limit)")

    monkeypatch.setattr(robust_module, "evaluate", stopped)
    monkeypatch.setattr(robust_analysis, "evaluate", stopped)
    sheets = with_routes(world({"robust_min_delivery": 1}), booking_cost=[3, 3, 3])
    for lazy in (False, True):
        out = solve_robust(inputs_of(sheets), SolveOptions(), lazy=lazy)
        assert out.solution.status == "no_solution"
        assert out.solution.result.message == (
            "the plan could not be checked against every guarded closure "
            "(stopped after 3.0 s (time limit)): raise time_limit"
        )
    table = sweep(inputs_of(sheets), SolveOptions())
    assert set(table["status"]) == {"no_solution"}
    assert table["total_cost"].isna().all()
    path = tmp_path / "r.xlsx"
    write_workbook(sheets, path)
    assert main(["solve", str(path), "-o", str(tmp_path / "out.xlsx")]) == 4
    assert "raise time_limit" in capsys.readouterr().out
    calls = []

    def second_stops(*args, **kwargs):  # the plan is checked; the stress re-plans stop
        calls.append(1)
        return (real if len(calls) == 1 else stopped)(*args, **kwargs)

    monkeypatch.setattr(robust_module, "evaluate", second_stops)
    with pytest.raises(CommandError, match=r"^stress on a robust plan: the plan could not"):
        run_stress(inputs_of(sheets), SolveOptions())
    assert len(calls) == 2


# ---- robust plans with sourcing: offers, demand and stocks (spec sections 6 and 7)


def stocked_world(stock: dict | None, settings: dict | None = None, probability: float = 0):
    """D needs 100 t of U (must be met), bought from spot offer O1 at A for 50/t; R_cn
    (10/t) and R_ge (15/t, fixed cost 500) reach D; only CN is guarded, floor 100 %.
    `stock`: a Stocks row at D (initial 100, hard floor 100, no holding cost) with these
    columns on top, or none."""
    sheets = world(
        {"robust_min_delivery": 1, **(settings or {})},
        Offers=[{"offer": "O1", "supplier": "S1", "commodity": "U", "origin": "A", "price": 50}],
        Demand=[{"destination": "D", "commodity": "U", "volume": 100, "shortfall_penalty": "none"}],
        Disruptions=[{"closure": "transit_country:CN", "probability": probability}],
    )
    del sheets["Contracts"]
    sheets["Routes"] = [sheets["Routes"][0], sheets["Routes"][2]]
    sheets["Routes"][1]["fixed_cost"] = 500
    if stock is not None:
        sheets["Stocks"] = [
            {"node": "D", "commodity": "U", "initial": 100, "min_level": 100, **stock}
        ]
    return sheets


def test_without_a_stock_the_closure_needs_a_second_corridor():
    """No stock: closing CN must still let 100 t reach D, only over R_ge, which the plan
    must open: 100 x (50 + 10) + 500 = 6,500 (6,000 without robust mode)."""
    sheets = stocked_world(None)
    assert solve_workbook(inputs_of(sheets).without_robust()).results.summary[
        "objective"
    ] == pytest.approx(6000)
    results = solve_workbook(inputs_of(sheets)).results
    assert results.summary["objective"] == pytest.approx(6500)
    used = results["Routes"].set_index("route")["used"]
    assert used.to_dict() == {"R_cn": "yes", "R_ge": "yes"}


@pytest.mark.parametrize("lazy", [False, True])
def test_a_stock_covers_a_closure_instead_of_a_second_corridor(lazy):
    """A reserve of 100 t at D (hard floor 100): in the closure the recourse draws it down
    to zero (the floor is what a stock is for), so R_ge stays shut and the robust plan costs
    what the plain plan costs: 6,000. The Robustness row says so: nothing delivered in the
    closure, nothing lost, and the stock used is bought back at its replacement cost
    (default: the highest landed cost of U, 15 + 50 = 65/t): 6,500 against the plan's
    6,000 of purchases and transport, +500."""
    inputs = inputs_of(stocked_world({}))
    out = solve_robust(inputs, SolveOptions(), lazy=lazy)
    assert out.solution.result.objective == pytest.approx(6000)
    results = solve_workbook(inputs).results
    assert results["Routes"].set_index("route")["used"].to_dict() == {
        "R_cn": "yes",
        "R_ge": "no",
    }
    row = results["Robustness"].set_index("commodity")
    assert row.at["U", "delivered"] == pytest.approx(0)
    assert row.at["U", "shortfall"] == pytest.approx(0)
    assert row.at["U", "logistics_cost_change"] == pytest.approx(500)
    assert row.at["ALL", "total_cost_change"] == pytest.approx(500)
    # the reserve floor keeps the stock anyway: guarding CN costs the plan nothing
    assert row.at["ALL", "binding"] == "no"


@pytest.mark.parametrize(
    ("replacement", "objective", "second_corridor"),
    [(70, 6100, "no"), (200, 6550, "yes")],
)
def test_buying_back_the_reserve_is_weighed_against_the_corridor(
    replacement, objective, second_corridor
):
    """CN closes with probability 0.1. Drawing the reserve costs 0.1 x (100 x replacement -
    6,000): at 70/t 0.1 x 1,000 = 100 (6,100) against opening R_ge, 500 + 0.1 x (6,500 -
    6,000) = 550; at 200/t, 0.1 x 14,000 = 1,400 against the same 550 (6,550): the
    corridor wins."""
    sheets = stocked_world({"replacement_cost": replacement}, probability=0.1)
    results = solve_workbook(inputs_of(sheets)).results
    assert results.summary["objective"] == pytest.approx(objective)
    assert results["Routes"].set_index("route").at["R_ge", "used"] == second_corridor
    assert results.summary["expected_recourse_cost"] == pytest.approx(
        objective - 6000 - (500 if second_corridor == "yes" else 0)
    )


def test_a_committed_offer_the_plan_did_not_take_cannot_rescue_a_closure():
    """O2 at G (GE) for 55/t sells only if taken (fixed cost 400) and reaches D over a
    direct GE leg (5/t). O1 over CN (60/t landed) is cheaper, so the plain plan ignores O2.
    Guarding CN at 100 %: the recourse may buy only from offers the plan took, so the
    plan takes O2 (400) and still buys from O1: 6,400; without the stock or O2, no plan
    survives (R_ge is the only other way and costs 500 to open)."""
    sheets = stocked_world(None)
    sheets["Legs"].append({"leg": "GD2", "from": "G", "to": "D", "mode": "sea", "cost": 5})
    sheets["Routes"].append({"route": "R_g", "legs": "GD2"})
    sheets["Offers"].append(
        {
            "offer": "O2",
            "supplier": "S2",
            "commodity": "U",
            "origin": "G",
            "price": 55,
            "fixed_cost": 400,
        }
    )
    results = solve_workbook(inputs_of(sheets)).results
    assert results.summary["objective"] == pytest.approx(6400)
    taken = results["Purchases"].set_index("offer")["taken"]
    assert taken["O2"] == "yes"
    bought = results["Purchases"].groupby("offer")["volume"].sum()
    assert bought.to_dict() == pytest.approx({"O1": 100, "O2": 0})


def test_the_extensive_form_with_sourcing_is_the_same_lp_in_pyomo():
    assert_same_lp(inputs_of(stocked_world({"replacement_cost": 70}, probability=0.1)))


@pytest.mark.parametrize(("probability", "builds"), [(0, 3), (0.8, 2)])
def test_the_sweep_at_floor_zero_starts_again_unless_a_closure_is_probable(probability, builds):
    """The world of the probable-closure test (only CN guarded; RU books at 3, GE at 1).
    At floor 0 without a probability no copy can hold the plan back: the sweep starts
    again from the plan without copies (a third build) and finds CN alone, 1,000. With
    probability 0.8 the copies' expected cost still counts at floor 0, so the model with
    copies is kept. Either way every level equals a fresh solve."""
    sheets = with_routes(world({"robust_min_delivery": 1}), booking_cost=[None, 3, 1])
    sheets["Disruptions"] = [{"closure": "transit_country:CN", "probability": probability}]
    inputs = inputs_of(sheets)
    frame = sweep(inputs, SolveOptions(), (0.0, 1.0))
    assert frame.attrs["builds"] == builds
    for level, cost in zip((0.0, 1.0), frame["total_cost"], strict=True):
        fresh = robust_inputs(inputs, level, None)
        assert solve_workbook(fresh).results.summary["objective"] == pytest.approx(cost)
    if probability == 0:
        assert frame["total_cost"].tolist() == pytest.approx([1000, 1100])


def test_the_sweep_on_one_model_agrees_with_fresh_solves_for_demand_floors():
    """Demand of 100 t with a penalty of 1,000/t (the plan's unmet is a column, so a new
    level changes the demand floor's coefficient and bound). Floor 0: CN alone, 6,000;
    0.5 and 1: R_ge must be open for the closure, 6,500 (leaving demand unmet in the plan
    to lower the floor would cost 1,000/t). The sweep's one model gives each fresh solve's
    cost."""
    sheets = stocked_world(None)
    sheets["Demand"][0]["shortfall_penalty"] = 1000
    inputs = inputs_of(sheets)
    levels = (0.0, 0.5, 1.0)
    frame = sweep(inputs, SolveOptions(), levels)
    assert frame["total_cost"].tolist() == pytest.approx([6000, 6500, 6500])
    for level, cost in zip(levels, frame["total_cost"], strict=True):
        fresh = robust_inputs(inputs, level, None)
        assert solve_workbook(fresh).results.summary["objective"] == pytest.approx(cost)

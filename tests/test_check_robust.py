"""The independent checker on robust plans (spec section 7; tests/check_robust.py).

Each world of tests/test_robust.py (hand-solved there) is solved by corridor and checked;
then results are tampered with and the checker must name what breaks. The figures in the
expected messages come from the hand derivations in test_robust.py's docstrings.
"""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pytest

import corridor

from cases import write_workbook
from check import check_plan
from test_robust import stocked_world, with_routes, world

ROOT = Path(__file__).resolve().parents[1]
ROBUST_EXAMPLE = ROOT / "inputs" / "caspian_robust.xlsx"


def committed_offer_world() -> dict:
    """test_a_committed_offer_the_plan_did_not_take_cannot_rescue_a_closure's world: O2 at G
    sells only if taken (fixed cost 400); the robust plan takes it for the closure of CN."""
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
    return sheets


def probable_world() -> dict:
    """CN guarded with probability 0.8; RU books at 3, GE at 1: the plan books RU for 100 t
    and expects 0.8 x (1,200 - 1,000) = 160 of recourse cost (objective 1,460)."""
    sheets = with_routes(world({"robust_min_delivery": 1}), booking_cost=[None, 3, 1])
    sheets["Disruptions"] = [{"closure": "transit_country:CN", "probability": 0.8}]
    return sheets


def capped_world() -> dict:
    """A 50 % default cap, CN guarded with probability 0.1, and a soft rule pooling the
    horizon (R_ru at most 60 t, 100 per t above). The plan ships 50 t via CN (500) and 50 t
    via RU (600): 1,100. Closing CN suspends the cap in the scope it touches and drops the
    horizon rule, so the recourse ships all 100 t via RU: 1,200 (were the rule kept: 60 via
    RU and 40 via GE, 1,320; were the cap kept: 50 via RU and 50 via GE, 1,350). Expected
    recourse cost 0.1 x 100 = 10; objective 1,110."""
    sheets = world({"robust_min_delivery": 1, "default_max_transit_share": 0.5})
    sheets["Disruptions"] = [{"closure": "transit_country:CN", "probability": 0.1}]
    sheets["Limits"] = [
        {
            "rule": "horizon",
            "measure": "route",
            "value": "R_ru",
            "period": "ALL",
            "max_volume": 60,
            "penalty": 100,
        }
    ]
    return sheets


def two_period_stock_world() -> dict:
    """The stocked world over two periods: O1 sells at most 90 t a period, the need may go
    unmet at 500/t, the reserve (100 t, hard floor 50 t, replacement 70/t) may be drawn to
    its floor in the plan and to zero in a closure; CN closes with probability 0.1."""
    sheets = stocked_world({"replacement_cost": 70, "min_level": 50}, probability=0.1)
    sheets["Periods"] = [{"period": "P1"}, {"period": "P2"}]
    sheets["Offers"][0]["max_volume"] = 90
    sheets["Demand"][0]["shortfall_penalty"] = 500
    return sheets


WORLDS = {
    "second_corridor": lambda: with_routes(
        world({"robust_min_delivery": 1}), fixed_cost=[0, 300, 500]
    ),
    "bookings": lambda: with_routes(world({"robust_min_delivery": 1}), booking_cost=[3, 3, 3]),
    "probable": probable_world,
    "no_stock": lambda: stocked_world(None),
    "stock_default_replacement": lambda: stocked_world({}),
    "stock_bought_back": lambda: stocked_world({"replacement_cost": 70}, probability=0.1),
    "stock_too_dear": lambda: stocked_world({"replacement_cost": 200}, probability=0.1),
    "committed_offer": committed_offer_world,
    "capped": capped_world,
    "two_period_stock": two_period_stock_world,
}


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Every world (and the robust example) written, solved once: name -> (input, results)."""
    folder = tmp_path_factory.mktemp("robust")
    out = {}
    for name, make in WORLDS.items():
        src = folder / f"{name}.xlsx"
        write_workbook(copy.deepcopy(make()), src)
        out[name] = (src, folder / f"{name}_out.xlsx")
    out["example"] = (ROBUST_EXAMPLE, folder / "example_out.xlsx")
    for src, dst in out.values():
        assert corridor.run(src, dst).exit_code == 0
    return out


def tampered(solved, name: str, tmp_path: Path, sheet: str, where: dict, column: str, value):
    """A copy of a world's results with one cell changed: in `sheet`, the row matching
    `where` (column -> value), column `column`."""
    src, results = solved[name]
    wb = openpyxl.load_workbook(results)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    hits = [
        row
        for row in ws.iter_rows(min_row=2)
        if all(row[header.index(k)].value == v for k, v in where.items())
    ]
    assert len(hits) == 1, f"{sheet} {where}: {len(hits)} rows"
    hits[0][header.index(column)].value = value
    path = tmp_path / "tampered.xlsx"
    wb.save(path)
    return src, path


@pytest.mark.parametrize("name", [*WORLDS, "example"])
def test_a_solved_robust_plan_passes(solved, name):
    src, results = solved[name]
    assert check_plan(src, results) == []


def test_a_booking_lowered_below_what_a_closure_needs(solved, tmp_path):
    """Bookings of 50 on each route; with R_ge's lowered to 40, closing CN leaves RU (50
    booked) and GE (40): 90 of the 100 t the floor needs, 10 short; closing RU likewise.
    The booking cost falls from 450 to 420, below what Summary reports."""
    src, path = tampered(solved, "bookings", tmp_path, "Booking", {"route": "R_ge"}, "booked", 40)
    problems = check_plan(src, path)
    for country in ("CN", "RU"):
        assert (
            f"robust: transit_country:{country} in period P1: the delivery floor of contract "
            "K1 cannot hold: it needs 100 but the recourse falls 10 short"
        ) in problems
    assert "Summary booking_cost 450 != recomputed 420" in problems
    assert not any("transit_country:GE" in p for p in problems)


def test_a_negative_booking_and_a_load_above_it(solved, tmp_path):
    """R_cn carries 50 t in the plan: booked -5 is negative and below its own load."""
    src, path = tampered(solved, "bookings", tmp_path, "Booking", {"route": "R_cn"}, "booked", -5)
    problems = check_plan(src, path)
    assert "Booking route R_cn period P1: booked -5 is negative" in problems
    assert "Booking route R_cn period P1: the plan's own load 50 exceeds the -5 booked" in problems


def test_expansion_units_too_few_for_the_oil_in_a_closure_of_russia(solved, tmp_path):
    """The robust example raises the Kazakh BTC quota by 6 units of 100,000 t. With 5, a
    closure of RU (CPC closed) in 2027 leaves BTC 2.2 Mt + 0.5 Mt = 2,700 kt for the floor
    of 80 % x 3,400 kt = 2,720 kt: 20 kt short (2026 still fits: 2,000 kt >= 1,600 kt)."""
    src, path = tampered(
        solved, "example", tmp_path, "Expansions", {"expansion": "BTC-KZ-QUOTA"}, "units", 5
    )
    problems = check_plan(src, path)
    floor = [p for p in problems if p.startswith("robust:")]
    assert floor == [
        "robust: transit_country:RU in period 2027: the delivery floor of contract OIL-TENGIZ "
        "cannot hold: it needs 2720 but the recourse falls 20 short"
    ]


def test_expected_recourse_cost_altered(solved, tmp_path):
    """The probable world's expected recourse cost is 0.8 x (1,200 - 1,000) = 160."""
    src, path = tampered(
        solved, "probable", tmp_path, "Summary", {"item": "expected_recourse_cost"}, "value", 100
    )
    assert check_plan(src, path) == [
        "Summary expected_recourse_cost 100 != recomputed 160",
        "Summary cost components add up to 1400, not 1460",
    ]


def test_a_route_the_plan_does_not_use_cannot_carry_the_recourse(solved, tmp_path):
    """The second-corridor world opens R_ru (fixed cost 300) only for the closure of CN;
    reported unused, the recourse has no route left: 100 short, and the fixed cost 300
    is no longer the plan's."""
    src, path = tampered(
        solved, "second_corridor", tmp_path, "Routes", {"route": "R_ru"}, "used", "no"
    )
    problems = check_plan(src, path)
    assert (
        "robust: transit_country:CN in period P1: the delivery floor of contract K1 cannot "
        "hold: it needs 100 but the recourse falls 100 short"
    ) in problems
    assert "Summary fixed_cost 300 != recomputed 0" in problems


def test_an_offer_not_taken_cannot_rescue_the_closure(solved, tmp_path):
    """O2 (fixed cost 400) reported not taken: closing CN leaves D's need of 100 t without a
    supply (the demand floor needs all 100 t)."""
    src, path = tampered(
        solved, "committed_offer", tmp_path, "Purchases", {"offer": "O2"}, "taken", "no"
    )
    problems = check_plan(src, path)
    assert (
        "robust: transit_country:CN in period P1: the demand floor of U at D cannot hold: "
        "it needs 100 but the recourse falls 100 short"
    ) in problems


def test_robustness_sheet_figures(solved, tmp_path):
    """Bookings world, CN closed: the recourse must deliver all 100 t (floor 1); the plan
    ships 50 t via CN (500) and 50 t via RU (600): 1,100; the recourse moves CN's 50 t to
    GE (750): 1,350, 250 more."""
    where = {"closure": "transit_country:CN", "commodity": "U"}
    src, path = tampered(solved, "bookings", tmp_path, "Robustness", where, "delivered", 90)
    assert check_plan(src, path) == [
        "Robustness transit_country:CN period P1 U: delivered 90, but every least-cost "
        "recourse gives 100 to 100"
    ]
    where = {"closure": "transit_country:CN", "commodity": "ALL"}
    src, path = tampered(solved, "bookings", tmp_path, "Robustness", where, "total_cost_change", 0)
    assert check_plan(src, path) == [
        "Robustness transit_country:CN period P1: total_cost_change 0 != least recourse "
        "cost 1350 - the plan's period cost 1100 = 250"
    ]


def test_the_cap_and_horizon_rules_in_a_closure(solved, tmp_path):
    """capped_world: the checker recomputes 10 (cap suspended, horizon rule dropped), not
    the 22 of a recourse that kept the horizon rule (0.1 x (1,320 - 1,100))."""
    src, path = tampered(
        solved, "capped", tmp_path, "Summary", {"item": "expected_recourse_cost"}, "value", 22
    )
    assert check_plan(src, path) == [
        "Summary expected_recourse_cost 22 != recomputed 10",
        "Summary cost components add up to 1122, not 1110",
    ]


def test_a_minimum_share_on_a_closed_corridor_does_not_bind_the_recourse(tmp_path):
    """A soft rule: at least 20 % of K1 via corridor R_cn (30 per unit below). CN closes
    with probability 0.5. The plan ships 100 t via CN (1,000). With CN closed no open route
    carries R_cn, so the rule has no row in the recourse: 100 t via RU (1,200), expected
    recourse cost 0.5 x 200 = 100, objective 1,100 (charging the rule in the recourse, 20
    below x 30 = 600, would give 0.5 x 800 = 400 and 1,400)."""
    sheets = world({"robust_min_delivery": 1})
    sheets["Disruptions"] = [{"closure": "transit_country:CN", "probability": 0.5}]
    sheets["Limits"] = [
        {"rule": "min_cn", "measure": "corridor", "value": "R_cn", "min_share": 0.2, "penalty": 30}
    ]
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    write_workbook(sheets, src)
    assert corridor.run(src, out).exit_code == 0
    assert check_plan(src, out) == []


def test_a_closure_that_leaves_no_route(tmp_path):
    """R_cn alone (10/t); route:R_cn guarded with probability 0.1 and min_delivery 0. The
    plan ships 100 t (1,000); the closure loses all 100 t at closure_penalty (10 x the
    highest landed cost, 10/t: 100/t): 10,000. Expected recourse cost 0.1 x 9,000 = 900;
    objective 1,900."""
    sheets = world({"robust_min_delivery": 0})
    sheets["Routes"] = sheets["Routes"][:1]
    sheets["Disruptions"] = [{"closure": "route:R_cn", "probability": 0.1}]
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    write_workbook(sheets, src)
    outcome = corridor.run(src, out)
    assert outcome.results.summary["objective"] == pytest.approx(1900)
    assert check_plan(src, out) == []


def test_the_checker_on_a_closure_that_leaves_no_route(tmp_path):
    """The world above, its results written by hand from the plain plan (corridor cannot
    solve it yet): Summary with expected_recourse_cost 900 and objective 1,900, and the
    Robustness row (total_cost_change 9,000). The checker agrees, and names a wrong 9,100."""
    sheets = world({"robust_min_delivery": 0})
    sheets["Routes"] = sheets["Routes"][:1]
    plain = {k: v for k, v in sheets.items() if k != "Settings"}
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    write_workbook(plain, src)
    assert corridor.run(src, out).exit_code == 0
    sheets["Disruptions"] = [{"closure": "route:R_cn", "probability": 0.1}]
    write_workbook(sheets, src)
    wb = openpyxl.load_workbook(out)
    ws = wb["Summary"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "objective":
            row[1].value = 1900
        if row[0].value == "expected_recourse_cost":
            row[1].value = 900
    ws = wb.create_sheet("Robustness")
    ws.append(["closure", "period", "commodity", "total_cost_change", "probability"])
    ws.append(["route:R_cn", "P1", "ALL", 9000, 0.1])
    wb.save(out)
    assert check_plan(src, out) == []
    ws["D2"] = 9100
    wb.save(out)
    assert check_plan(src, out) == [
        "Robustness route:R_cn period P1: total_cost_change 9100 != least recourse cost "
        "10000 - the plan's period cost 1000 = 9000"
    ]

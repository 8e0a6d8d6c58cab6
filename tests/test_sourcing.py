"""Sourcing (spec section 6): hand-solved cases for offers, the demand balance and stocks.

The sourcing world (tests/cases.py): C needs 100 t of U per period, must be met; O1 (S1, at A
in KZ) 50/t, at most 80 t, landed over RA at 60/t; O2 (S2, at B in UZ) 60/t, at least 30 t if
taken, at most 100 t, landed over RB at 72/t. Every case also checks that the Pyomo view is
the same program as the arrays (cases.solve).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corridor
from corridor.build import build
from corridor.generate import generate_frames

from cases import flow_of, frames, sheet_row, solve, sourcing, write_workbook
from check import check_plan

PERIODS = [{"period": "P1"}, {"period": "P2"}]
EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "caspian_corridor.xlsx"


def _bought(out, offer: str, period: str = "P1") -> float:
    return float(sheet_row(out, "Purchases", offer=offer, period=period)["volume"])


def test_cheapest_offers_first_with_the_minimum_of_the_dearer_one():
    """O1 is cheaper (60/t landed) but sells at most 80 t, so 20 t must come from O2 (72/t),
    which once taken sells at least 30 t: O1 70 + O2 30 = 4,200 + 2,160 = 6,360 (O1 80 + O2 30
    = 110 t would cost 6,960: buying beyond the need is never cheaper here)."""
    out = solve(sourcing())
    assert out.result.status == "optimal"
    assert out.results.summary["objective"] == pytest.approx(6360)
    assert _bought(out, "O1") == pytest.approx(70)
    assert _bought(out, "O2") == pytest.approx(30)
    summary = out.results.summary
    assert summary["purchase_cost"] == pytest.approx(70 * 50 + 30 * 60)
    assert summary["transport_cost"] == pytest.approx(70 * 10 + 30 * 12)
    assert summary["delivered:U"] == pytest.approx(100)
    assert summary["bought:U"] == pytest.approx(100)
    assert summary["demand:U"] == pytest.approx(100)
    assert summary["unmet:U"] == pytest.approx(0)
    o2 = sheet_row(out, "Purchases", offer="O2")
    assert (o2["supplier"], o2["origin"], o2["price"], o2["cost"]) == ("S2", "B", 60, 1800)
    assert o2["taken"] == "yes"
    need = sheet_row(out, "Demand", destination="C")
    assert (need["from_offers"], need["from_contracts"], need["unmet"]) == (100, 0, 0)
    flows = out.results["Flows"]
    o2_flow = flows[flows["offer"] == "O2"].iloc[0]
    assert o2_flow["contract"] is None and o2_flow["price"] == 60 and o2_flow["days"] == 5


def test_origin_country_cap_of_sixty_percent():
    """origin_country max_share 0.6: KZ (O1) may send at most 60 t of the 100: O1 60 + O2 40
    = 3,600 + 2,880 = 6,480. Loosening the cap by one point moves 1 t from O2 to O1 and saves
    72 - 60 = 12 (the rule's marginal value); one more t of demand costs 0.6 x 60 + 0.4 x 72
    = 64.8 (the demand's marginal cost)."""
    limits = [{"rule": "one_origin", "measure": "origin_country", "max_share": 0.6}]
    out = solve(sourcing(Limits=limits))
    assert out.results.summary["objective"] == pytest.approx(6480)
    assert _bought(out, "O1") == pytest.approx(60)
    assert _bought(out, "O2") == pytest.approx(40)
    kz = sheet_row(out, "Rules", rule="one_origin", value="KZ")
    assert kz["binding"] == "yes" and kz["marginal_value"] == pytest.approx(12)
    assert sheet_row(out, "Rules", rule="one_origin", value="UZ")["binding"] == "no"
    assert sheet_row(out, "Demand", destination="C")["marginal_cost"] == pytest.approx(64.8)
    exposure = out.results["Exposure"]
    origin = exposure[exposure["measure"] == "origin_country"].set_index("value")["share"]
    assert origin.to_dict() == pytest.approx({"KZ": 0.6, "UZ": 0.4})


def test_supplier_cap_counts_contracts_and_offers():
    """Contract K1 (supplier S1) brings 40 t from A over RA (10/t, no price: already bought).
    The need of 100 is then short 60 t. A supplier rule caps S1 at 50 % of what reaches C:
    S1's contract already gives 40, so O1 may add at most 10; the other 50 come from O2:
    400 (K1) + 10 x 60 + 50 x 72 = 400 + 600 + 3,600 = 4,600. A contract with a blank
    supplier (K2, 10 t over RA) counts in the total but belongs to no supplier: with it the
    offers fill 50 t, S1 may have 50 of the 100 (O1 10), O2 40: 400 + 100 + 600 + 2,880
    = 3,980."""
    limits = [{"rule": "one_supplier", "measure": "supplier", "max_share": 0.5}]
    k1 = {
        "contract": "K1",
        "commodity": "U",
        "origin": "A",
        "destination": "C",
        "volume": 40,
        "supplier": "S1",
    }
    out = solve(sourcing(Limits=limits, Contracts=[k1]))
    assert out.results.summary["objective"] == pytest.approx(4600)
    assert _bought(out, "O1") == pytest.approx(10)
    assert _bought(out, "O2") == pytest.approx(50)
    need = sheet_row(out, "Demand", destination="C")
    assert need["from_contracts"] == pytest.approx(40) and need["from_offers"] == pytest.approx(60)
    assert out.results.summary["delivered:U"] == pytest.approx(100)
    assert out.results.summary["contracted:U"] == pytest.approx(40)
    k2 = {"contract": "K2", "commodity": "U", "origin": "A", "destination": "C", "volume": 10}
    out = solve(sourcing(Limits=limits, Contracts=[k1, k2]))
    assert out.results.summary["objective"] == pytest.approx(3980)
    assert _bought(out, "O1") == pytest.approx(10)
    assert _bought(out, "O2") == pytest.approx(40)
    s1 = sheet_row(out, "Rules", rule="one_supplier", value="S1")
    assert s1["total"] == pytest.approx(100) and s1["through"] == pytest.approx(50)


def test_unmet_demand_at_its_penalty():
    """Unmet demand costs 65/t. O1 sells 80 t (4,800); the other 20 t would need O2's minimum
    of 30 t (2,160, or O1 70 + O2 30 = 6,360 in all) against 20 x 65 = 1,300 unmet: 6,100.
    One more t of demand goes unmet too: marginal cost 65."""
    demand = [{"destination": "C", "commodity": "U", "volume": 100, "shortfall_penalty": 65}]
    out = solve(sourcing(Demand=demand))
    assert out.results.summary["objective"] == pytest.approx(6100)
    need = sheet_row(out, "Demand", destination="C")
    assert need["unmet"] == pytest.approx(20) and need["unmet_cost"] == pytest.approx(1300)
    assert need["marginal_cost"] == pytest.approx(65)
    assert out.results.summary["unmet_cost"] == pytest.approx(1300)
    assert out.results.summary["unmet:U"] == pytest.approx(20)
    assert sheet_row(out, "Purchases", offer="O2")["taken"] == "no"


def test_setting_penalty_applies_to_unmet_demand_and_none_overrides_it():
    """Setting shortfall_penalty 65 applies to a Demand row with a blank penalty: 6,100 as
    above; `none` makes the need a must again: 6,360."""
    demand = [{"destination": "C", "commodity": "U", "volume": 100}]
    out = solve(sourcing({"shortfall_penalty": 65}, Demand=demand))
    assert out.results.summary["objective"] == pytest.approx(6100)
    demand[0]["shortfall_penalty"] = "none"
    out = solve(sourcing({"shortfall_penalty": 65}, Demand=demand))
    assert out.results.summary["objective"] == pytest.approx(6360)


def _stock_world(**stock) -> dict:
    """Two periods, C needs 100 t in each; only O1 (60/t landed, no cap on volume) and its
    route RA, which a Capacities row closes in P2; a stock of U at C."""
    offers = [
        {"offer": "O1", "supplier": "S1", "commodity": "U", "origin": "A", "price": 50},
    ]
    return sourcing(
        Periods=PERIODS,
        Offers=offers,
        Routes=[{"route": "RA", "legs": "AC"}],
        Legs=[{"leg": "AC", "from": "A", "to": "C", "mode": "rail", "cost": 10}],
        Capacities=[{"target_type": "route", "target": "RA", "period": "P2", "capacity": 0}],
        Stocks=[{"node": "C", "commodity": "U", **stock}],
    )


def test_a_stock_covers_the_period_in_which_the_only_route_is_closed():
    """RA carries nothing in P2, so P1 buys for both periods: 200 t x 60 = 12,000, and the
    stock holds 100 t at the end of P1 at 2/t: 200. Total 12,200. Stocks: P1 opens at 0, 100
    arrive, closes at 100; P2 opens at 100, 100 used, closes at 0."""
    out = solve(_stock_world(holding_cost=2))
    assert out.results.summary["objective"] == pytest.approx(12200)
    assert out.results.summary["holding_cost"] == pytest.approx(200)
    assert _bought(out, "O1", "P1") == pytest.approx(200)
    assert _bought(out, "O1", "P2") == pytest.approx(0)
    p1 = sheet_row(out, "Stocks", period="P1")
    p2 = sheet_row(out, "Stocks", period="P2")
    assert [p1[c] for c in ("opening", "arrivals", "used", "closing")] == [0, 100, 0, 100]
    assert [p2[c] for c in ("opening", "arrivals", "used", "closing")] == [100, 0, 100, 0]
    d1 = sheet_row(out, "Demand", period="P1")
    d2 = sheet_row(out, "Demand", period="P2")
    assert (d1["from_offers"], d1["from_stock"]) == (200, -100)
    assert (d2["from_offers"], d2["from_stock"]) == (0, 100)


def test_the_floor_is_kept_at_its_penalty_when_that_is_cheaper():
    """The stock starts at 50 t with a floor of 50 t, holding 2/t. P1 buys q t; the level
    is 50 + q - 100 after P1 and q - 150 >= 0 after P2, so q >= 150.
    Hard floor (level >= 50 in both periods): q = 200, levels 150 and 50: 12,000 + 300 + 100
    = 12,400; one more t of floor in P2 means one more t bought and held twice: 60 + 2 + 2 =
    64 (the P2 floor's marginal cost; P1's floor does not bind: 0).
    Floor at penalty 5/t below it per period: each t bought beyond 150 costs 60 + 2 + 2 and
    saves 5: q = 150, levels 100 and 0 (50 below the floor in P2): 9,000 + 200 + 250 = 9,450;
    one more t of floor costs its penalty, 5."""
    hard = solve(_stock_world(initial=50, min_level=50, holding_cost=2))
    assert hard.results.summary["objective"] == pytest.approx(12400)
    assert sheet_row(hard, "Stocks", period="P2")["closing"] == pytest.approx(50)
    assert sheet_row(hard, "Stocks", period="P2")["marginal_cost"] == pytest.approx(64)
    assert sheet_row(hard, "Stocks", period="P1")["marginal_cost"] == pytest.approx(0)
    soft = solve(_stock_world(initial=50, min_level=50, holding_cost=2, penalty=5))
    assert soft.results.summary["objective"] == pytest.approx(9450)
    assert soft.results.summary["stock_penalty_cost"] == pytest.approx(250)
    assert soft.results.summary["holding_cost"] == pytest.approx(200)
    p2 = sheet_row(soft, "Stocks", period="P2")
    assert (p2["opening"], p2["used"], p2["closing"]) == (100, 100, 0)
    assert (p2["min_level"], p2["below_min"]) == (50, 50)
    assert p2["marginal_cost"] == pytest.approx(5)


def test_storage_capacity_limits_what_a_stock_can_carry():
    """max_level 60: the stock can carry only 60 t into P2, where the route is closed; the
    other 40 t of P2's need go unmet at 1,000/t: 160 x 60 + 60 x 2 + 40,000 = 49,720."""
    sheets = _stock_world(holding_cost=2, max_level=60)
    sheets["Demand"][0]["shortfall_penalty"] = 1000
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(49720)
    assert sheet_row(out, "Demand", period="P2")["unmet"] == pytest.approx(40)


def _fixed_cost_world() -> dict:
    """O1 50/t (landed 60), at most 150 t; O2 45/t (landed 55), at most 100 t, fixed cost
    1,000; O3 (no minimum, no fixed cost) 55/t over RA (landed 65). C needs 100 t."""
    offers = [
        {
            "offer": "O1",
            "supplier": "S1",
            "commodity": "U",
            "origin": "A",
            "price": 50,
            "max_volume": 150,
        },
        {
            "offer": "O2",
            "supplier": "S2",
            "commodity": "U",
            "origin": "A",
            "price": 45,
            "max_volume": 100,
            "fixed_cost": 1000,
        },
        {"offer": "O3", "supplier": "S3", "commodity": "U", "origin": "A", "price": 55},
    ]
    return sourcing(Offers=offers)


def test_an_offer_not_taken_for_its_fixed_cost_and_the_price_at_which_it_would_be():
    """Taking O2 for the whole need costs 100 x 55 + 1,000 = 6,500 > 100 x 60 = 6,000 with
    O1: O2 is not taken. Its flows would save 60 - 55 = 5/t against O1 (the demand's marginal
    cost is 60), over the 100 t it could sell; the fixed cost needs 10/t: its reduced cost is
    (1,000 - 100 x 5) / 100 = 5, so it is taken below 45 - 5 = 40/t. Re-solving at 40 - 0.01
    takes it (100 x 49.99 + 1,000 = 5,999); at 40 + 0.01 it stays out (6,000).
    O3 (no taken decision) costs 65 against 60: reduced cost 5, bought below 50."""
    out = solve(_fixed_cost_world())
    assert out.results.summary["objective"] == pytest.approx(6000)
    o2 = sheet_row(out, "Purchases", offer="O2")
    assert o2["taken"] == "no" and o2["volume"] == 0
    assert o2["reduced_cost"] == pytest.approx(5)
    assert o2["breakeven_price"] == pytest.approx(40)
    o3 = sheet_row(out, "Purchases", offer="O3")
    assert o3["reduced_cost"] == pytest.approx(5) and o3["breakeven_price"] == pytest.approx(50)
    o1 = sheet_row(out, "Purchases", offer="O1")
    assert o1["reduced_cost"] == 0 and np.isnan(o1["breakeven_price"])
    assert sheet_row(out, "Demand", destination="C")["marginal_cost"] == pytest.approx(60)
    # re-solve with O2's price lowered by its reduced cost, a cent either side
    plan = corridor.Plan(corridor.from_frames(frames(_fixed_cost_world())))
    plan.set_price("offer", "O2", factor=(45 - 5 - 0.01) / 45)
    assert plan.solve().result.objective == pytest.approx(5999)
    assert sheet_row_of(plan, "O2")["taken"] == "yes"
    plan.reset()
    plan.set_price("offer", "O2", factor=(45 - 5 + 0.01) / 45)
    assert plan.solve().result.objective == pytest.approx(6000)
    assert sheet_row_of(plan, "O2")["taken"] == "no"
    plan.reset()
    plan.set_price("supplier", "S3", factor=(55 - 5 - 0.01) / 55)  # O3 below 50: bought
    assert plan.solve().result.objective == pytest.approx(100 * 59.99)
    assert sheet_row_of(plan, "O3")["volume"] == pytest.approx(100)


def sheet_row_of(plan, offer: str) -> dict:
    purchases = plan.results()["Purchases"]
    return purchases[purchases["offer"] == offer].iloc[0].to_dict()


def test_max_days_of_offers_demand_and_contracts():
    """RB takes 5 days, RA 3. O2 with max_days 4 cannot use RB: O1 sells its 80 t and the
    other 20 t go unmet at 100/t: 4,800 + 2,000 = 6,800 (with a warning that O2 cannot be
    bought). The Demand row's own max_days 4 does the same to every offer; max_days 2 leaves
    it no offer at all (a warning). A contract with max_days 6 keeps RB, with 4 loses it: an
    error, as it has no other route."""
    demand = [{"destination": "C", "commodity": "U", "volume": 100, "shortfall_penalty": 100}]
    sheets = sourcing(Demand=demand)
    sheets["Offers"][1]["max_days"] = 4
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(6800)
    assert not (corridor.from_frames(frames(sheets)).flows["route"] == "RB").any()
    assert any("O2" in w.message and "4 days" in w.message for w in out.inputs.warnings)
    demand[0]["max_days"] = 4
    sheets = sourcing(Demand=demand)
    inputs = corridor.from_frames(frames(sheets))
    assert list(inputs.flows["route"]) == ["RA"]
    [warning] = inputs.warnings  # O2 can no longer be bought; the demand keeps RA
    assert "offer O2: the Demand rows' max_days leave it no route" in warning.message
    demand[0]["max_days"] = 2
    inputs = corridor.from_frames(frames(sourcing(Demand=demand)))
    assert inputs.flows.empty
    warning = next(w for w in inputs.warnings if "within max_days 2" in w.message)
    assert warning.message == (
        "demand for U at C: no offer reaches it within max_days 2 (fastest: RA, 3 days); "
        "only contracts and stock can serve it"
    )
    assert warning.where.startswith("Demand!E2")  # the max_days cell
    contract = {
        "contract": "K1",
        "commodity": "U",
        "origin": "B",
        "destination": "C",
        "volume": 10,
        "max_days": 6,
    }
    sheets = sourcing(Contracts=[contract])
    assert flow_of(solve(sheets), "RB", contract="K1") == pytest.approx(10)
    contract["max_days"] = 4
    with pytest.raises(corridor.InputError, match="slower than max_days 4"):
        corridor.from_frames(frames(sourcing(Contracts=[contract])))


def test_offer_destinations_and_periods():
    """Two destinations C and E (both JP) need 50 t each; O1 lists only C, so E is served
    by O2 alone: O1 50 at C (3,000), O2 at E at least 30 t and here exactly 50 (3,600): 6,600.
    O2 offered only in P2 of two periods: P1's need at E cannot be met (it must): infeasible;
    with E's penalty 1,000 it goes unmet in P1: 2 x 3,000 + 3,600 + 50,000 = 59,600."""
    sheets = sourcing(
        Nodes=[
            {"node": "A", "country": "KZ"},
            {"node": "B", "country": "UZ"},
            {"node": "C", "country": "JP"},
            {"node": "E", "country": "JP"},
        ],
        Legs=[
            *sourcing()["Legs"],
            {"leg": "AE", "from": "A", "to": "E", "mode": "rail", "cost": 10},
            {"leg": "BE", "from": "B", "to": "E", "mode": "rail", "cost": 12},
        ],
        Routes=[
            {"route": "RA", "legs": "AC"},
            {"route": "RB", "legs": "BC"},
            {"route": "RAE", "legs": "AE"},
            {"route": "RBE", "legs": "BE"},
        ],
        Demand=[
            {"destination": "C", "commodity": "U", "volume": 50, "shortfall_penalty": "none"},
            {"destination": "E", "commodity": "U", "volume": 50, "shortfall_penalty": "none"},
        ],
    )
    sheets["Offers"][0]["destinations"] = "C"
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(6600)
    assert flow_of(out, "RAE") == 0 and flow_of(out, "RBE") == pytest.approx(50)
    sheets["Periods"] = PERIODS
    sheets["Offers"][1]["period"] = "P2"
    # (nothing can reach E in P1: its balance row has no column, which Pyomo's compiler
    # rejects outright, so this one is solved without comparing the Pyomo view)
    assert corridor.run(corridor.from_frames(frames(sheets))).result.status == "infeasible"
    sheets["Demand"][1]["shortfall_penalty"] = 1000
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(59600)
    assert sheet_row(out, "Demand", destination="E", period="P1")["unmet"] == pytest.approx(50)


def test_an_offer_whose_minimum_cannot_be_sold_in_one_period_is_never_taken():
    """O2 (min 30 t if taken) in two periods, but its route RB is closed in P2: it cannot
    sell its minimum there, so it cannot be taken at all (spec: the minimum holds in every
    period). C's need (90 t each period, must be met) exceeds O1's 80 t: P1 could take 10
    from O2 only if O2 sold 30 in P2 too. Infeasible; with a penalty of 100/t the 10 t go
    unmet in each period: 2 x (80 x 60 + 1,000) = 11,600. The Diagnosis of the infeasible
    case names the need (80 of 90 t can be met in each period: its volume cell) among the
    changes to contract and demand volumes."""
    demand = [{"destination": "C", "commodity": "U", "volume": 90, "shortfall_penalty": 100}]
    capacities = [{"target_type": "route", "target": "RB", "period": "P2", "capacity": 0}]
    out = solve(sourcing(Periods=PERIODS, Demand=demand, Capacities=capacities))
    assert out.results.summary["objective"] == pytest.approx(11600)
    assert sheet_row(out, "Purchases", offer="O2", period="P1")["taken"] == "no"
    demand[0]["shortfall_penalty"] = "none"
    inputs = corridor.from_frames(
        frames(sourcing(Periods=PERIODS, Demand=demand, Capacities=capacities))
    )
    out = corridor.run(inputs)
    assert out.result.status == "infeasible"
    diagnosis = out.results["Diagnosis"]
    demand_rows = diagnosis[(diagnosis["kind"] == "demand")]
    assert list(demand_rows["period"]) == ["P1", "P2"]
    assert list(demand_rows["needed"]) == pytest.approx([80, 80])
    assert (demand_rows["cell"] == "Demand!C2").all()


def _fingerprint(inputs) -> tuple[dict, str, str]:
    """(size, digest of every array of the program, digest of the flows' v1.1 columns)."""
    lp = build(inputs)
    rows, cols, vals = lp.triplets()
    lower, upper, integer = lp.bounds()
    row_lower, row_upper = lp.row_bounds()
    digest = hashlib.sha256()
    for a in (
        rows.astype(np.int64),
        cols.astype(np.int64),
        np.round(vals, 9),
        np.round(lp.cost_vector(), 9),
        lower,
        upper,
        integer.astype(np.int8),
        row_lower,
        row_upper,
    ):
        digest.update(np.ascontiguousarray(a).tobytes())
    flows = inputs.flows.iloc[:, :15]  # the columns a v1.1 flow had
    flow_digest = hashlib.sha256(pd.util.hash_pandas_object(flows, index=True).to_numpy())
    return lp.size(), digest.hexdigest()[:16], flow_digest.hexdigest()[:16]


@pytest.mark.parametrize(
    ("source", "size", "digest", "flows", "objective"),
    [
        (  # pinned from commit 1770a17, before sourcing
            "example",
            {"columns": 52, "rows": 78, "nonzeros": 300, "integer_columns": 0},
            "0b08ec3b8c8a0974",
            "c5bae146ce9ee205",
            514137292.80164385,
        ),
        (
            dict(routes=40, commodities=2, periods=3, seed=3),
            {"columns": 252, "rows": 444, "nonzeros": 2676, "integer_columns": 0},
            "777809f9ea5de125",
            "e80e1d234e86e094",
            91220634.33890411,
        ),
        (
            dict(routes=30, commodities=2, periods=2, seed=5, fixed_costs=True, lots=True),
            {"columns": 136, "rows": 212, "nonzeros": 1274, "integer_columns": 12},
            "0aa403c0a09802ad",
            "4f691648da4011ea",
            19705792.199452054,
        ),
    ],
)
def test_a_workbook_without_demand_and_offers_gives_the_same_program(
    source, size, digest, flows, objective
):
    """Without Demand and Offers a workbook means what it meant in v1.1 (spec section 6):
    the same flows (their v1.1 columns), the same arrays to the last non-zero and the same
    optimum as before sourcing existed (pinned from commit 1770a17)."""
    if source == "example":
        inputs = corridor.read_workbook(EXAMPLE)
    else:
        inputs = corridor.from_frames(generate_frames(**source))
    got_size, got_digest, got_flows = _fingerprint(inputs)
    assert got_size == size
    assert got_digest == digest
    assert got_flows == flows
    assert corridor.Plan(inputs).solve(duals=False).result.objective == pytest.approx(
        objective, rel=1e-9
    )


def _checked_cases() -> dict[str, dict]:
    limits = [{"rule": "one_origin", "measure": "origin_country", "max_share": 0.6}]
    supplier = [{"rule": "one_supplier", "measure": "supplier", "max_share": 0.5}]
    k1 = {"contract": "K1", "commodity": "U", "origin": "A", "destination": "C", "volume": 40}
    unmet = [{"destination": "C", "commodity": "U", "volume": 100, "shortfall_penalty": 65}]
    capped = _stock_world(holding_cost=2, max_level=60)
    capped["Demand"][0]["shortfall_penalty"] = 1000
    return {
        "issue": sourcing(),
        "origin cap": sourcing(Limits=limits),
        "supplier cap": sourcing(Limits=supplier, Contracts=[{**k1, "supplier": "S1"}]),
        "unmet": sourcing(Demand=unmet),
        "stock": _stock_world(holding_cost=2),
        "hard floor": _stock_world(initial=50, min_level=50, holding_cost=2),
        "soft floor": _stock_world(initial=50, min_level=50, holding_cost=2, penalty=5),
        "storage cap": capped,
        "fixed cost": _fixed_cost_world(),
        "default cap": sourcing({"default_max_transit_share": 0.5}),
    }


@pytest.mark.parametrize("name", list(_checked_cases()))
def test_the_independent_checker_accepts_every_hand_solved_plan(name, tmp_path):
    """Each sourcing case, written as a workbook and solved from the file, passes
    tests/check.py (purchases, demand balance, stock levels, costs re-derived from the
    sheets without the model)."""
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    write_workbook(_checked_cases()[name], src)
    outcome = corridor.run(src, out)
    assert outcome.result.status == "optimal"
    assert check_plan(src, out) == []

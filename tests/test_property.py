"""Property test: any small valid workbook, once solved, passes the independent checker.

Hypothesis draws networks (origins, hubs in random countries, destinations), routes of two
or three legs, commodities, contracts, capacities, caps, rules, penalties and the integer
features, and half the time the sourcing sheets (Demand, Offers with minimums and fixed
costs, Stocks with floors, max_days, suppliers); every plan corridor calls optimal must
satisfy tests/check.py, which re-derives capacities, deliveries, purchases, the demand
balance and stock levels, limits and the objective from the workbook without the model.
"""

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridor

from cases import write_workbook
from check import check_plan

COUNTRIES = ["CN", "RU", "AZ", "GE", "TR"]


@st.composite
def workbooks(draw):
    n_hubs = draw(st.integers(2, 4))
    periods = [f"P{i + 1}" for i in range(draw(st.integers(1, 2)))]
    maybe_cap = st.one_of(st.none(), st.integers(20, 200))
    nodes = [
        {"node": "O1", "country": "KZ"},
        {"node": "O2", "country": "KZ"},
        {"node": "D1", "country": "JP"},
        {"node": "D2", "country": "KR"},
    ]
    for h in range(n_hubs):
        nodes.append(
            {
                "node": f"H{h}",
                "country": draw(st.sampled_from(COUNTRIES)),
                "capacity": draw(maybe_cap),
                "handling_cost": draw(st.integers(0, 3)),
            }
        )
    legs = []
    for o in ("O1", "O2"):
        for h in range(n_hubs):
            legs.append(
                {
                    "leg": f"{o}H{h}",
                    "from": o,
                    "to": f"H{h}",
                    "mode": "rail",
                    "cost": draw(st.integers(1, 30)),
                    "days": draw(st.integers(0, 9)),
                    "capacity": draw(maybe_cap),
                    "co2": draw(st.integers(0, 3)),
                }
            )
    for h in range(n_hubs):
        for d in ("D1", "D2"):
            legs.append(
                {
                    "leg": f"H{h}{d}",
                    "from": f"H{h}",
                    "to": d,
                    "mode": "sea",
                    "cost": draw(st.integers(1, 30)),
                    "days": draw(st.integers(0, 20)),
                    "countries": draw(st.sampled_from([None, "TR", "EG"])),
                    "chokepoints": draw(st.sampled_from([None, "Suez", "Bosporus"])),
                }
            )
    legs.append({"leg": "H0H1", "from": "H0", "to": "H1", "mode": "rail", "cost": 2})
    routes, seen = [], set()
    for i in range(draw(st.integers(2, 8))):
        o = draw(st.sampled_from(["O1", "O2"]))
        d = draw(st.sampled_from(["D1", "D2"]))
        if draw(st.booleans()):
            path = f"{o}H0 > H0H1 > H1{d}"
        else:
            h = draw(st.integers(0, n_hubs - 1))
            path = f"{o}H{h} > H{h}{d}"
        if path in seen:
            continue
        seen.add(path)
        route = {
            "route": f"R{i}",
            "legs": path,
            "corridor": draw(st.sampled_from([None, "North", "Middle"])),
            "capacity": draw(st.one_of(st.none(), st.integers(30, 300))),
        }
        if draw(st.integers(0, 3)) == 0:
            route["fixed_cost"] = draw(st.integers(0, 500))
            route["min_volume"] = draw(st.sampled_from([0, 5, 20]))
        if draw(st.integers(0, 3)) == 0:
            route["lot_size"] = draw(st.sampled_from([7, 10, 25]))
            route["lot_cost"] = draw(st.integers(0, 50))
        routes.append(route)
    ends = {(r["legs"][:2], r["legs"][-2:]) for r in routes}
    commodities = [
        {
            "commodity": "U",
            "unit": "t",
            "value_per_unit": draw(st.integers(1, 500)),
            "capacity_use": draw(st.sampled_from([1, 1.5, 2])),
            "cost_factor": draw(st.sampled_from([1, 1.2])),
        },
        {
            "commodity": "G",
            "unit": "kg",
            "value_per_unit": draw(st.integers(1, 900)),
            "capacity_use": 0.5,
        },
    ]
    contracts = []
    for k, (o, d) in enumerate(sorted(ends)[: draw(st.integers(1, 3))]):
        contracts.append(
            {
                "contract": f"K{k}",
                "commodity": draw(st.sampled_from(["U", "G"])),
                "origin": o,
                "destination": d,
                "volume": draw(st.integers(5, 120)),
                "period": draw(st.sampled_from([None, periods[-1]])),
                "shortfall_penalty": draw(st.sampled_from([None, None, 500, "none"])),
                "supplier": draw(st.sampled_from([None, "S1", "S2"])),
                "max_days": draw(st.sampled_from([None, None, None, 40])),
            }
        )
    settings_rows = {
        "default_max_transit_share": draw(st.sampled_from([None, 0.5, 0.7, 1])),
        "share_basis": draw(st.sampled_from(["volume", "value"])),
        "shortfall_penalty": draw(st.sampled_from([None, 1000])),
        "carrying_cost_rate": draw(st.sampled_from([0, 0.08])),
        "carbon_price": draw(st.sampled_from([0, 3])),
        "include_origin_country": draw(st.sampled_from(["no", "yes"])),
    }
    sheets = {
        "Settings": [{"setting": k, "value": v} for k, v in settings_rows.items()],
        "Periods": [{"period": p} for p in periods],
        "Commodities": commodities,
        "Nodes": nodes,
        "Legs": legs,
        "Routes": routes,
        "Contracts": contracts,
    }
    if draw(st.booleans()):
        sheets["Limits"] = [
            {
                "rule": "r1",
                "measure": draw(
                    st.sampled_from(
                        [
                            "transit_country",
                            "chokepoint",
                            "corridor",
                            "node",
                            "route",
                            "origin_country",
                            "supplier",
                        ]
                    )
                ),
                "value": "*",
                "commodity": draw(st.sampled_from(["*", "ALL"])),
                "period": draw(st.sampled_from(["*", "ALL"])),
                "max_share": draw(st.sampled_from([0.6, 0.8])),
                "penalty": draw(st.sampled_from([None, 5])),
            }
        ]
    if draw(st.booleans()):
        sheets.update(draw(sourcing_sheets(periods)))
    if draw(st.booleans()):
        sheets["Expansions"] = [
            {
                "expansion": "E1",
                "target_type": "node",
                "target": "H0",
                "added_capacity": 50,
                "cost": draw(st.integers(0, 900)),
                "max_units": 2,
                "first_period": periods[-1],
            }
        ]
    return sheets


@st.composite
def sourcing_sheets(draw, periods: list[str]) -> dict[str, list[dict]]:
    """Demand at D1/D2, offers at O1/O2 (O1 in KZ, O2 in KZ too: origin_country rules pool
    them) for commodities in demand, maybe a stock at a destination in demand."""
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(["D1", "D2"]), st.sampled_from(["U", "G"])),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    demand = [
        {
            "destination": d,
            "commodity": k,
            "volume": draw(st.integers(20, 150)),
            "period": draw(st.sampled_from([None, None, periods[-1]])),
            "shortfall_penalty": draw(st.sampled_from([None, 300, 300, 300, "none"])),
            "max_days": draw(st.sampled_from([None, None, None, 25])),
        }
        for d, k in pairs
    ]
    offers = []
    for i in range(draw(st.integers(1, 3))):
        d, k = draw(st.sampled_from(pairs))
        top = draw(st.sampled_from([None, 20, 60, 200]))
        least = draw(st.sampled_from([0, 0, 10]))
        offers.append(
            {
                "offer": f"F{i}",
                "supplier": draw(st.sampled_from(["S1", "S2", "S3"])),
                "commodity": k,
                "origin": draw(st.sampled_from(["O1", "O2"])),
                "period": draw(st.sampled_from([None, None, periods[0]])),
                "price": draw(st.integers(0, 60)),
                "max_volume": top,
                "min_volume": least if top is None or least <= top else 0,
                "fixed_cost": draw(st.sampled_from([0, 0, 150])),
                "destinations": draw(st.sampled_from([None, d])),
                "max_days": draw(st.sampled_from([None, None, None, 30])),
            }
        )
    out = {"Demand": demand, "Offers": offers}
    if draw(st.booleans()):
        d, k = draw(st.sampled_from(pairs))
        out["Stocks"] = [
            {
                "node": d,
                "commodity": k,
                "initial": draw(st.integers(0, 40)),
                "min_level": draw(st.sampled_from([0, 10])),
                "max_level": draw(st.sampled_from([None, 60])),
                "holding_cost": draw(st.integers(0, 3)),
                "penalty": draw(st.sampled_from([None, 20])),
            }
        ]
    return out


@settings(
    max_examples=int(os.environ.get("CORRIDOR_EXAMPLES", 30)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(workbooks())
def test_every_solved_plan_passes_the_independent_check(sheets):
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.xlsx", Path(tmp) / "out.xlsx"
        write_workbook(sheets, src)
        try:
            outcome = corridor.run(src, out)
        except corridor.InputError as exc:
            # only rules that can never bind may be rejected; anything else is a generator bug
            assert all("constrains nothing" in e.message for e in exc.errors), exc
            return
        if outcome.result.status == "optimal":
            assert check_plan(src, out) == []
        else:
            assert outcome.result.status == "infeasible"
            assert "Diagnosis" in outcome.results.sheets

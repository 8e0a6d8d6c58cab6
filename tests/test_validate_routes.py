"""Checks that need the routes' facts: max_days (Contracts error, Offers/Demand warning),
unit slips (warning) and routes dropped for a commodity's modes (warning).

Leg days in these worlds (`timed`): AX 10, XD 10, AY 5, YD 5, AZ 20, ZD 20, so the routes
take R_cn 20, R_ru 10 and R_az 40 days; the fastest is R_ru at 10 days.
"""

import pytest

import corridor

from cases import frames, world

DAYS = {"AX": 10, "XD": 10, "AY": 5, "YD": 5, "AZ": 20, "ZD": 20}


def timed(settings=None, **changes) -> dict[str, list[dict]]:
    sheets = world(settings, **changes)
    for leg in sheets["Legs"]:
        leg["days"] = DAYS[leg["leg"]]
    return sheets


def errors(sheets) -> list[tuple[str, str, str]]:
    with pytest.raises(corridor.InputError) as info:
        corridor.from_frames(frames(sheets))
    return [(f"{e.sheet}!{e.cell}", e.code, e.message) for e in info.value.errors]


def warnings(sheets) -> list[tuple[str, str, str]]:
    inputs = corridor.from_frames(frames(sheets))
    return [(f"{w.sheet}!{w.cell}", w.code, w.message) for w in inputs.warnings]


# --- max_days -----------------------------------------------------------------------------


def test_contract_whose_routes_are_all_slower_than_max_days():
    """max_days 8 < 10 days of R_ru, the fastest: one error at the max_days cell, and not
    also "no eligible route"."""
    sheets = timed()
    sheets["Contracts"][0]["max_days"] = 8
    assert errors(sheets) == [
        (
            "Contracts!F2",
            "too-slow",
            "contract K1: every eligible route is slower than max_days 8 (fastest: R_ru, 10 "
            "days); raise max_days or add a faster route",
        )
    ]


def test_contract_max_days_counts_only_its_eligible_routes():
    """With its route list R_cn, R_az the contract's fastest route is R_cn at 20 days, even
    though R_ru (10 days) would meet max_days 15."""
    sheets = timed()
    sheets["Contracts"][0].update(max_days=15, routes="R_cn, R_az")
    assert errors(sheets)[0][2] == (
        "contract K1: every eligible route is slower than max_days 15 (fastest: R_cn, 20 days); "
        "raise max_days or add a faster route"
    )


def test_contract_with_a_fast_enough_route_is_valid():
    sheets = timed()
    sheets["Contracts"][0]["max_days"] = 10  # R_ru takes exactly 10 days
    assert warnings(sheets) == []


def test_contract_without_any_route_gets_only_the_no_route_error():
    sheets = timed(Commodities=[{"commodity": "U", "unit": "t", "modes": "pipeline"}])
    sheets["Contracts"][0]["max_days"] = 8
    assert [code for _, code, _ in errors(sheets)] == ["no-route"]


def sourcing(offer: dict, demand: dict | None = None) -> dict[str, list[dict]]:
    sheets = timed()
    del sheets["Contracts"]
    sheets["Demand"] = [{"destination": "D", "commodity": "U", "volume": 100, **(demand or {})}]
    sheets["Offers"] = [{"offer": "O1", "supplier": "S1", "commodity": "U", "origin": "A", **offer}]
    return sheets


def test_offer_max_days_leaving_no_route_warns_at_its_cell():
    assert warnings(sourcing({"max_days": 8})) == [
        (
            "Offers!E2",
            "too-slow",
            "offer O1: no route of at most 8 days reaches any of its destinations (fastest: "
            "R_ru to D, 10 days); it cannot be bought",
        )
    ]


def test_demand_max_days_leaving_an_offer_no_route_warns_at_the_offer_and_the_demand():
    """Two facts, one per row: the offer can never be bought, and the demand row can be
    served only by contracts and stock (other offers might reach it in a bigger book)."""
    assert sorted(warnings(sourcing({}, {"max_days": 9}))) == [
        (
            "Demand!D2",
            "too-slow",
            "demand for U at D: no offer reaches it within max_days 9 (fastest: R_ru, 10 "
            "days); only contracts and stock can serve it",
        ),
        (
            "Offers!A2",
            "too-slow",
            "offer O1: the Demand rows' max_days leave it no route to any of its destinations "
            "(fastest: R_ru to D, 10 days); it cannot be bought",
        ),
    ]


def test_offer_within_both_max_days_is_quiet():
    assert warnings(sourcing({"max_days": 10}, {"max_days": 12})) == []


def test_offer_without_any_eligible_route_warns():
    """The offer loads at X; no route starts at X."""
    assert warnings(sourcing({"origin": "X"})) == [
        (
            "Offers!A2",
            "no-route",
            "offer O1 has no eligible route from X to any of its destinations (D); it cannot be "
            "bought",
        )
    ]


# --- unit slips ---------------------------------------------------------------------------


def test_capacities_below_one_percent_of_the_smallest_contract_warn():
    """K1 carries 100 t of U (capacity_use 1), so anything below 1 capacity unit on its
    routes looks like a slip; 0 means closed (no warning), exactly 1 % is fine."""
    sheets = world(
        Capacities=[
            {"target_type": "leg", "target": "AY", "capacity": 0.2},
            {"target_type": "node", "target": "Z", "capacity": 0},
        ]
    )
    sheets["Nodes"][1]["capacity"] = 0.9  # X
    sheets["Legs"][0]["capacity"] = 0.5  # AX
    sheets["Legs"][1]["capacity"] = 0  # XD: closed on purpose
    sheets["Routes"][1]["capacity"] = 1  # R_ru: exactly 1 %
    tail = "(K1: 100 capacity units per period); is it in another unit (kt for t)?"
    assert warnings(sheets) == [
        (
            "Nodes!C3",
            "unit-slip",
            "node X: capacity 0.9 is below 1 % of the smallest contract volume with an "
            f"eligible route through it {tail}",
        ),
        (
            "Legs!F2",
            "unit-slip",
            "leg AX: capacity 0.5 is below 1 % of the smallest contract volume with an "
            f"eligible route through it {tail}",
        ),
        (
            "Capacities!C2",
            "unit-slip",
            "leg AY: capacity 0.2 is below 1 % of the smallest contract volume with an "
            f"eligible route through it {tail}",
        ),
    ]


def test_unit_slip_counts_capacity_units_and_only_the_periods_of_a_capacities_row():
    """U uses 1000 capacity units per t: K1 (P1 only) is 100 t = 100,000 capacity units,
    K2 (P2 only) 20 t = 20,000. Leg AX's base capacity 150 is judged against the smaller, K2
    (1 % = 200): a slip. A Capacities row counts only the contracts of its period: AY's P2 row
    of 50 against K2 (1 % = 200), AY's P1 row of 700 against K1 (1 % = 1,000, where K2 alone
    would not flag it); each names its own contract."""
    sheets = world(
        Periods=[{"period": "P1"}, {"period": "P2"}],
        Commodities=[{"commodity": "U", "unit": "t", "capacity_use": 1000}],
        Capacities=[
            {"target_type": "leg", "target": "AY", "period": "P2", "capacity": 50},
            {"target_type": "leg", "target": "AY", "period": "P1", "capacity": 700},
        ],
    )
    sheets["Contracts"][0]["period"] = "P1"
    sheets["Contracts"].append(
        {
            "contract": "K2",
            "commodity": "U",
            "origin": "A",
            "destination": "D",
            "volume": 20,
            "period": "P2",
        }
    )
    sheets["Legs"][0]["capacity"] = 150
    found = [
        (where, message.split(" is below")[0], message.split("(")[1].split(" capacity")[0])
        for where, _, message in warnings(sheets)
    ]
    assert found == [
        ("Legs!F2", "leg AX: capacity 150", "K2: 20,000"),
        ("Capacities!D2", "leg AY: capacity 50", "K2: 20,000"),
        ("Capacities!D3", "leg AY: capacity 700", "K1: 100,000"),
    ]


def test_a_contract_with_no_route_through_a_node_does_not_judge_it():
    """R_cn is not in K1's route list: X's tiny capacity concerns no contract."""
    sheets = world()
    sheets["Contracts"][0]["routes"] = "R_ru, R_az"
    sheets["Nodes"][1]["capacity"] = 0.1
    assert warnings(sheets) == []


# --- routes dropped for a commodity's modes -------------------------------------------------


def test_route_dropped_for_a_mode_names_route_commodity_and_leg():
    """U may go by rail and sea: R_az starts with a ferry leg, so it is dropped for U."""
    sheets = world(Commodities=[{"commodity": "U", "unit": "t", "modes": "rail, sea"}])
    assert warnings(sheets) == [
        (
            "Routes!B4",
            "route-dropped",
            "route R_az is dropped for U: leg AZ (ferry) is not among U's modes (rail, sea)",
        )
    ]


def test_mode_drop_is_said_only_where_a_contract_could_have_used_the_route():
    """V (rail only) has no contract, so the sea legs that drop R_cn and R_ru for V are not
    named; R_az2 (the ferry again) has its own commodities list, which decides alone, so only
    R_az is named for U."""
    sheets = world(
        Commodities=[
            {"commodity": "U", "unit": "t", "modes": "rail, sea"},
            {"commodity": "V", "unit": "t", "modes": "rail"},
        ]
    )
    sheets["Routes"].append({"route": "R_az2", "legs": "AZ > ZD", "commodities": "V"})
    assert [m for _, _, m in warnings(sheets)] == [
        "route R_az is dropped for U: leg AZ (ferry) is not among U's modes (rail, sea)"
    ]

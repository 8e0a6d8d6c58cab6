"""Hand-solved cases for the integer decisions: route use, lots, expansions, soft rules."""

import pytest

import corridor

from cases import flow_of, solve, world


def _routes(*specs):
    """Routes straight from A to D over their own leg: (id, cost, extra route columns)."""
    legs, routes, nodes = [], [], [{"node": "A", "country": "KZ"}, {"node": "D", "country": "JP"}]
    for ident, cost, extra in specs:
        hub = f"H{ident}"
        nodes.append({"node": hub, "country": f"C{ident}"})
        legs += [
            {"leg": f"{ident}a", "from": "A", "to": hub, "mode": "rail", "cost": cost},
            {"leg": f"{ident}b", "from": hub, "to": "D", "mode": "sea", "cost": 0},
        ]
        routes.append({"route": ident, "legs": f"{ident}a > {ident}b", **extra})
    return {"Nodes": nodes, "Legs": legs, "Routes": routes}


def test_fixed_cost_makes_one_route_win_over_two():
    """R1 (20/t, cap 60) and R2 (21/t, cap 60) each cost 500 to open; R3 (23/t) is free.
    Two routes: 1200 + 840 + 1000 = 3040; R1 + R3: 1200 + 920 + 500 = 2620; R3 alone 2300."""
    out = solve(
        world(
            **_routes(
                ("R1", 20, {"fixed_cost": 500, "capacity": 60}),
                ("R2", 21, {"fixed_cost": 500, "capacity": 60}),
                ("R3", 23, {}),
            )
        )
    )
    assert out.results.summary["objective"] == pytest.approx(2300)
    assert flow_of(out, "R3") == pytest.approx(100)
    routes = out.results["Routes"].set_index("route")
    assert routes.loc["R1", "used"] == "no" and routes.loc["R3", "used"] == "yes"
    assert out.results.summary["fixed_cost"] == pytest.approx(0)


def test_fixed_cost_paid_once_when_it_pays():
    """Fixed cost 100 on R1 (20/t) against R2 (30/t): open R1, 2000 + 100 = 2100, paid once
    over two periods (2 x 2000 + 100 = 4100)."""
    sheets = world(
        Periods=[{"period": "P1"}, {"period": "P2"}],
        **_routes(("R1", 20, {"fixed_cost": 100}), ("R2", 30, {})),
    )
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(4100)
    assert out.results.summary["fixed_cost"] == pytest.approx(100)


def test_min_volume_every_period_shuts_route():
    """R1 (20/t) needs 50 t in every period if used, but K1 only runs in P1, so R1 cannot
    meet its minimum in P2 and stays shut: 100 t by R2 at 30 = 3000."""
    sheets = world(
        Periods=[{"period": "P1"}, {"period": "P2"}],
        Contracts=[
            {
                "contract": "K1",
                "commodity": "U",
                "origin": "A",
                "destination": "D",
                "volume": 100,
                "period": "P1",
            }
        ],
        **_routes(("R1", 20, {"min_volume": 50}), ("R2", 30, {})),
    )
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(3000)
    assert flow_of(out, "R1") == 0


def test_min_volume_shifts_a_contract():
    """K1 80 t + K2 30 t; R1 (20/t) holds 100, so 10 t must take R2 (25/t), which once
    used needs 40 t in the period: 70 t R1 + 40 t R2 = 1400 + 1000 = 2400."""
    sheets = world(
        Contracts=[
            {"contract": "K1", "commodity": "U", "origin": "A", "destination": "D", "volume": 80},
            {"contract": "K2", "commodity": "U", "origin": "A", "destination": "D", "volume": 30},
        ],
        **_routes(("R1", 20, {"capacity": 100}), ("R2", 25, {"min_volume": 40})),
    )
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(2400)
    assert flow_of(out, "R2") == pytest.approx(40)


def test_lots_round_up_and_lot_free_route_wins():
    """80 t; R1 10/t in lots of 25 at 120 each: 4 lots = 480 + 800 = 1280, partial mixes cost
    at least 1140; R2 (14/t, no lots) alone costs 1120 and wins."""
    sheets = world(**_routes(("R1", 10, {"lot_size": 25, "lot_cost": 120}), ("R2", 14, {})))
    sheets["Contracts"][0]["volume"] = 80
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(1120)
    assert flow_of(out, "R2") == pytest.approx(80)


def test_lots_paid_whole():
    """Only R1: 80 t = 3.2 lots -> 4 paid lots: 4*120 + 80*10 = 1280."""
    sheets = world(**_routes(("R1", 10, {"lot_size": 25, "lot_cost": 120})))
    sheets["Contracts"][0]["volume"] = 80
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(1280)
    assert out.results["Routes"].set_index("route").loc["R1", "shipments"] == pytest.approx(4)
    assert out.results.summary["lot_cost"] == pytest.approx(480)


@pytest.mark.parametrize(("cost", "units", "objective"), [(400, 1, 1400), (600, 0, 1500)])
def test_expansion_built_only_when_it_pays(cost, units, objective):
    """R1 (10/t) passes hub HR1 of capacity 50, R2 costs 20/t. One unit adds 50 t and saves
    50*(20-10) = 500: built at 400 (1000 + 400), not at 600 (500 + 1000)."""
    sheets = world(**_routes(("R1", 10, {}), ("R2", 20, {})))
    sheets["Nodes"][2]["capacity"] = 50
    sheets["Expansions"] = [
        {
            "expansion": "E1",
            "target_type": "node",
            "target": "HR1",
            "added_capacity": 50,
            "cost": cost,
            "max_units": 2,
        }
    ]
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(objective)
    exp = out.results["Expansions"].iloc[0]
    assert exp["units"] == units
    assert exp["used_above_base"] == pytest.approx(50 * units)


def test_expansion_from_first_period_only():
    """Expansion in effect from P2: P1 is capped at 50 on R1, P2 uses 100 on R1.
    P1: 500 + 1000; P2: 1000; build 300 -> 2800."""
    sheets = world(
        Periods=[{"period": "P1"}, {"period": "P2"}], **_routes(("R1", 10, {}), ("R2", 20, {}))
    )
    sheets["Nodes"][2]["capacity"] = 50
    sheets["Expansions"] = [
        {
            "expansion": "E1",
            "target_type": "node",
            "target": "HR1",
            "added_capacity": 50,
            "cost": 300,
            "first_period": "P2",
        }
    ]
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(2800)
    assert flow_of(out, "R1", "P1") == pytest.approx(50)
    assert flow_of(out, "R1", "P2") == pytest.approx(100)


@pytest.mark.parametrize(("penalty", "cn", "objective"), [(5, 100, 2250), (15, 50, 2500)])
def test_soft_cap_broken_only_when_cheaper(penalty, cn, objective):
    """CN max 50 % at a penalty per t above it. Each t moved from RU (30) to CN (20) saves 10:
    at penalty 5 all 100 t go CN (2000 + 50*5); at 15 the cap holds (2500)."""
    sheets = world(
        Limits=[
            {
                "rule": "cn_soft",
                "measure": "transit_country",
                "value": "CN",
                "max_share": 0.5,
                "penalty": penalty,
            }
        ]
    )
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(objective)
    assert flow_of(out, "R_cn") == pytest.approx(cn)
    rule = out.results["Rules"].iloc[0]
    assert rule["violation"] == pytest.approx(cn - 50)
    assert out.results.summary["violation_cost"] == pytest.approx((cn - 50) * penalty)


def test_soft_default_cap_override():
    """A soft rule on CN replaces the hard default cap for CN only (spec: the default cap)."""
    sheets = world(
        {"default_max_transit_share": 0.5},
        Limits=[
            {
                "rule": "cn_soft",
                "measure": "transit_country",
                "value": "CN",
                "max_share": 0.5,
                "penalty": 5,
            }
        ],
    )
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(2250)


def test_no_integer_columns_solves_as_lp():
    inputs = corridor.from_frames(
        {k: __import__("pandas").DataFrame(v) for k, v in world().items()}
    )
    model = corridor.build_model(inputs)
    result = corridor.solve(model)
    assert not result.is_mip and result.gap == 0.0
    assert not any(
        v.is_integer()
        for v in model.component_data_objects(__import__("pyomo.environ").environ.Var)
    )

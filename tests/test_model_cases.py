"""Hand-solved cases, one per constraint family: known optimum and decisions.

Each expected value is derived in the docstring from the base world in cases.py
(R_cn 20/t, R_ru 30/t, R_az 40/t, 100 t from A to D).
"""

import pytest

import corridor

from cases import flow_of, solve, world
from check import check_plan


def test_cheapest_route_without_cap():
    """All 100 t on R_cn at 20/t = 2000."""
    out = solve(world())
    assert out.result.status == "optimal"
    assert out.results.summary["objective"] == pytest.approx(2000)
    assert flow_of(out, "R_cn") == pytest.approx(100)


def test_transit_cap_forces_dearer_route():
    """Cap 50 %: 50 t CN at 20 + 50 t RU at 30 = 2500."""
    out = solve(world({"default_max_transit_share": 0.5}))
    assert out.results.summary["objective"] == pytest.approx(2500)
    assert flow_of(out, "R_cn") == pytest.approx(50)
    assert flow_of(out, "R_ru") == pytest.approx(50)


def test_tighter_cap_needs_third_country():
    """Cap 40 %: 40 CN (800) + 40 RU (1200) + 20 AZ (800) = 2800."""
    out = solve(world({"default_max_transit_share": "40%"}))
    assert out.results.summary["objective"] == pytest.approx(2800)
    assert flow_of(out, "R_az") == pytest.approx(20)


def test_capacity_shared_through_one_port():
    """Port P (cap 60) serves R1 (A>P>D, 20/t) and R2 (A>B>P>D, 25/t); R3 via Y costs 30.
    R1 fills P with 60 t (1200); R2 cannot use the full port; 40 t go by R3 (1200) = 2400."""
    sheets = world(
        Nodes=[
            {"node": "A", "country": "KZ"},
            {"node": "B", "country": "KZ"},
            {"node": "P", "country": "GE", "capacity": 60},
            {"node": "Y", "country": "RU"},
            {"node": "D", "country": "JP"},
        ],
        Legs=[
            {"leg": "AP", "from": "A", "to": "P", "mode": "rail", "cost": 10},
            {"leg": "AB", "from": "A", "to": "B", "mode": "rail", "cost": 5},
            {"leg": "BP", "from": "B", "to": "P", "mode": "rail", "cost": 10},
            {"leg": "PD", "from": "P", "to": "D", "mode": "sea", "cost": 10},
            {"leg": "AY", "from": "A", "to": "Y", "mode": "rail", "cost": 15},
            {"leg": "YD", "from": "Y", "to": "D", "mode": "sea", "cost": 15},
        ],
        Routes=[
            {"route": "R1", "legs": "AP > PD"},
            {"route": "R2", "legs": "AB > BP > PD"},
            {"route": "R3", "legs": "AY > YD"},
        ],
    )
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(2400)
    assert flow_of(out, "R1") == pytest.approx(60)
    assert flow_of(out, "R2") == pytest.approx(0)
    assert flow_of(out, "R3") == pytest.approx(40)
    cap = out.results["Capacity"]
    port = cap[(cap["type"] == "node") & (cap["id"] == "P")].iloc[0]
    assert port["used"] == pytest.approx(60) and port["binding"] == "yes"


def test_min_share_writes_corridor_in():
    """Caspian corridor min 30 %: 30 t R_az (1200) + 70 t R_cn (1400) = 2600."""
    limits = [{"rule": "caspian_min", "measure": "corridor", "value": "Caspian", "min_share": 0.3}]
    out = solve(world(Limits=limits))
    assert out.results.summary["objective"] == pytest.approx(2600)
    assert flow_of(out, "R_az") == pytest.approx(30)
    rules = out.results["Rules"]
    assert rules.iloc[0]["binding"] == "yes" and rules.iloc[0]["share"] == pytest.approx(0.3)


def _two_commodities(basis: str):
    """U 100 t (value 100/t) and G 10 t (value 1000/t) to D; CN capped at 50 % of both pooled."""
    return world(
        {"share_basis": basis},
        Commodities=[
            {"commodity": "U", "unit": "t", "value_per_unit": 100},
            {"commodity": "G", "unit": "t", "value_per_unit": 1000},
        ],
        Contracts=[
            {"contract": "K1", "commodity": "U", "origin": "A", "destination": "D", "volume": 100},
            {"contract": "K2", "commodity": "G", "origin": "A", "destination": "D", "volume": 10},
        ],
        Limits=[
            {
                "rule": "cn_half",
                "measure": "transit_country",
                "value": "CN",
                "commodity": "ALL",
                "max_share": 0.5,
            }
        ],
    )


def test_value_basis_weighs_by_value():
    """Value basis: CN may carry 10,000 of 20,000 in value: all 100 t of U (2000) while G
    goes by RU (300) = 2300."""
    out = solve(_two_commodities("value"))
    assert out.results.summary["objective"] == pytest.approx(2300)
    assert flow_of(out, "R_cn", contract="K1") == pytest.approx(100)
    assert flow_of(out, "R_ru", contract="K2") == pytest.approx(10)


def test_volume_basis_weighs_by_tonnes():
    """Volume basis: CN may carry 55 of 110 t: 55*20 + 55*30 = 2750."""
    out = solve(_two_commodities("volume"))
    assert out.results.summary["objective"] == pytest.approx(2750)


def _two_periods(period_scope: str):
    """100 t in P1 and P2; X (CN) closed in P2; CN max 50 % with period scope given."""
    return world(
        Periods=[{"period": "P1"}, {"period": "P2"}],
        Capacities=[{"target_type": "node", "target": "X", "period": "P2", "capacity": 0}],
        Limits=[
            {
                "rule": "cn_half",
                "measure": "transit_country",
                "value": "CN",
                "period": period_scope,
                "max_share": 0.5,
            }
        ],
    )


def test_pooled_all_period_scope():
    """Pooled over the horizon: 100 t CN in P1 (2000), 100 t RU in P2 (3000) = 5000."""
    out = solve(_two_periods("ALL"))
    assert out.results.summary["objective"] == pytest.approx(5000)
    assert flow_of(out, "R_cn", "P1") == pytest.approx(100)


def test_each_period_scope():
    """Per period: P1 50/50 (2500), P2 all RU (3000) = 5500."""
    out = solve(_two_periods("*"))
    assert out.results.summary["objective"] == pytest.approx(5500)
    assert flow_of(out, "R_cn", "P1") == pytest.approx(50)


def test_carrying_carbon_handling_and_cost_factor():
    """unit = cu*(cf*(legs 20 + handling 1) + carbon 2*co2 3) + value 365*0.1*10 days/365
    = 2*(1.5*21 + 6) + 1 = 76 per t; 100 t = 7600 (transport 6000, handling 300,
    carbon 1200, carrying 100)."""
    sheets = world(
        {"carrying_cost_rate": 0.1, "carbon_price": 2},
        Commodities=[
            {
                "commodity": "U",
                "unit": "t",
                "value_per_unit": 365,
                "capacity_use": 2,
                "cost_factor": 1.5,
            }
        ],
        Nodes=[
            {"node": "A", "country": "KZ"},
            {"node": "X", "country": "CN", "handling_cost": 1},
            {"node": "D", "country": "JP"},
        ],
        Legs=[
            {"leg": "AX", "from": "A", "to": "X", "mode": "rail", "cost": 10, "days": 4, "co2": 1},
            {"leg": "XD", "from": "X", "to": "D", "mode": "sea", "cost": 10, "days": 6, "co2": 2},
        ],
        Routes=[{"route": "R_cn", "legs": "AX > XD"}],
    )
    out = solve(sheets)
    s = out.results.summary
    assert s["objective"] == pytest.approx(7600)
    assert (s["transport_cost"], s["handling_cost"], s["carbon_cost"], s["carrying_cost"]) == (
        pytest.approx(6000),
        pytest.approx(300),
        pytest.approx(1200),
        pytest.approx(100),
    )
    assert out.results["Flows"].iloc[0]["unit_cost"] == pytest.approx(76)
    # 2026-11-30: Summary no longer adds capacity units across commodities (spec v1.2): the
    # total is money at value_per_unit (100 t x 365 = 36,500), and each commodity has its row.
    assert s["contracted"] == pytest.approx(36500)
    assert s["contracted:U"] == pytest.approx(100)
    assert out.results.units["contracted:U"] == "t"


@pytest.mark.parametrize(("penalty", "delivered", "objective"), [(50, 60, 3200), (10, 0, 1000)])
def test_shortfall(penalty, delivered, objective):
    """One route (20/t) with a leg of capacity 60. Penalty 50 > 20: ship 60 (1200) and pay
    40*50 = 2000. Penalty 10 < 20: ship nothing and pay 100*10 = 1000."""
    sheets = world(
        {"shortfall_penalty": penalty},
        Legs=[
            {"leg": "AX", "from": "A", "to": "X", "mode": "rail", "cost": 10, "capacity": 60},
            {"leg": "XD", "from": "X", "to": "D", "mode": "sea", "cost": 10},
        ],
        Routes=[{"route": "R_cn", "legs": "AX > XD"}],
    )
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(objective)
    row = out.results["Contracts"].iloc[0]
    assert row["delivered"] == pytest.approx(delivered)
    assert row["shortfall"] == pytest.approx(100 - delivered)


def test_contract_none_overrides_setting_penalty():
    """Contract penalty 'none' makes delivery mandatory despite the setting: the leg of
    capacity 60 cannot carry 100 t, so the plan is infeasible."""
    sheets = world(
        {"shortfall_penalty": 5},
        Legs=[
            {"leg": "AX", "from": "A", "to": "X", "mode": "rail", "cost": 10, "capacity": 60},
            {"leg": "XD", "from": "X", "to": "D", "mode": "sea", "cost": 10},
        ],
        Routes=[{"route": "R_cn", "legs": "AX > XD"}],
        Contracts=[
            {
                "contract": "K1",
                "commodity": "U",
                "origin": "A",
                "destination": "D",
                "volume": 100,
                "shortfall_penalty": "none",
            }
        ],
    )
    out = solve(sheets)
    assert out.result.status == "infeasible"
    assert out.exit_code == 3


def test_rule_replaces_default_cap_for_one_country_only():
    """RU max 0 for U replaces the default 50 % for RU only: CN 50 (1000) + AZ 50 (2000)."""
    sheets = world(
        {"default_max_transit_share": 0.5},
        Limits=[
            {
                "rule": "no_ru",
                "measure": "transit_country",
                "value": "RU",
                "commodity": "U",
                "max_share": 0,
            }
        ],
    )
    out = solve(sheets)
    assert out.results.summary["objective"] == pytest.approx(3000)
    rules = out.results["Rules"]
    assert set(rules[rules["rule"] == "default_cap"]["value"]) == {"CN", "AZ"}


def test_written_plan_passes_independent_check(tmp_path):
    """The results workbook of a capped, capacity-bound case passes tests/check.py."""
    from cases import write_workbook

    sheets = world({"default_max_transit_share": 0.4, "carbon_price": 1.5})
    src = tmp_path / "in.xlsx"
    write_workbook(sheets, src)
    out = corridor.run(src, tmp_path / "out.xlsx")
    assert out.exit_code == 0
    assert check_plan(src, tmp_path / "out.xlsx") == []

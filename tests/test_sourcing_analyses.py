"""Sourcing in every analysis: closures, the stress test, what-if plans, scenarios and the
frontier over an origin-country rule.

The sourcing world (tests/cases.py): C needs 100 t of U, must be met; O1 (S1, at A in KZ)
landed at 60/t over RA, at most 80 t; O2 (S2, at B in UZ) landed at 72/t over RB, at least
30 t if taken. The plan buys O1 70 + O2 30 = 6,360. closure_penalty (not set) is 10 x the
highest landed unit cost of any flow, 10 x 72 = 720.
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

import corridor
from corridor.analysis import frontier as fr
from corridor.analysis.scenarios import read_scenarios, run_scenarios
from corridor.analysis.stress import run_stress, used_closures
from corridor.cli import main
from corridor.closures import closed_flows, parse_closure
from corridor.highs import SolveOptions
from corridor.whatif import Change, apply_changes, solve_delivery_first

from cases import frames, solve, sourcing, write_workbook

ORIGIN_CAP = [{"rule": "one_origin", "measure": "origin_country", "max_share": 0.6}]


def _inputs(sheets):
    return corridor.from_frames(frames(sheets))


def test_closing_a_country_or_an_origin_country_stops_its_offers():
    """O2's only flow starts in UZ: country:UZ and origin_country:UZ both remove it (and
    nothing else); transit_country:UZ removes nothing (UZ is no route's transit country)."""
    inputs = _inputs(sourcing())
    o2 = list(np.flatnonzero((inputs.flows["offer"] == "O2").to_numpy()))
    assert list(closed_flows(inputs, parse_closure("country:UZ"))) == o2
    assert list(closed_flows(inputs, parse_closure("origin_country:UZ"))) == o2
    assert len(closed_flows(inputs, parse_closure("transit_country:UZ"))) == 0


def test_the_stress_test_closes_the_origin_countries_of_offers_bought():
    """Closing UZ stops O2's 30 t; O1 can give only 80, so 20 t are lost at closure_penalty:
    delivered 80 (share 0.8), shortfall 20 worth 14,400; logistics (purchases included)
    4,800 - 6,360 = -1,560, total change -1,560 + 14,400 = 12,840. Closing KZ stops O1's
    70 t; O2 gives all 100 t: 7,200, +840."""
    inputs = _inputs(sourcing())
    x = corridor.Plan(inputs).solve().x
    closures = [str(c) for c in used_closures(inputs, x[: len(inputs.flows)])]
    assert "origin_country:KZ" in closures and "origin_country:UZ" in closures
    _, table, _, _ = run_stress(inputs, SolveOptions(), workers=1)
    uz = table[(table["closure"] == "origin_country:UZ") & (table["commodity"] == "U")].iloc[0]
    assert (uz["stopped"], uz["delivered"], uz["delivered_share"]) == pytest.approx((30, 80, 0.8))
    assert (uz["shortfall"], uz["shortfall_value"]) == pytest.approx((20, 14400))
    assert uz["logistics_cost_change"] == pytest.approx(-1560)
    assert uz["total_cost_change"] == pytest.approx(12840)
    kz = table[(table["closure"] == "origin_country:KZ") & (table["commodity"] == "ALL")].iloc[0]
    assert kz["total_cost_change"] == pytest.approx(840)
    assert kz["shortfall_value"] == 0


def test_a_what_if_plan_allows_unmet_demand_only_when_told():
    """On a what-if plan every need has an unmet column, held at 0 where the need must be met
    until a closure allows it. Closing UZ without allowing it leaves no plan (O1 alone gives
    80 of 100); allowed, 20 t go unmet at closure_penalty: 4,800 + 14,400 = 19,200. A need
    with its own penalty (100/t) is allowed at it from the start: 4,800 + 2,000 = 6,800."""
    plan = corridor.Plan(_inputs(sourcing()), closures=True)
    assert plan.solve().result.objective == pytest.approx(6360)
    plan.close("origin_country:UZ")
    assert plan.solve().result.status == "infeasible"
    plan.allow_shortfall()
    assert plan.solve().result.objective == pytest.approx(19200)
    assert plan.results()["Demand"].iloc[0]["unmet"] == pytest.approx(20)
    demand = [{"destination": "C", "commodity": "U", "volume": 100, "shortfall_penalty": 100}]
    plan = corridor.Plan(_inputs(sourcing(Demand=demand)), closures=True)
    apply_changes(plan, [Change("close", "country:UZ")])
    assert solve_delivery_first(plan).result.objective == pytest.approx(6800)


def test_scenarios_set_price_and_scale_volume_reach_offers_and_demand():
    """dearer S1 (S1's prices x 1.2: O1 60/t, landed 70, still below O2's 72): O1 70 x 70 +
    O2 30 x 72 = 7,060 (+700). cheap O2 (x 0.5: 30/t, landed 42): O2 all 100 t, 4,200
    (-2,160). more U (demand x 1.1: 110 t): O1 80 + O2 30 = 4,800 + 2,160 = 6,960 (+600).
    Each equals a direct solve of the workbook changed by hand."""
    rows = [
        {"scenario": "dearer S1", "change": "set_price", "target": "supplier:S1", "value": 1.2},
        {"scenario": "cheap O2", "change": "set_price", "target": "offer:O2", "value": 0.5},
        {"scenario": "more U", "change": "scale_volume", "target": "commodity:U", "value": 1.1},
    ]
    inputs = _inputs(sourcing(Scenarios=rows))
    results, table, flows, _ = run_scenarios(
        inputs, SolveOptions(), read_scenarios(inputs), workers=1
    )
    change = table[table["commodity"] == "ALL"].set_index("scenario")["total_cost_change"]
    assert change.to_dict() == pytest.approx({"dearer S1": 700, "cheap O2": -2160, "more U": 600})
    dearer = sourcing()
    dearer["Offers"][0]["price"] = 60
    cheap = sourcing()
    cheap["Offers"][1]["price"] = 30
    more = sourcing()
    more["Demand"][0]["volume"] = 110
    for name, sheets in (("dearer S1", dearer), ("cheap O2", cheap), ("more U", more)):
        direct = solve(sheets).results.summary["objective"]
        assert change[name] == pytest.approx(direct - 6360)
    more_u = table[(table["scenario"] == "more U") & (table["commodity"] == "U")].iloc[0]
    assert more_u["delivered"] == pytest.approx(110)
    assert set(flows.loc[flows["scenario"] == "cheap O2", "offer"]) == {"O2"}


def test_the_frontier_sweeps_an_origin_country_rule():
    """one_origin caps each origin country's share at c. Uncapped, KZ has 70 %. For c >= 0.7
    the plan is 6,360; for 0.5 <= c < 0.7, O1 100c + O2 100(1 - c): 7,200 - 1,200c (6,480 at
    0.6); below 0.5 the two countries cannot carry 100 % between them: 0.5 is the tightest."""
    inputs = _inputs(sourcing(Limits=ORIGIN_CAP))
    f = fr.sweep(inputs, "one_origin", step=0.1)
    assert [p.cap for p in f.points] == pytest.approx([0.7, 0.6, 0.5])  # from the uncapped share
    assert f.points[-1].kind == "tightest"
    for p in f.points:
        expected = 6360 if p.cap >= 0.7 else 7200 - 1200 * p.cap
        assert p.objective == pytest.approx(expected)
        assert p.commodity_cost["U"] == pytest.approx(expected)  # purchases are U's cost


def test_frontier_command_on_an_origin_country_rule(tmp_path, capsys):
    path, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    write_workbook(sourcing(Limits=ORIGIN_CAP), path)
    assert (
        main(["frontier", str(path), "--rule", "one_origin", "--step", "0.1", "-o", str(out)]) == 0
    )
    sheet = openpyxl.load_workbook(out, read_only=True)["Frontier"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    caps = [r[header.index("cap")] for r in rows[1:]]
    assert caps == pytest.approx([0.7, 0.6, 0.5])
    assert "tightest" in capsys.readouterr().out


def test_scaling_demand_moves_the_big_m_of_a_taken_offer_with_it():
    """O3 (S3 at A, 55/t, landed 65, fixed cost 100, no max_volume) is bounded for the
    solver by the need it can reach: 100 t. Base: O1 80 (4,800) + O3 20 (1,300 + 100) =
    6,200. Demand x 2 (200 t): O1 80 + O3 120 = 4,800 + 7,800 + 100 = 12,700, which needs O3's
    bound raised with the need (held at 100 t, O2 would have to sell: 12,910); the
    same as solving the doubled workbook directly. reset() brings 6,200 back."""
    o3 = {"offer": "O3", "supplier": "S3", "commodity": "U", "origin": "A", "price": 55}
    sheets = sourcing()
    sheets["Offers"].append({**o3, "fixed_cost": 100})
    plan = corridor.Plan(_inputs(sheets))
    assert plan.solve().result.objective == pytest.approx(6200)
    plan.set_volume("commodity", "U", factor=2)
    assert plan.solve().result.objective == pytest.approx(12700)
    doubled = sourcing(Offers=sheets["Offers"])
    doubled["Demand"][0]["volume"] = 200
    assert solve(doubled).results.summary["objective"] == pytest.approx(12700)
    plan.reset()
    assert plan.solve().result.objective == pytest.approx(6200)

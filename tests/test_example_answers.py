"""What the bundled example answers, read as a planner would (issue: answers a planner can
trust). Figures derived by hand from the example's unit costs (the Flows sheet's
unit_cost: each route's legs, handling, carbon and carrying per commodity unit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corridor
from corridor.analysis.stress import run_stress
from corridor.example import example_frames
from corridor.highs import SolveOptions

COMMITTED = Path(__file__).resolve().parents[1] / "inputs" / "caspian_corridor.xlsx"

# unit costs (USD per commodity unit) of the routes the capped plan and its re-plans use
U_KHORGOS, U_POTI = 716.918552, 1459.966599
GA_DOSTYK, GA_RU_EAST = 1025.141096, 1463.446301
REO_DOSTYK, REO_POTI = 281.285205, 516.115616


@pytest.fixture(scope="module")
def stress():
    inputs = corridor.read_workbook(COMMITTED)
    return run_stress(inputs, SolveOptions())


def _row(table, closure, commodity="ALL"):
    hit = table[(table["closure"] == closure) & (table["commodity"] == commodity)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_closing_china_reroutes_the_uranium_in_full_at_a_cost(stress):
    """The plan sends half of uranium, gallium and rare earths via China each year. Closing
    China suspends the 50 % cap for those three commodities (their scopes lose a route) and
    holds it for the oil, which never crosses China:
      uranium     2 x 1,000 tU  from Khorgos (716.92) to Poti (1,459.97): +1,486,096
      gallium     3.75 + 7.5 t  from Dostyk (1,025.14) to Russia east (1,463.45): +4,931
      rare earths 2 x 750 t     from Dostyk (281.29) to Poti (516.12): +352,246
      crude oil   unchanged: 0
    total +1,843,273; everything is delivered."""
    _, table, _, _ = stress
    u = _row(table, "transit_country:CN", "uranium")
    assert u["delivered_share"] == pytest.approx(1.0) and u["shortfall"] == pytest.approx(0)
    assert u["stopped"] == pytest.approx(2000)
    assert u["logistics_cost_change"] == pytest.approx(2000 * (U_POTI - U_KHORGOS), rel=1e-6)
    ga = _row(table, "transit_country:CN", "gallium")
    assert ga["logistics_cost_change"] == pytest.approx(11.25 * (GA_RU_EAST - GA_DOSTYK), rel=1e-6)
    reo = _row(table, "transit_country:CN", "rare_earths")
    assert reo["logistics_cost_change"] == pytest.approx(1500 * (REO_POTI - REO_DOSTYK), rel=1e-6)
    oil = _row(table, "transit_country:CN", "crude_oil")
    assert oil["logistics_cost_change"] == pytest.approx(0, abs=1e-6)
    assert oil["stopped"] == pytest.approx(0)
    total = _row(table, "transit_country:CN")["total_cost_change"]
    assert total == pytest.approx(1_843_273, abs=1)
    assert total > 0
    assert "crude_oil" not in _row(table, "transit_country:CN")["cap_suspended"]


def test_no_closure_reads_as_a_saving_while_cargo_is_lost(stress):
    _, table, _, _ = stress
    for closure, rows in table.groupby("closure", sort=False):
        per = rows[rows["commodity"] != "ALL"]
        total = float(rows.loc[rows["commodity"] == "ALL", "total_cost_change"].iloc[0])
        if (per["delivered_share"] < 1 - 1e-6).any():
            assert total > 0, closure
            assert float(per["shortfall_value"].sum()) > 0, closure


def test_concentration_is_over_corridors_and_within_0_and_1():
    """hhi_corridor: 1 for one corridor, 0.5 for two equal ones. The capped plan splits
    every commodity 50/50 over two corridors: 0.5 everywhere."""
    out = corridor.run(corridor.read_workbook(COMMITTED))
    exposure = out.results["Exposure"]
    hhi = exposure[exposure["measure"] == "hhi_corridor"]
    assert len(hhi) == 8  # 4 commodities x 2 periods
    assert ((hhi["share"] > 0) & (hhi["share"] <= 1 + 1e-12)).all()
    assert hhi["share"].to_numpy() == pytest.approx(np.full(8, 0.5))
    assert "hhi" not in set(exposure["measure"])  # the old transit-country index is gone


def test_one_corridor_has_index_one():
    frames = example_frames()
    settings = frames["Settings"]
    frames["Settings"] = settings[settings["setting"] != "default_max_transit_share"]
    out = corridor.run(corridor.from_frames(frames))
    exposure = out.results["Exposure"]
    hhi = exposure[exposure["measure"] == "hhi_corridor"].set_index(["commodity", "period"])
    assert hhi.loc[("uranium", "2026"), "share"] == pytest.approx(1.0)  # all via China


def test_summary_never_adds_two_commodities():
    out = corridor.run(corridor.read_workbook(COMMITTED))
    s, units = out.results.summary, out.results.units
    for item in ("contracted", "delivered", "shortfall"):
        assert units[item] == "USD"  # a money total at value_per_unit, never tonnes
        for k in ("uranium", "gallium", "rare_earths", "crude_oil"):
            assert f"{item}:{k}" in s
    assert units["delivered:uranium"] == "tU" and units["delivered:crude_oil"] == "kt"
    assert s["delivered:uranium"] == pytest.approx(4000)


def _diagnosis(frames) -> pd.DataFrame:
    out = corridor.run(corridor.from_frames(frames))
    assert out.exit_code == 3
    return out.results["Diagnosis"]


def test_a_capacity_typed_in_kt_is_named_first():
    """Aktau's capacity typed as 1.5 (kt) instead of 1,500,000 (t): the first option names
    the node's capacity cell, not the uranium ban on Russia."""
    frames = example_frames()
    nodes = frames["Nodes"].copy()
    nodes.loc[nodes["node"] == "AKTAU", "capacity"] = 1.5
    diagnosis = _diagnosis({**frames, "Nodes": nodes})
    first = diagnosis.iloc[0]
    assert first["option"] == "unit slip"
    row = 2 + int(np.flatnonzero(nodes["node"] == "AKTAU")[0])
    assert first["cell"] == f"Nodes!E{row}"
    assert "typed in another unit" in first["change"]


def test_a_cap_too_tight_gets_the_tightest_feasible_cap_first():
    """A 20 % default cap: the first option is the tightest cap with which a plan exists,
    50 % (the uranium may not cross Russia and has two other corridors), in Settings."""
    frames = example_frames()
    settings = frames["Settings"].copy()
    settings.loc[settings["setting"] == "default_max_transit_share", "value"] = 0.2
    diagnosis = _diagnosis({**frames, "Settings": settings})
    first = diagnosis.iloc[0]
    assert first["option"] == "tightest cap"
    row = 2 + int(np.flatnonzero(settings["setting"] == "default_max_transit_share")[0])
    assert first["change"] == f"the tightest feasible cap is 50.0%: edit Settings!B{row}"
    assert first["needed"] == pytest.approx(0.5)

"""Closure stress test on hand-checked worlds (tests/cases.py: R_cn 20/t, R_ru 30/t, R_az 40/t).

Each closure's re-optimised plan must equal a direct solve of the workbook with the closed
item's routes taken out, and the stopped volume must equal the plan's flow through it.
"""

from __future__ import annotations

import copy

import openpyxl
import pytest

import corridor
from corridor.analysis.stress import COLUMNS, run_stress
from corridor.cli import main

from cases import BASE, flow_of, frames, solve, world, write_workbook


def without(sheets: dict, *routes: str) -> dict:
    sheets = copy.deepcopy(sheets)
    sheets["Routes"] = [r for r in sheets["Routes"] if r["route"] not in routes]
    return sheets


def row(table, kind: str, closed: str) -> dict:
    hit = table[(table["kind"] == kind) & (table["closed"] == closed)]
    assert len(hit) == 1, f"{kind} {closed} not in the Stress table"
    return hit.iloc[0].to_dict()


def capped_world() -> dict:
    """Cap 60 %: the plan sends 60 t via CN (1200) and 40 t via RU (1200); XD passes Malacca."""
    legs = copy.deepcopy(BASE["Legs"])
    legs[1]["chokepoints"] = "Malacca"
    return world({"default_max_transit_share": 0.6}, Legs=legs)


def test_closures_equal_direct_solves_without_the_routes():
    sheets = capped_world()
    done = run_stress(corridor.from_frames(frames(sheets)), show_progress=False)
    base = solve(sheets)
    assert base.results.summary["objective"] == pytest.approx(2400)
    table = done.table
    assert list(table.columns) == COLUMNS
    items = set(zip(table["kind"], table["closed"], strict=True))
    assert items == {
        ("country", "CN"),
        ("country", "RU"),
        ("chokepoint", "Malacca"),
        ("corridor", "R_cn"),
        ("corridor", "R_ru"),
    }
    for kind, closed, routes in (
        ("country", "CN", ["R_cn"]),
        ("country", "RU", ["R_ru"]),
        ("chokepoint", "Malacca", ["R_cn"]),
    ):
        r = row(table, kind, closed)
        direct = solve(without(sheets, *routes)).results.summary
        assert r["cost_after"] == pytest.approx(direct["objective"])
        assert r["delivered_after"] == pytest.approx(direct["delivered"])
        assert r["extra_cost"] == pytest.approx(direct["objective"] - 2400)
        assert r["delivered_share_after"] == pytest.approx(1.0)
        through = sum(flow_of(base, route) for route in routes)
        assert r["stopped_volume"] == pytest.approx(through)
        assert r["stopped_share"] == pytest.approx(through / 100)
        assert r["contracts_short"] == ""
        assert r["status"] == "optimal"
    # by hand: without CN, RU 60 + AZ 40 = 3400; without RU, CN 60 + AZ 40 = 2800
    assert row(table, "country", "CN")["cost_after"] == pytest.approx(3400)
    assert row(table, "country", "RU")["cost_after"] == pytest.approx(2800)
    assert row(table, "country", "CN")["stopped_volume"] == pytest.approx(60)
    # sorted by impact: nothing is lost, so the dearest closure comes first
    assert list(table["extra_cost"]) == sorted(table["extra_cost"], reverse=True)


def test_a_closure_that_leaves_a_contract_short_matches_the_direct_solve():
    """Cap 50 % and two routes: with CN closed RU alone would carry 100 %, so nothing moves;
    the shortfall costs the contract's penalty (1000/t) in both runs."""
    sheets = world({"default_max_transit_share": 0.5, "shortfall_penalty": 1000})
    sheets = without(sheets, "R_az")
    done = run_stress(corridor.from_frames(frames(sheets)), show_progress=False)
    r = row(done.table, "country", "CN")
    direct = solve(without(sheets, "R_cn")).results.summary
    assert direct["delivered"] == pytest.approx(0)
    assert r["delivered_after"] == pytest.approx(direct["delivered"])
    assert r["cost_after"] == pytest.approx(direct["objective"]) == pytest.approx(100_000)
    assert r["stopped_volume"] == pytest.approx(50)
    assert r["contracts_short"] == "K1: 0.0%"


def test_a_must_deliver_contract_falls_short_without_the_stand_in_penalty_in_cost():
    """No penalty anywhere: the closure still reports a plan (delivery first), delivering 0,
    and its cost leaves out the stand-in penalty."""
    sheets = without(world({"default_max_transit_share": 0.5}), "R_az")
    done = run_stress(corridor.from_frames(frames(sheets)), show_progress=False)
    r = row(done.table, "country", "RU")
    assert r["delivered_after"] == pytest.approx(0)
    assert r["delivered_share_after"] == pytest.approx(0)
    assert r["cost_after"] == pytest.approx(0)
    assert r["extra_cost"] == pytest.approx(-2500)
    assert r["contracts_short"] == "K1: 0.0%"


def test_stress_command_writes_the_base_sheets_and_a_charted_stress_sheet(tmp_path):
    src = tmp_path / "plan.xlsx"
    write_workbook(capped_world(), src)
    assert main(["stress", str(src)]) == 0
    out = tmp_path / "plan_stress.xlsx"
    wb = openpyxl.load_workbook(out)
    for sheet in ("Summary", "Flows", "Contracts", "Exposure", "Stress"):
        assert sheet in wb.sheetnames
    assert wb.sheetnames.index("Stress") > wb.sheetnames.index("Routes")
    ws = wb["Stress"]
    assert [c.value for c in ws[1]] == COLUMNS
    assert ws.max_row == 6
    assert len(wb["Stress charts"]._charts) == 2  # charts print whole on a sheet of their own
    first = {c: ws.cell(2, i + 1).value for i, c in enumerate(COLUMNS)}
    assert (first["kind"], first["closed"]) in {("country", "CN"), ("corridor", "R_cn")}

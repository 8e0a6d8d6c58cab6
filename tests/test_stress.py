"""Closure stress test on hand-checked worlds (tests/cases.py: R_cn 20/t, R_ru 30/t, R_az 40/t).

Closures follow the spec's section 5: the default cap is suspended in the scopes that lose a
usable route and held elsewhere; lost cargo is valued at its penalty (or closure_penalty)
and never reads as a saving; the report has one row per commodity in its unit and one ALL
row in money.
"""

from __future__ import annotations

import copy

import openpyxl
import pytest

import corridor
from corridor.analysis.stress import run_stress
from corridor.cli import main
from corridor.highs import SolveOptions
from corridor.whatif import REPORT_COLUMNS

from cases import BASE, frames, world, write_workbook


def without(sheets: dict, *routes: str) -> dict:
    sheets = copy.deepcopy(sheets)
    sheets["Routes"] = [r for r in sheets["Routes"] if r["route"] not in routes]
    return sheets


def stress(sheets: dict, **kw):
    inputs = corridor.from_frames(frames(sheets))
    return run_stress(inputs, SolveOptions(), **kw)


def row(table, closure: str, commodity: str = "ALL") -> dict:
    hit = table[(table["closure"] == closure) & (table["commodity"] == commodity)]
    assert len(hit) == 1, f"{closure} / {commodity} not in the Stress table"
    return hit.iloc[0].to_dict()


def capped_world() -> dict:
    """Cap 60 %: the plan sends 60 t via CN (1200) and 40 t via RU (1200); XD passes Malacca."""
    legs = copy.deepcopy(BASE["Legs"])
    legs[1]["chokepoints"] = "Malacca"
    return world({"default_max_transit_share": 0.6}, Legs=legs)


def test_closures_suspend_the_cap_where_a_route_is_lost():
    """Plan 2400. Closing CN (or Malacca, or corridor R_cn) takes R_cn from the only scope:
    the cap is suspended, all 100 t go RU = 3000 (+600). Closing RU: all CN = 2000 (-400:
    the re-plan drops the diversification the cap bought, and says so)."""
    results, table, _, base = stress(capped_world())
    assert base.objective == pytest.approx(2400)
    assert list(table.columns[: len(REPORT_COLUMNS)]) == REPORT_COLUMNS
    closures = list(dict.fromkeys(table["closure"]))
    # every closure delivers in full: sorted by total cost change, largest first
    assert closures == [
        "transit_country:CN",
        "chokepoint:Malacca",
        "corridor:R_cn",
        "transit_country:RU",
        "corridor:R_ru",
    ]
    for closure, total in (
        ("transit_country:CN", 600),
        ("chokepoint:Malacca", 600),
        ("corridor:R_cn", 600),
        ("transit_country:RU", -400),
        ("corridor:R_ru", -400),
    ):
        all_row, u = row(table, closure), row(table, closure, "U")
        assert all_row["total_cost_change"] == pytest.approx(total)
        assert all_row["logistics_cost_change"] == pytest.approx(total)
        assert all_row["shortfall_value"] == pytest.approx(0)
        assert u["delivered"] == pytest.approx(100) and u["delivered_share"] == pytest.approx(1)
        assert u["unit"] == "t" and u["shortfall"] == pytest.approx(0)
    assert row(table, "transit_country:CN", "U")["stopped"] == pytest.approx(60)
    assert row(table, "transit_country:CN", "U")["stopped_share"] == pytest.approx(0.6)
    assert row(table, "transit_country:RU", "U")["stopped"] == pytest.approx(40)
    # the ALL row totals money only: no volume that adds commodities
    assert (
        row(table, "transit_country:CN")["delivered"]
        != row(table, "transit_country:CN")["delivered"]
    )  # NaN


def test_keep_caps_holds_the_cap_in_every_closure():
    """--keep-caps: closing CN leaves RU 60 + AZ 40 = 3400 (+1000); closing RU leaves
    CN 60 + AZ 40 = 2800 (+400)."""
    _, table, _, _ = stress(capped_world(), keep_caps=True)
    assert row(table, "transit_country:CN")["total_cost_change"] == pytest.approx(1000)
    assert row(table, "transit_country:RU")["total_cost_change"] == pytest.approx(400)


def test_lost_cargo_is_costed_never_a_saving():
    """Cap 50 %, R_cn and R_ru only, nothing may fall short in the plan (2500). With the cap
    held, closing RU leaves CN alone, which may carry at most 50 % of what is delivered: so
    nothing is delivered. The 100 t lost are valued at closure_penalty = 10 x the highest
    landed unit cost (30/t) = 300/t: 30,000; total change 30,000 - 2,500 = +27,500, while
    the logistics cost falls by 2,500."""
    sheets = without(world({"default_max_transit_share": 0.5}), "R_az")
    _, table, _, _ = stress(sheets, keep_caps=True)
    all_row, u = row(table, "transit_country:RU"), row(table, "transit_country:RU", "U")
    assert u["delivered"] == pytest.approx(0) and u["delivered_share"] == pytest.approx(0)
    assert u["shortfall"] == pytest.approx(100)
    assert u["shortfall_value"] == pytest.approx(30_000)
    assert all_row["logistics_cost_change"] == pytest.approx(-2500)
    assert all_row["total_cost_change"] == pytest.approx(27_500)
    assert u["total_cost_change"] == pytest.approx(27_500)
    # worst first: the closures that lose cargo lead the table
    assert table["closure"].iloc[0] in ("transit_country:RU", "transit_country:CN")


def test_a_contract_penalty_values_the_shortfall():
    """The same closure with shortfall_penalty 1000: 100 t x 1000 - 2500 = +97,500."""
    sheets = without(world({"default_max_transit_share": 0.5, "shortfall_penalty": 1000}), "R_az")
    _, table, _, _ = stress(sheets, keep_caps=True)
    assert row(table, "transit_country:RU")["total_cost_change"] == pytest.approx(97_500)


def two_commodities() -> dict:
    """Uranium U (t) as in the base world, and oil O (kt), 10 kt from A to D by pipeline via
    RU (R_oru, 5/kt) or AZ (R_oaz, 8/kt); routes carry one commodity each; cap 50 %.
    Plan: U CN 50 + RU 50 = 2500; O RU 5 + AZ 5 = 65; total 2565."""
    sheets = world({"default_max_transit_share": 0.5})
    sheets["Commodities"] = [{"commodity": "U", "unit": "t"}, {"commodity": "O", "unit": "kt"}]
    sheets["Legs"] += [
        {"leg": "OY", "from": "A", "to": "Y", "mode": "pipeline", "cost": 2},
        {"leg": "OYD", "from": "Y", "to": "D", "mode": "pipeline", "cost": 3},
        {"leg": "OZ", "from": "A", "to": "Z", "mode": "pipeline", "cost": 4},
        {"leg": "OZD", "from": "Z", "to": "D", "mode": "pipeline", "cost": 4},
    ]
    for r in sheets["Routes"]:
        r["commodities"] = "U"
    sheets["Routes"] += [
        {"route": "R_oru", "legs": "OY > OYD", "commodities": "O"},
        {"route": "R_oaz", "legs": "OZ > OZD", "commodities": "O"},
    ]
    sheets["Contracts"].append(
        {"contract": "K2", "commodity": "O", "origin": "A", "destination": "D", "volume": 10}
    )
    return sheets


def test_closing_china_does_not_lift_the_oil_cap():
    """Closing CN touches only uranium's scope: U all via RU = 3000 (+500); the oil, which
    never crosses CN, keeps its cap and its cost (65). Closing RU touches both: U all CN
    (2000, -500), oil all AZ (80, +15): -485. Per commodity in its own unit."""
    _, table, _, base = stress(two_commodities())
    assert base.objective == pytest.approx(2565)
    cn_u, cn_o = row(table, "transit_country:CN", "U"), row(table, "transit_country:CN", "O")
    assert cn_u["logistics_cost_change"] == pytest.approx(500)
    assert cn_o["logistics_cost_change"] == pytest.approx(0)
    assert cn_o["stopped"] == pytest.approx(0) and cn_o["unit"] == "kt"
    assert row(table, "transit_country:CN")["total_cost_change"] == pytest.approx(500)
    assert row(table, "transit_country:RU")["total_cost_change"] == pytest.approx(-485)
    assert row(table, "transit_country:RU", "O")["stopped"] == pytest.approx(5)
    assert row(table, "transit_country:RU", "O")["stopped_share"] == pytest.approx(0.5)


def test_stress_command_writes_the_plan_the_stress_sheet_and_its_charts(tmp_path, capsys):
    src = tmp_path / "plan.xlsx"
    write_workbook(capped_world(), src)
    assert main(["stress", str(src)]) == 0
    printed = capsys.readouterr().out
    assert "transit_country:CN: worst delivered 100.0% (U), total cost change 600 USD" in printed
    out = tmp_path / "plan_stress.xlsx"
    wb = openpyxl.load_workbook(out)
    for sheet in ("Summary", "Flows", "Contracts", "Exposure", "Stress"):
        assert sheet in wb.sheetnames
    assert wb.sheetnames.index("Stress") > wb.sheetnames.index("Routes")
    header = [c.value for c in wb["Stress"][1]]
    assert header[: len(REPORT_COLUMNS)] == REPORT_COLUMNS
    assert wb["Stress"].max_row == 1 + 5 * 2  # five closures, an ALL and a U row each

"""`corridor compare`: two results workbooks side by side, anything else refused."""

from __future__ import annotations

import openpyxl
import pytest

import corridor
from corridor.cli import main
from corridor.example import example_frames

from cases import world, write_workbook


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """The example with and without its 50 % cap."""
    tmp = tmp_path_factory.mktemp("compare")
    frames = example_frames()
    capped = corridor.run(corridor.from_frames(frames), tmp / "capped.xlsx").path
    settings = frames["Settings"]
    frames["Settings"] = settings[settings["setting"] != "default_max_transit_share"]
    uncapped = corridor.run(corridor.from_frames(frames), tmp / "uncapped.xlsx").path
    return tmp, uncapped, capped


def test_the_premium_per_commodity_and_the_flows_moved(plans, capsys):
    """The cap's premium, 96,388,396, splits by commodity as the flows' costs say: uranium
    1,486,096 (2,000 tU from Khorgos to Poti at 743.05/tU more), gallium 4,931, rare earths
    352,246, crude oil 94,545,123 (2,700 kt from CPC to BTC at 35,016.71/kt more)."""
    tmp, uncapped, capped = plans
    out = tmp / "cmp.xlsx"
    assert main(["compare", str(uncapped), str(capped), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "total cost: 417,748,897 USD -> 514,137,293 USD (96,388,396 USD)" in printed
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Dashboard"
    costs = {r[0]: r[3] for r in wb["Compare costs"].iter_rows(min_row=2, values_only=True)}
    assert costs["total cost"] == pytest.approx(96_388_396, abs=1)
    assert costs["cost: uranium"] == pytest.approx(1_486_096, abs=1)
    assert costs["cost: gallium"] == pytest.approx(4_931, abs=1)
    assert costs["cost: rare_earths"] == pytest.approx(352_246, abs=1)
    assert costs["cost: crude_oil"] == pytest.approx(94_545_123, abs=1)
    per = [v for k, v in costs.items() if k.startswith("cost: ")]
    assert sum(per) == pytest.approx(costs["total cost"], abs=1)
    moved = list(wb["Compare flows"].iter_rows(min_row=2, values_only=True))
    oil_btc = [r for r in moved if r[3] == "OIL-BTC"]
    assert sorted(r[6] for r in oil_btc) == pytest.approx([1000, 1700])  # 2026, 2027
    exposure = {
        (r[0], r[1]): r for r in wb["Compare exposure"].iter_rows(min_row=2, values_only=True)
    }
    assert exposure[("uranium", "CN")][2:4] == pytest.approx((1.0, 0.5))


def test_a_plan_against_a_scenario(tmp_path):
    sheets = world(
        {"default_max_transit_share": 0.5},
        Scenarios=[{"scenario": "no CN", "change": "close", "target": "country:CN"}],
    )
    src = tmp_path / "plan.xlsx"
    write_workbook(sheets, src)
    assert main(["scenarios", str(src), "--workers", "1"]) == 0
    book = tmp_path / "plan_scenarios.xlsx"
    out = tmp_path / "cmp.xlsx"
    assert main(["compare", str(book), str(book), "--b-scenario", "no CN", "-o", str(out)]) == 0
    costs = {
        r[0]: r[1:]
        for r in openpyxl.load_workbook(out)["Compare costs"].iter_rows(min_row=2, values_only=True)
    }
    # CN 50 + RU 50 = 2,500; with CN closed the cap is suspended: all RU = 3,000
    assert costs["total cost"] == pytest.approx((2500, 3000, 500))


def test_anything_else_is_refused(tmp_path, plans, capsys):
    _, uncapped, _ = plans
    src = tmp_path / "input.xlsx"
    write_workbook(world(), src)
    assert main(["compare", str(src), str(uncapped), "-o", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert (
        "input.xlsx has no Summary sheet" in err and "results workbooks written by corridor" in err
    )
    assert not (tmp_path / "x.xlsx").exists()
    assert main(["compare", str(uncapped), str(uncapped), "-o", str(uncapped)]) == 2

"""The bundled examples (corridor.example: inputs/caspian_corridor.xlsx and its sourcing
variant inputs/caspian_sourcing.xlsx) tell their stories.

- the committed workbook reads cleanly and is what `write_example` writes today;
- with the default 50 % transit cap the plan is optimal, uses the TITR and keeps every
  transit country at or below 50 % of each destination x commodity x period (Exposure);
- without the cap it is cheaper, sends the minerals through China and the oil through Russia;
- every number of the input sheets is cited or marked illustrative on the Sources sheet.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import corridor
from corridor.analysis.robust import sweep
from corridor.example import (
    CAPPED_COST_MUSD,
    CITATIONS,
    ILLUSTRATIVE,
    INPUT_SHEETS,
    NO_CAP_COST_MUSD,
    ROBUST_COST_MUSD,
    ROBUST_SHEETS,
    SOURCING_COST_MUSD,
    SOURCING_SHEETS,
    example_frames,
    main,
    numeric_cells,
    robust_frames,
    sourcing_frames,
    write_example,
    write_robust_example,
    write_sourcing_example,
)
from corridor.highs import SolveOptions

from check import check_plan

COMMITTED = Path(__file__).resolve().parents[1] / "inputs" / "caspian_corridor.xlsx"
CAP = 0.5
TOL = 1e-6


def _without_cap(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = dict(frames)
    settings = frames["Settings"]
    out["Settings"] = settings[settings["setting"] != "default_max_transit_share"]
    return out


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    out = tmp_path_factory.mktemp("example") / "results.xlsx"
    return corridor.run(COMMITTED, out)


@pytest.fixture(scope="module")
def uncapped():
    return corridor.run(corridor.from_frames(_without_cap(example_frames())))


def _values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _tables(path: Path) -> dict[str, list[dict]]:
    """Each sheet as rows keyed by header (the layout write_example uses)."""
    out = {}
    for name, rows in _values(path).items():
        header, *body = rows
        out[name] = [dict(zip(header, row, strict=True)) for row in body]
    return out


# ----------------------------------------------------------------------------- the workbook


def test_committed_workbook_reads_without_warnings():
    inputs = corridor.read_workbook(COMMITTED)
    assert inputs.warnings == []
    assert inputs.periods == ["2026", "2027"]
    assert inputs.settings["default_max_transit_share"] == CAP


def test_committed_workbook_is_what_write_example_writes(tmp_path):
    fresh = write_example(tmp_path / "fresh.xlsx")
    assert _values(fresh) == _values(COMMITTED), "run `make example` and commit the workbook"


def test_sheets_ids_and_layout():
    wb = openpyxl.load_workbook(COMMITTED)
    assert wb.sheetnames == ["About", *INPUT_SHEETS, "Sources"]
    for name in (*INPUT_SHEETS, "Sources"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert all(cell.font.bold for cell in ws[1])
    # ids typed as numbers would still read, but the example writes them as text
    assert [c.value for c in wb["Periods"]["A"][1:]] == ["2026", "2027"]
    assert all(c.data_type == "s" for c in wb["Periods"]["A"])
    assert 5 <= wb["About"].max_row <= 10


def test_main_writes_the_workbook(tmp_path, capsys):
    assert main([str(tmp_path / "out.xlsx")]) == 0
    assert (tmp_path / "out.xlsx").exists()
    assert main([]) == 2


# ----------------------------------------------------------------------------- the story


def test_capped_plan_is_optimal_and_uses_the_titr(capped):
    assert capped.results.summary["status"] == "optimal"
    assert capped.exit_code == 0
    flows = capped.results.sheets["Flows"]
    titr = flows[flows["corridor"] == "TITR"]
    assert titr["volume"].sum() > 0
    # uranium and rare earths go half via the TITR; oil half via tanker + BTC
    assert set(titr["commodity"]) == {"uranium", "rare_earths"}
    assert set(flows.loc[flows["commodity"] == "crude_oil", "corridor"]) == {"CPC", "Caspian-BTC"}
    assert "Russia-West" not in set(flows["corridor"])
    assert not (
        (flows["commodity"] == "uranium") & flows["transit_countries"].str.contains("RU")
    ).any()


def test_no_transit_country_above_the_cap(capped):
    exposure = capped.results.sheets["Exposure"]
    transit = exposure[exposure["measure"] == "transit_country"]
    scopes = transit.groupby(["destination", "commodity", "period"])["share"].max()
    assert len(scopes) == 4 * 2  # every commodity in every period
    assert (scopes <= CAP + TOL).all(), scopes[scopes > CAP + TOL]
    # the cap binds: each scope has a country at exactly 50 %
    assert (scopes >= CAP - TOL).all()


def test_the_plan_passes_the_independent_checker(capped):
    assert check_plan(COMMITTED, capped.path) == []


def test_the_cap_costs_more_than_the_cheapest_plan(capped, uncapped):
    assert uncapped.results.summary["status"] == "optimal"
    cheap = uncapped.results.summary["objective"]
    dear = capped.results.summary["objective"]
    assert dear > cheap * 1.05
    # the About sheet quotes both, in US$ million
    assert round(cheap / 1e6) == NO_CAP_COST_MUSD
    assert round(dear / 1e6) == CAPPED_COST_MUSD
    # without the cap the minerals go through China and the oil through Russia (CPC)
    flows = uncapped.results.sheets["Flows"]
    by = flows.groupby(["commodity", "corridor"])["volume"].sum().unstack(fill_value=0.0)
    share = by.div(by.sum(axis=1), axis=0)
    for mineral in ("uranium", "gallium", "rare_earths"):
        assert share.at[mineral, "China"] > 0.5
    assert share.at["crude_oil", "CPC"] > 0.5


def test_the_rule_and_the_ramp_up_matter():
    frames = example_frames()
    # the cap alone would let half the uranium take Russia east (Vostochny)
    limits = frames["Limits"]
    no_rule = {**frames, "Limits": limits[limits["rule"] != "no_ru_uranium"]}
    flows = corridor.run(corridor.from_frames(no_rule)).results.sheets["Flows"]
    assert "U-RU-EAST" in set(flows["route"])
    # without the BTC quota's ramp-up in 2027, half the 2027 oil cannot take BTC
    no_ramp = {name: frame for name, frame in frames.items() if name != "Capacities"}
    inputs = corridor.from_frames(no_ramp)
    assert corridor.solve(corridor.build_model(inputs)).status == "infeasible"


# ----------------------------------------------------------------------------- sources


def _assert_cited(path: Path, frames, sheets) -> dict[tuple[str, str], dict]:
    """Every number of a variant's input sheets has a Sources row (exact, or an
    illustrative `*.column`), every Sources row covers a cell; returns the rows."""
    tables = _tables(path)
    rows = {(s["sheet"], s["item"]): s for s in tables["Sources"]}
    assert len(rows) == len(tables["Sources"]), "duplicate Sources items"
    known = set(CITATIONS.values())
    assert all(s["source"] == ILLUSTRATIVE or s["source"] in known for s in rows.values())
    assert all(s["note"] for s in rows.values()), "a Sources row without a note"
    covered, missing = set(), []
    for sheet, item, value in numeric_cells(frames, sheets):
        column = item.rsplit(".", 1)[-1]
        exact, wildcard = rows.get((sheet, item)), rows.get((sheet, f"*.{column}"))
        if exact is not None:
            assert exact["value"] == pytest.approx(value), (sheet, item)
            covered.add((sheet, item))
        elif wildcard is not None and wildcard["source"] == ILLUSTRATIVE:
            covered.add((sheet, f"*.{column}"))
        else:
            missing.append(f"{sheet} {item} = {value}")
    assert missing == [], "numbers without a Sources row"
    assert set(rows) == covered, "Sources rows that cover no cell"
    return rows


def test_every_number_is_cited_or_illustrative():
    rows = _assert_cited(COMMITTED, example_frames(), INPUT_SHEETS)
    # the public figures the brief names are cited, not illustrative
    for sheet, item in [
        ("Legs", "SANGACHAL-CEYHAN.capacity"),
        ("Legs", "AKTAU-ALAT.capacity"),
        ("Legs", "TENGIZ-NOVOROSSIYSK.capacity"),
        ("Limits", "titr_capacity.max_volume"),
        ("Limits", "titr_uranium_quota.max_volume"),
        ("Contracts", "U-KHARASAN.volume"),
        ("Contracts", "GA-ALKAZ@2027.volume"),
        ("Contracts", "REO-SARECO.volume"),
    ]:
        assert rows[(sheet, item)]["source"] != ILLUSTRATIVE, item


# ----------------------------------------------------------------------------- sourcing

SOURCING = COMMITTED.parent / "caspian_sourcing.xlsx"


@pytest.fixture(scope="module")
def sourcing_capped(tmp_path_factory):
    out = tmp_path_factory.mktemp("sourcing") / "results.xlsx"
    return corridor.run(SOURCING, out)


def _bought(outcome) -> dict[str, float]:
    purchases = outcome.results.sheets["Purchases"]
    return purchases.groupby("offer", sort=False)["volume"].sum().to_dict()


def test_sourcing_workbook_is_what_write_example_writes_and_reads_cleanly(tmp_path):
    fresh = write_sourcing_example(tmp_path / "fresh.xlsx")
    assert _values(fresh) == _values(SOURCING), "run `make example` and commit the workbooks"
    inputs = corridor.read_workbook(SOURCING)
    assert inputs.warnings == []
    assert openpyxl.load_workbook(SOURCING).sheetnames == ["About", *SOURCING_SHEETS, "Sources"]
    assert main([str(tmp_path / "a.xlsx"), str(tmp_path / "b.xlsx")]) == 0
    assert (tmp_path / "b.xlsx").exists()


def test_what_the_origin_cap_costs_and_which_suppliers_are_taken(sourcing_capped):
    """The figures of the README's sourcing section. Without uranium_origin_cap: Navoiyuran
    1,000 and Kazatomprom 2,000 tU a year (Kazakhstan two thirds), Cameco not taken. With
    it (at most 60 % from one country): Cameco's term contract is taken and sells its
    minimum of 500 tU a year, so Kazakhstan falls to 1,500 (half), not just to 1,800."""
    assert sourcing_capped.results.summary["status"] == "optimal"
    free = corridor.run(corridor.from_frames(sourcing_frames(origin_cap=None)))
    assert free.results.summary["status"] == "optimal"
    with_cap = sourcing_capped.results.summary["objective"] / 1e6
    without = free.results.summary["objective"] / 1e6
    assert round(with_cap, 1) == SOURCING_COST_MUSD["with_cap"]
    assert round(without, 1) == SOURCING_COST_MUSD["without_cap"]
    capped_u = {k: v for k, v in _bought(sourcing_capped).items() if k.startswith("U-")}
    free_u = {k: v for k, v in _bought(free).items() if k.startswith("U-")}
    assert capped_u == pytest.approx(
        {"U-KAZATOMPROM": 3000, "U-NAVOIYURAN": 2000, "U-CAMECO": 1000}
    )
    assert free_u == pytest.approx({"U-KAZATOMPROM": 4000, "U-NAVOIYURAN": 2000, "U-CAMECO": 0})
    cameco = free.results.sheets["Purchases"].set_index(["offer", "period"]).loc["U-CAMECO"]
    assert (cameco["taken"] == "no").all()
    # the README: taken below about US$185,600/tU, a reduced cost of about US$12,400/tU
    assert cameco["reduced_cost"].round(-2).tolist() == [12_400, 12_400]
    assert cameco["breakeven_price"].round(-2).tolist() == [185_600, 185_600]
    # rare earths from two sources, gallium from two, and the stock drawn to its floor
    bought = _bought(sourcing_capped)
    assert (bought["REO-SARECO"], bought["REO-LYNAS"]) == pytest.approx((3000, 929))
    assert (bought["GA-ALKAZ"], bought["GA-CN"]) == pytest.approx((22.5, 7.5))
    stocks = sourcing_capped.results.sheets["Stocks"].set_index("period")
    assert stocks.loc["2026", "used"] == pytest.approx(71)
    assert (stocks["closing"] == stocks["min_level"]).all()  # drawn to the floor of 329 t


def test_the_sourcing_plan_passes_the_independent_checker(sourcing_capped):
    assert check_plan(SOURCING, sourcing_capped.path) == []


def test_every_sourcing_number_is_cited_or_illustrative():
    rows = _assert_cited(SOURCING, sourcing_frames(), SOURCING_SHEETS)
    for sheet, item in [
        ("Offers", "U-KAZATOMPROM.max_volume"),
        ("Offers", "REO-SARECO.max_volume"),
        ("Offers", "GA-ALKAZ@2027.max_volume"),
        ("Limits", "titr_uranium_quota.max_volume"),
    ]:
        assert rows[(sheet, item)]["source"] != ILLUSTRATIVE, item


# ----------------------------------------------------------------------------- robust

ROBUST = COMMITTED.parent / "caspian_robust.xlsx"


@pytest.fixture(scope="module")
def robust(tmp_path_factory):
    out = tmp_path_factory.mktemp("robust") / "results.xlsx"
    return corridor.run(ROBUST, out)


def test_robust_workbook_is_what_write_example_writes_and_reads_cleanly(tmp_path):
    fresh = write_robust_example(tmp_path / "fresh.xlsx")
    assert _values(fresh) == _values(ROBUST), "run `make example` and commit the workbooks"
    inputs = corridor.read_workbook(ROBUST)
    assert inputs.warnings == []
    assert openpyxl.load_workbook(ROBUST).sheetnames == ["About", *ROBUST_SHEETS, "Sources"]


def test_what_robustness_costs_and_what_the_robust_plan_books(robust):
    """The figures of the README's robust section. 80 % of every contract in any closure
    of one transit country for a year: a closure of RU leaves oil only BTC, whose Kazakh
    quota (1,500 kt in 2026, 2,200 kt in 2027) must carry 80 % of 2,000 and 3,400 kt:
    +100 and +520 kt, so 6 units of 100 kt (US$12 M). A closure of CN leaves uranium the
    TITR, where capacity exists in a closure only if booked: 80 % of 2,000 tU is 1,600 tU
    = 1,886.4 t of U3O8, so besides the plan's own 1,179 t via Poti it books 707.4 t via
    Baku-Tbilisi-Kars (10 USD per t a year). Flows are exactly those of the cap alone."""
    summary = robust.results.summary
    assert summary["status"] == "optimal"
    plain = corridor.run(corridor.read_workbook(ROBUST).without_robust())
    assert round(summary["objective"] / 1e6, 1) == ROBUST_COST_MUSD["robust"]
    assert round(plain.results.summary["objective"] / 1e6, 1) == ROBUST_COST_MUSD["cap_alone"]
    assert summary["expansion_cost"] == pytest.approx(12_000_000)
    assert summary["booking_cost"] == pytest.approx(10 * 2 * (750 + 1179 + 707.4))
    expansions = robust.results["Expansions"].set_index("expansion")
    assert expansions.at["BTC-KZ-QUOTA", "units"] == 6
    # the plan itself never needs the quota: a closure of RU does (all of it, to lose less)
    assert expansions.at["BTC-KZ-QUOTA", "used_above_base"] == pytest.approx(600_000)
    booked = robust.results["Booking"].dropna(subset=["booked"])
    booked = booked[booked["booked"] > 0].groupby("route")["booked"].agg(["min", "max"])
    assert booked.to_dict("index") == {
        "REO-TITR-POTI": pytest.approx({"min": 750, "max": 750}),
        "U-TITR-BTK": pytest.approx({"min": 707.4, "max": 707.4}),
        "U-TITR-POTI": pytest.approx({"min": 1179, "max": 1179}),
    }
    key = ["route", "period"]
    mine = robust.results["Flows"].groupby(key)["volume"].sum()
    theirs = plain.results["Flows"].groupby(key)["volume"].sum()
    pd.testing.assert_series_equal(mine, theirs)
    rows = robust.results["Robustness"].set_index(["closure", "period", "commodity"])
    assert rows.loc[("transit_country:CN", "2026", "uranium"), "delivered_share"] == (
        pytest.approx(0.8)
    )
    assert rows.loc[("transit_country:RU", "2027", "crude_oil"), "delivered_share"] == (
        pytest.approx(2800 / 3400)
    )
    shares = rows.xs("uranium", level="commodity")["delivered_share"]
    assert (shares >= 0.8 - 1e-9).all()
    # the Dashboard names the closures, worst first: China (uranium 80 %), then Russia
    block = robust.results.dashboard.blocks[-1].frame
    assert block[["closure", "commodity"]].head(2).values.tolist() == [
        ["transit_country:CN", "uranium"],
        ["transit_country:RU", "crude_oil"],
    ]
    assert block["delivered_share"].head(2).tolist() == pytest.approx([0.8, 2800 / 3400])


def test_robust_sweep_and_the_diagnosis_without_the_quota_option():
    """The README's sweep: up to a floor of 50 % the cap alone already holds (the plan pays
    only for booking its own TITR load: 514.2); at 75 % 522.2; at 100 % no plan (2027
    needs +1,200 kt of BTC quota, the option gives at most +1,000). Without the Expansions
    row, the Diagnosis names the closure of RU and the quota each year needs."""
    inputs = corridor.read_workbook(ROBUST)
    frame = sweep(inputs, SolveOptions())
    costs = (frame["total_cost"] / 1e6).round(1).tolist()
    assert costs[:4] == [514.2, 514.2, 514.2, 522.2]
    assert frame["status"].tolist()[4] == "infeasible"
    frames = robust_frames()
    del frames["Expansions"]
    outcome = corridor.run(corridor.from_frames(frames))
    assert outcome.results.summary["status"] == "infeasible"
    changes = outcome.results["Diagnosis"]["change"].tolist()
    assert changes == [
        "with transit_country:RU closed in 2026, the floors hold only if leg SANGACHAL-CEYHAN "
        "has +100,000 capacity units (from 1,500,000 to 1,600,000)",
        "with transit_country:RU closed in 2027, the floors hold only if leg SANGACHAL-CEYHAN "
        "has +520,000 capacity units (from 2,200,000 to 2,720,000)",
    ]


def test_every_robust_number_is_cited_or_illustrative():
    _assert_cited(ROBUST, robust_frames(), ROBUST_SHEETS)

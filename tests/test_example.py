"""The bundled example (corridor.example, inputs/caspian_corridor.xlsx) tells its story.

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
from corridor.example import (
    CAPPED_COST_MUSD,
    CITATIONS,
    ILLUSTRATIVE,
    INPUT_SHEETS,
    NO_CAP_COST_MUSD,
    example_frames,
    main,
    write_example,
)

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


def _item_key(sheet: str, row: dict) -> str:
    if sheet == "Settings":
        return str(row["setting"])
    if sheet in ("Contracts", "Capacities"):
        key = row["contract"] if sheet == "Contracts" else row["target"]
        return f"{key}@{row['period']}" if row["period"] is not None else str(key)
    return str(next(iter(row.values())))


def test_every_number_is_cited_or_illustrative():
    tables = _tables(COMMITTED)
    sources = tables["Sources"]
    assert sources, "the Sources sheet is empty"
    rows = {(s["sheet"], s["item"]): s for s in sources}
    assert len(rows) == len(sources), "duplicate Sources items"
    known = set(CITATIONS.values())
    for s in sources:
        assert s["source"] == ILLUSTRATIVE or s["source"] in known, s
        assert s["note"], s

    covered: set[tuple[str, str]] = set()
    missing = []
    for sheet in INPUT_SHEETS:
        for row in tables[sheet]:
            key = _item_key(sheet, row)
            for column, value in row.items():
                if isinstance(value, bool) or not isinstance(value, int | float):
                    continue
                item = key if sheet == "Settings" else f"{key}.{column}"
                exact = rows.get((sheet, item))
                wildcard = rows.get((sheet, f"*.{column}"))
                if exact is not None:
                    assert exact["value"] == pytest.approx(value), (sheet, item)
                    covered.add((sheet, item))
                elif wildcard is not None and wildcard["source"] == ILLUSTRATIVE:
                    covered.add((sheet, f"*.{column}"))
                else:
                    missing.append(f"{sheet} {item} = {value}")
    assert missing == [], "numbers without a Sources row"
    assert set(rows) == covered, "Sources rows that cover no cell"
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

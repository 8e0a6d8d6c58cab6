"""Small hand-solvable worlds as DataFrames (sheet name -> frame), and helpers to solve them.

The base world: one origin A (KZ) and one destination D (JP), three routes
    R_cn  A -> X (CN) -> D   cost 10 + 10 = 20 per t
    R_ru  A -> Y (RU) -> D   cost 15 + 15 = 30 per t
    R_az  A -> Z (AZ) -> D   cost 20 + 20 = 40 per t, corridor "Caspian"
and one contract K1 of 100 t of uranium U per period.
"""

from __future__ import annotations

import copy

import pandas as pd

import corridor

BASE: dict[str, list[dict]] = {
    "Commodities": [{"commodity": "U", "unit": "t"}],
    "Nodes": [
        {"node": "A", "country": "KZ"},
        {"node": "X", "country": "CN"},
        {"node": "Y", "country": "RU"},
        {"node": "Z", "country": "AZ"},
        {"node": "D", "country": "JP"},
    ],
    "Legs": [
        {"leg": "AX", "from": "A", "to": "X", "mode": "rail", "cost": 10},
        {"leg": "XD", "from": "X", "to": "D", "mode": "sea", "cost": 10},
        {"leg": "AY", "from": "A", "to": "Y", "mode": "rail", "cost": 15},
        {"leg": "YD", "from": "Y", "to": "D", "mode": "sea", "cost": 15},
        {"leg": "AZ", "from": "A", "to": "Z", "mode": "ferry", "cost": 20},
        {"leg": "ZD", "from": "Z", "to": "D", "mode": "sea", "cost": 20},
    ],
    "Routes": [
        {"route": "R_cn", "legs": "AX > XD"},
        {"route": "R_ru", "legs": "AY > YD"},
        {"route": "R_az", "legs": "AZ > ZD", "corridor": "Caspian"},
    ],
    "Contracts": [
        {"contract": "K1", "commodity": "U", "origin": "A", "destination": "D", "volume": 100}
    ],
}


def world(settings: dict | None = None, **changes: list[dict]) -> dict[str, list[dict]]:
    """The base world with whole sheets replaced or added, and settings."""
    sheets = copy.deepcopy(BASE)
    sheets.update(copy.deepcopy(changes))
    if settings:
        sheets["Settings"] = [{"setting": k, "value": v} for k, v in settings.items()]
    return sheets


def frames(sheets: dict[str, list[dict]]) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(rows) for name, rows in sheets.items()}


def solve(sheets: dict[str, list[dict]]):
    """Solve in memory; returns the pipeline Outcome. Every hand-solved case also checks
    that the Pyomo view is the same LP as the arrays the command line solves."""
    from same_lp import assert_same_lp

    inputs = corridor.from_frames(frames(sheets))
    assert_same_lp(inputs)
    return corridor.run(inputs)


def flow_of(outcome, route: str, period: str | None = None, contract: str | None = None) -> float:
    f = outcome.results["Flows"]
    f = f[f["route"] == route]
    if period is not None:
        f = f[f["period"] == period]
    if contract is not None:
        f = f[f["contract"] == contract]
    return float(f["volume"].sum())


def write_workbook(sheets: dict[str, list[dict]], path) -> None:
    """A plain workbook as a planner would type it (openpyxl, headers in row 1)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        columns = list(dict.fromkeys(k for row in rows for k in row))
        ws.append(columns)
        for r, row in enumerate(rows, start=2):
            for c, name in enumerate(columns, start=1):
                cell = ws.cell(r, c, row.get(name))
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # typed text that merely looks like a formula
    wb.save(path)


# The sourcing world (spec section 6): destination C (JP) needs 100 t of uranium U per
# period; supplier S1 offers O1 at A (KZ), 50/t, at most 80 t, over RA (10/t: landed 60/t);
# S2 offers O2 at B (UZ), 60/t, at least 30 t if taken, at most 100 t, over RB (12/t, 5 days:
# landed 72/t). No Contracts sheet: with Demand and Offers it is optional.
SOURCING: dict[str, list[dict]] = {
    "Commodities": [{"commodity": "U", "unit": "t"}],
    "Nodes": [
        {"node": "A", "country": "KZ"},
        {"node": "B", "country": "UZ"},
        {"node": "C", "country": "JP"},
    ],
    "Legs": [
        {"leg": "AC", "from": "A", "to": "C", "mode": "rail", "cost": 10, "days": 3},
        {"leg": "BC", "from": "B", "to": "C", "mode": "rail", "cost": 12, "days": 5},
    ],
    "Routes": [{"route": "RA", "legs": "AC"}, {"route": "RB", "legs": "BC"}],
    "Demand": [{"destination": "C", "commodity": "U", "volume": 100, "shortfall_penalty": "none"}],
    "Offers": [
        {
            "offer": "O1",
            "supplier": "S1",
            "commodity": "U",
            "origin": "A",
            "price": 50,
            "max_volume": 80,
        },
        {
            "offer": "O2",
            "supplier": "S2",
            "commodity": "U",
            "origin": "B",
            "price": 60,
            "min_volume": 30,
            "max_volume": 100,
        },
    ],
}


def sourcing(settings: dict | None = None, **changes: list[dict]) -> dict[str, list[dict]]:
    """The sourcing world with whole sheets replaced or added, and settings."""
    sheets = copy.deepcopy(SOURCING)
    sheets.update(copy.deepcopy(changes))
    if settings:
        sheets["Settings"] = [{"setting": k, "value": v} for k, v in settings.items()]
    return sheets


def sheet_row(outcome, sheet: str, **where) -> dict:
    """The one row of a results sheet matching `where` (column=value), as a dict."""
    frame = outcome.results[sheet]
    for column, value in where.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1, f"{sheet} {where}: {len(frame)} rows"
    return frame.iloc[0].to_dict()

"""Every number in the results workbook says what its label says: money in the currency
(whole from 100 up, two decimals below), shares as percentages, counts as integers, text as
text; per-row formats where a column's unit changes from row to row."""

import io

import openpyxl
import pandas as pd
import pytest

import corridor
from corridor.io import write as write_mod
from corridor.io.xlsx import number_formats
from corridor.report import Results

from cases import solve, world

MONEY = '#,##0 "USD"'
MONEY_SMALL = '#,##0.00 "USD"'


def written(results: Results) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    corridor.write_results(results, buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def cells(ws, column: str) -> list:
    """(value, number format) of each data cell of a column, by header name."""
    header = [c.value for c in ws[1]]
    j = header.index(column) + 1
    return [(ws.cell(r, j).value, ws.cell(r, j).number_format) for r in range(2, ws.max_row + 1)]


def test_money_is_whole_from_100_and_two_decimals_below_negatives_included():
    """cost 1234.5 -> whole, 99.99 and -5 -> two decimals, -100 and -1234.5 -> whole:
    a single format per value, so the minus sign shows in Excel and LibreOffice alike."""
    flows = pd.DataFrame({"route": list("abcde"), "cost": [1234.5, 99.99, -5.0, -100.0, -1234.5]})
    ws = written(Results({"status": "optimal"}, {"Flows": flows}))["Flows"]
    assert cells(ws, "cost") == [
        (1234.5, MONEY),
        (99.99, MONEY_SMALL),
        (-5.0, MONEY_SMALL),
        (-100.0, MONEY),
        (-1234.5, MONEY),
    ]
    assert ws["A2"].number_format == "@" and ws["A2"].data_type == "s"


def test_numbers_shares_counts_and_text_in_every_sheet():
    """volume 60 (a whole number) -> #,##0, 12.5 -> two decimals; utilization a share;
    shipments (int) whole; an unlisted float column is a number, an unlisted text column
    text; a bool column yes/no text."""
    results = Results(
        {"status": "optimal"},
        {
            "Flows": pd.DataFrame({"route": ["R1", "R2"], "volume": [60.0, 12.5]}),
            "Capacity": pd.DataFrame({"id": ["L1", "L2"], "utilization": [0.5, 1.0]}),
            "Routes": pd.DataFrame({"route": ["R1", "R2"], "shipments": [3, 1200]}),
            "Extra": pd.DataFrame(
                {"note": ["x", "y"], "amount": [1.5, 250.0], "ok": [True, False]}
            ),
        },
    )
    wb = written(results)
    assert cells(wb["Flows"], "volume") == [(60, "#,##0"), (12.5, "#,##0.00")]
    assert cells(wb["Capacity"], "utilization") == [(0.5, "0.0%"), (1, "0.0%")]
    assert cells(wb["Routes"], "shipments") == [(3, "#,##0"), (1200, "#,##0")]
    assert cells(wb["Extra"], "amount") == [(1.5, "#,##0.00"), (250, "#,##0")]
    assert cells(wb["Extra"], "note") == [("x", "@"), ("y", "@")]
    assert cells(wb["Extra"], "ok") == [("yes", "@"), ("no", "@")]


def test_pattern_columns_take_their_pattern_format():
    """Frontier cost_<commodity> and premium_<commodity> are money, max_share_<country> a
    share; Exposure matrix <country> columns are shares."""
    frontier = pd.DataFrame(
        {
            "cap": [0.5],
            "total_cost": [2500.0],
            "cost_U": [2500.0],
            "premium_U": [12.5],
            "max_share_RU": [0.4],
        }
    )
    matrix = pd.DataFrame(
        {"destination": ["D"], "commodity": ["U"], "period": ["P1"], "cap": [0.5], "RU": [0.4]}
    )
    wb = written(Results({"status": "optimal"}, {"Frontier": frontier, "Exposure matrix": matrix}))
    ws = wb["Frontier"]
    assert [c.number_format for c in ws[2]] == ["0.0%", MONEY, MONEY, MONEY_SMALL, "0.0%"]
    assert [c.number_format for c in wb["Exposure matrix"][2]] == ["@", "@", "@", "0.0%", "0.0%"]


def test_summary_value_has_a_format_per_row():
    """objective 2000 USD (the unit column says USD: a plain amount), gap a share,
    solve_seconds a number, status text, delivered:U 99.5 t a plain number, a blank unit
    blank."""
    out = solve(world())
    out.results.summary["delivered:U"] = 99.5
    out.results.units["delivered:U"] = "t"
    wb = written(out.results)
    rows = {
        r[0].value: (r[1].value, r[1].number_format, r[2].value)
        for r in wb["Summary"].iter_rows(min_row=2)
    }
    assert rows["objective"] == (2000, "#,##0", "USD")
    assert rows["gap"][1:] == ("0.0%", "share")
    assert rows["status"] == ("optimal", "@", None)
    assert rows["solve_seconds"][1:] in (("#,##0", "seconds"), ("#,##0.00", "seconds"))
    assert rows["delivered:U"] == (99.5, "#,##0.00", "t")


def test_summary_kind_covers_per_commodity_rows():
    assert write_mod.summary_kind("delivered:uranium", "tU", "USD") == "number"
    assert write_mod.summary_kind("transport_cost", "USD", "USD") == "money"
    assert write_mod.summary_kind("gap", "share", "USD") == "share"
    assert write_mod.summary_kind("anything_new", "USD", "USD") == "money"
    assert write_mod.summary_kind("anything_new", "", "USD") == "general"


def test_rules_limit_and_diagnosis_values_are_formatted_per_row():
    """Rules: a max_share limit 0.5 is a share, a max_volume limit 300 a number. Diagnosis
    with a unit column: share rows as percentages, currency rows as money, others plain."""
    rules = pd.DataFrame(
        {"rule": ["a", "b"], "bound": ["max_share", "max_volume"], "limit": [0.5, 300.0]}
    )
    diagnosis = pd.DataFrame(
        {
            "kind": ["rule", "capacity", "contract"],
            "current": [0.5, 60.0, 5.0],
            "needed": [0.7, 100.0, 2.5],
            "unit": ["share", "capacity units", "USD"],
        }
    )
    wb = written(Results({"status": "infeasible"}, {"Rules": rules, "Diagnosis": diagnosis}))
    assert cells(wb["Rules"], "limit") == [(0.5, "0.0%"), (300, "#,##0")]
    assert cells(wb["Diagnosis"], "current") == [(0.5, "0.0%"), (60, "#,##0"), (5, MONEY_SMALL)]
    assert cells(wb["Diagnosis"], "needed") == [(0.7, "0.0%"), (100, "#,##0"), (2.5, MONEY_SMALL)]


def test_currency_text_cannot_break_the_number_format():
    assert number_formats("money", 'U"S\\D')[0] == '#,##0 "USD"'
    assert number_formats("money", "")[0] == "#,##0"


@pytest.mark.parametrize("kind", ["text", "bool"])
def test_text_kinds_are_text_cells(kind):
    assert number_formats(kind) == ("@", "@")

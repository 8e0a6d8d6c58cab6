"""Exposure matrix colours and the second currency (spec section 8)."""

import io

import openpyxl
import pandas as pd
import pytest

import corridor
from corridor.report import Results

from cases import solve, world

RED, AMBER, GREEN = "FFC7CE", "FFEB9C", "C6EFCE"


def load(results: Results) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    corridor.write_results(results, buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def colour(rules, share, cap) -> str:
    """Evaluate the rules read back from the workbook on one cell (E2, its row's cap in
    D2) as a spreadsheet does: a blank cell is no number and counts 0 in arithmetic; the
    first rule that holds gives the colour (each stops the rest)."""

    def _and(*args):
        return all(args)

    for rule in sorted(rules, key=lambda r: r.priority):
        expression = (
            rule.formula[0]
            .replace("ISNUMBER($D2)", "cap_is_number")
            .replace("ISNUMBER(E2)", "share_is_number")
            .replace("AND(", "_and(")
            .replace("$D2", "cap")
            .replace("E2", "share")
        )
        env = {
            "_and": _and,
            "cap_is_number": cap is not None,
            "share_is_number": share is not None,
            "cap": cap or 0.0,
            "share": share or 0.0,
        }
        if eval(expression, env):  # noqa: S307 - our own formula text, in a test
            return rule.dxf.fill.bgColor.rgb[-6:]
    return ""


def test_exposure_matrix_colours_each_share_against_the_row_cap():
    """Row 2 cap 50 %: RU 50 % red (at the cap), CN 46 % amber (within 5 points), AZ 10 %
    green. Row 3 has no cap: no colour. The rules cover the country columns E:G only."""
    matrix = pd.DataFrame(
        {
            "destination": ["D", "D"],
            "commodity": ["U", "V"],
            "period": ["P1", "P1"],
            "cap": [0.5, None],
            "AZ": [0.1, 0.2],
            "CN": [0.46, 0.3],
            "RU": [0.5, None],
        }
    )
    ws = load(Results({"status": "optimal"}, {"Exposure matrix": matrix}))["Exposure matrix"]
    (block,) = list(ws.conditional_formatting)
    assert str(block.sqref) == "E2:G3"
    rules = sorted(block.rules, key=lambda r: r.priority)
    assert [r.dxf.fill.bgColor.rgb[-6:] for r in rules] == [RED, AMBER, GREEN]
    assert all(r.stopIfTrue for r in rules)
    assert rules[0].formula == ["AND(AND(ISNUMBER($D2),ISNUMBER(E2)),E2>=$D2-0.0000001)"]
    assert rules[1].formula == ["AND(AND(ISNUMBER($D2),ISNUMBER(E2)),E2>=$D2-0.05)"]
    assert rules[2].formula == ["AND(ISNUMBER($D2),ISNUMBER(E2))"]
    assert [colour(rules, s, 0.5) for s in (0.5, 0.46, 0.44, 0.1)] == [RED, AMBER, GREEN, GREEN]
    assert colour(rules, 0.6, 0.5) == RED  # above the cap (a soft rule's violation)
    assert colour(rules, 0.2, None) == "" and colour(rules, None, 0.5) == ""


def test_money_columns_get_a_converted_column_after_the_table():
    """Flows cost 2000 USD at 150 JPY per USD: 'cost (JPY)' 300,000 JPY after the listed
    columns, as is 'unit_cost (JPY)'; Summary money rows get 'value (JPY)', other rows none;
    the Guide says the rate."""
    out = solve(world())
    results = out.results
    results.report_currency, results.exchange_rate = "JPY", 150.0
    wb = load(results)
    flows = wb["Flows"]
    header = [c.value for c in flows[1]]
    listed = list(results["Flows"].columns)
    assert header[: len(listed)] == listed
    assert header[len(listed) :] == ["unit_cost (JPY)", "cost (JPY)", "price (JPY)"]
    cost = flows.cell(2, header.index("cost (JPY)") + 1)
    assert cost.value == pytest.approx(2000 * 150) and cost.number_format == '#,##0 "JPY"'
    assert flows.cell(2, header.index("cost") + 1).number_format == '#,##0 "USD"'
    summary = {r[0]: r[1:] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert [c.value for c in wb["Summary"][1]] == ["item", "value", "unit", "value (JPY)"]
    assert summary["objective"] == (2000, "USD", 300000)
    assert summary["gap"][2] is None and summary["status"][2] is None
    guide = {(r[0], r[1]): r[3] for r in wb["Guide"].iter_rows(min_row=2, values_only=True)}
    assert guide[("Flows", "cost (JPY)")] == "cost in JPY, converted at 150 JPY per USD"


@pytest.mark.parametrize("rate", [None, 0, -1, float("nan")])
def test_no_usable_rate_no_converted_columns(rate):
    out = solve(world())
    out.results.report_currency, out.results.exchange_rate = "JPY", rate
    header = [c.value for c in load(out.results)["Flows"][1]]
    assert not [h for h in header if "(JPY)" in h]

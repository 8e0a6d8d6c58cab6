"""`corridor compare A.xlsx B.xlsx [-o OUT.xlsx]`: two results workbooks side by side.

Works on any two results workbooks corridor wrote (a plan, a robust plan, the plan inside a
stress, frontier or scenarios workbook); with ``--b-scenario NAME`` (or ``--a-scenario``)
one side is a scenario of a scenarios workbook. Anything else is refused with a message
saying what the file is missing.

Sheets (each with the difference in its own column, B minus A):

``Compare costs``     total cost, each cost component, and each commodity's cost (its flows'
                      logistics and purchases): the premium per commodity
``Compare delivery``  per commodity in its unit: contracted, delivered, delivered share
``Compare exposure``  per commodity and transit country: the share of the commodity's
                      delivered volume over the horizon that passes the country
``Compare flows``     every flow whose volume changed (contract or offer, period, route)

Exposure and delivery are computed the same way for both sides from their Flows sheets, so
a plan and a scenario compare like two plans.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, InputIssue
from ..io.read import UnreadableWorkbook, read_raw
from ..io.write import check_output, write_results
from ..report import Block, ChartSpec, Dashboard, Results
from ..schema import COST_COMPONENTS
from .command import fmt_money

EPS = 1e-9
NEEDED = ("Summary", "Flows")


@dataclass
class Side:
    """One results workbook (or one scenario of it), as the comparison needs it."""

    label: str
    file: str
    currency: str
    summary: dict[str, object]
    units: dict[str, str]
    flows: pd.DataFrame
    purchases: pd.DataFrame | None = None
    contracted: dict[str, float] = field(default_factory=dict)


def _refuse(path: Path, why: str) -> InputError:
    return InputError(
        [
            InputIssue(
                "",
                "",
                "",
                str(path),
                f"{path.name} {why}; compare two results workbooks written by corridor (solve, "
                "robust, stress, frontier or scenarios)",
                "not-results",
            )
        ],
        str(path),
    )


def _frame(rows: list[list[object]]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame()
    header = [str(h) for h in rows[0]]
    body = [r + [None] * (len(header) - len(r)) for r in rows[1:]]
    return pd.DataFrame([r[: len(header)] for r in body], columns=header)


def read_side(path: Path, scenario: str | None = None) -> Side:
    """Read a results workbook (refusing anything else)."""
    try:
        sheets = {name: _frame(raw.rows) for name, raw in read_raw(path).items()}
    except UnreadableWorkbook as exc:
        raise _refuse(path, f"cannot be read ({exc})") from None
    summary_sheet = sheets.get("Summary")
    if summary_sheet is None or not {"item", "value"} <= set(summary_sheet.columns):
        raise _refuse(path, "has no Summary sheet with item and value columns")
    summary = dict(zip(summary_sheet["item"], summary_sheet["value"], strict=True))
    if "corridor_version" not in summary:
        raise _refuse(path, "has a Summary sheet that corridor did not write")
    units = (
        dict(zip(summary_sheet["item"], summary_sheet["unit"], strict=True))
        if "unit" in summary_sheet
        else {}
    )
    currency = str(units.get("objective") or "USD")
    if "Flows" not in sheets:
        raise _refuse(path, f"holds no plan (status {summary.get('status')})")
    flows = sheets["Flows"]
    contracted = {
        str(k).split(":", 1)[1]: float(v)
        for k, v in summary.items()
        if str(k).startswith("contracted:") and v is not None
    }
    label = path.name
    if scenario is not None:
        if "Scenario flows" not in sheets or "Scenarios" not in sheets:
            raise _refuse(path, "has no Scenarios sheet to take a scenario from")
        table = sheets["Scenarios"]
        mine = table[table["scenario"] == scenario]
        if mine.empty:
            names = ", ".join(dict.fromkeys(table["scenario"]))
            raise _refuse(path, f"has no scenario {scenario!r} (scenarios: {names})")
        all_row = mine[mine["commodity"] == "ALL"].iloc[0]
        base = float(summary["objective"])
        summary = {
            "status": all_row["status"],
            "objective": base + float(all_row["total_cost_change"]),
        }
        every = sheets["Scenario flows"]
        flows = every[every["scenario"] == scenario].drop(columns="scenario")
        label = f"{path.name} [{scenario}]"
    purchases = sheets.get("Purchases") if scenario is None else None
    return Side(label, str(path), currency, summary, units, flows, purchases, contracted)


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").fillna(0.0)


def _commodity_costs(side: Side) -> pd.Series:
    flows = side.flows
    cost = _num(flows["cost"]).groupby(flows["commodity"], sort=False).sum()
    if side.purchases is not None and len(side.purchases):
        p = side.purchases
        cost = cost.add(_num(p["cost"]).groupby(p["commodity"]).sum(), fill_value=0.0)
    return cost


def costs(a: Side, b: Side) -> pd.DataFrame:
    rows = []
    for item in ("objective", *COST_COMPONENTS):
        va, vb = a.summary.get(item), b.summary.get(item)
        if item != "objective" and not (_f(va) or _f(vb)):
            continue
        rows.append(("total cost" if item == "objective" else item, _f(va), _f(vb)))
    ca, cb = _commodity_costs(a), _commodity_costs(b)
    for k in dict.fromkeys([*ca.index, *cb.index]):
        rows.append((f"cost: {k}", float(ca.get(k, 0.0)), float(cb.get(k, 0.0))))
    frame = pd.DataFrame(rows, columns=["item", "a", "b"])
    frame["difference"] = frame["b"] - frame["a"]
    return frame


def _f(value: object) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def delivery(a: Side, b: Side) -> pd.DataFrame:
    da = _num(a.flows["volume"]).groupby(a.flows["commodity"], sort=False).sum()
    db = _num(b.flows["volume"]).groupby(b.flows["commodity"], sort=False).sum()
    rows = []
    for k in dict.fromkeys([*da.index, *db.index, *a.contracted, *b.contracted]):
        unit = a.units.get(f"delivered:{k}") or b.units.get(f"delivered:{k}") or ""
        contracted = a.contracted.get(k) or b.contracted.get(k)
        va, vb = float(da.get(k, 0.0)), float(db.get(k, 0.0))
        rows.append(
            {
                "commodity": k,
                "unit": unit,
                "contracted": contracted,
                "a": va,
                "b": vb,
                "difference": vb - va,
                "a_share": va / contracted if contracted else None,
                "b_share": vb / contracted if contracted else None,
            }
        )
    return pd.DataFrame(rows)


def _exposure(side: Side) -> pd.Series:
    flows = side.flows
    volume = _num(flows["volume"])
    countries = flows["transit_countries"].fillna("").astype(str).str.split(", ")
    long = pd.DataFrame({"commodity": flows["commodity"], "country": countries, "v": volume})
    long = long.explode("country")
    long = long[long["country"] != ""]
    through = long.groupby(["commodity", "country"], sort=False)["v"].sum()
    total = volume.groupby(flows["commodity"]).sum()
    return through / total.reindex(through.index.get_level_values(0)).to_numpy()


def exposure(a: Side, b: Side) -> pd.DataFrame:
    ea, eb = _exposure(a), _exposure(b)
    keys = list(dict.fromkeys([*ea.index, *eb.index]))
    rows = [
        {
            "commodity": k,
            "country": c,
            "a": float(ea.get((k, c), 0.0)),
            "b": float(eb.get((k, c), 0.0)),
        }
        for k, c in keys
    ]
    frame = pd.DataFrame(rows, columns=["commodity", "country", "a", "b"])
    frame["difference"] = frame["b"] - frame["a"]
    return frame.sort_values(["commodity", "country"], kind="stable").reset_index(drop=True)


def _flow_key(flows: pd.DataFrame) -> pd.DataFrame:
    who = flows["contract"].where(flows["contract"].notna(), flows.get("offer"))
    return pd.DataFrame(
        {
            "contract_or_offer": who.astype(str),
            "commodity": flows["commodity"],
            "period": flows["period"].astype(str),
            "route": flows["route"],
            "volume": _num(flows["volume"]),
        }
    )


def flow_changes(a: Side, b: Side) -> pd.DataFrame:
    keys = ["contract_or_offer", "commodity", "period", "route"]
    fa = _flow_key(a.flows).groupby(keys, sort=False)["volume"].sum().rename("a")
    fb = _flow_key(b.flows).groupby(keys, sort=False)["volume"].sum().rename("b")
    both = pd.concat([fa, fb], axis=1).fillna(0.0).reset_index()
    both["difference"] = both["b"] - both["a"]
    moved = both[both["difference"].abs() > EPS * both[["a", "b"]].abs().max(axis=1).clip(1)]
    return moved.reset_index(drop=True)


def compare(a: Side, b: Side) -> Results:
    """The comparison workbook's tables."""
    if a.currency != b.currency:
        raise InputError(
            [
                InputIssue(
                    "",
                    "",
                    "",
                    f"{a.currency} / {b.currency}",
                    f"{a.label} is in {a.currency} and {b.label} in {b.currency}; compare "
                    "workbooks in one currency",
                    "not-results",
                )
            ]
        )
    cost = costs(a, b)
    sheets = {
        "Compare costs": cost,
        "Compare delivery": delivery(a, b),
        "Compare exposure": exposure(a, b),
        "Compare flows": flow_changes(a, b),
    }
    total = cost.iloc[0]
    summary = {
        "status": "compared",
        "a": a.label,
        "b": b.label,
        "objective": total["b"],
        "difference": total["difference"],
    }
    res = Results(summary, sheets, currency=a.currency, input_file=f"{a.label} vs {b.label}")
    res.units = {"objective": a.currency, "difference": a.currency}
    per = cost[cost["item"].str.startswith("cost: ")].assign(
        commodity=lambda f: f["item"].str.slice(6)
    )
    res.dashboard = Dashboard(
        title=f"{a.label} (A) against {b.label} (B)",
        subtitle="differences are B minus A",
        blocks=[
            Block(
                "Costs",
                cost,
                {"item": "text", "a": "money", "b": "money", "difference": "money"},
            ),
            Block(
                "Delivery",
                sheets["Compare delivery"][["commodity", "unit", "a", "b", "difference"]],
                {
                    "commodity": "text",
                    "unit": "text",
                    "a": "number",
                    "b": "number",
                    "difference": "number",
                },
            ),
            Block(
                "Premium per commodity",
                per[["commodity", "difference"]],
                {"commodity": "text", "difference": "money"},
            ),
        ],
        charts=[
            ChartSpec(
                sheet="Dashboard",
                block="Premium per commodity",
                kind="bar",
                title="Cost difference per commodity (B minus A)",
                categories="commodity",
                series=["difference"],
                y_format="money",
            )
        ],
    )
    res.sheets["Log"] = pd.DataFrame(
        [
            {"level": "info", "where": "A", "message": a.file},
            {"level": "info", "where": "B", "message": b.file},
        ]
    )
    return res


def run_compare(args: argparse.Namespace) -> int:
    """The command: read both, refuse what is not a results workbook, write, tell."""
    output = args.output or args.a.with_name(f"{args.a.stem}_vs_{args.b.stem}.xlsx")
    check_output(output, [args.a, args.b])
    a = read_side(args.a, args.a_scenario)
    b = read_side(args.b, args.b_scenario)
    results = compare(a, b)
    path = write_results(results, output)
    cost = results.sheets["Compare costs"]
    print(f"A: {a.label}\nB: {b.label}")
    for r in cost.itertuples(index=False):
        print(
            f"  {r.item}: {fmt_money(r.a, a.currency)} -> {fmt_money(r.b, a.currency)} "
            f"({fmt_money(r.difference, a.currency)})"
        )
    moved = results.sheets["Compare flows"]
    print(f"  {len(moved)} flow(s) changed")
    print(f"results: {path}")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", type=Path, help="the first results workbook (A)")
    p.add_argument("b", type=Path, help="the second results workbook (B)")
    p.add_argument("-o", "--output", type=Path, help="default: A_vs_B.xlsx beside A")
    p.add_argument("--a-scenario", metavar="NAME", help="take scenario NAME of workbook A")
    p.add_argument("--b-scenario", metavar="NAME", help="take scenario NAME of workbook B")

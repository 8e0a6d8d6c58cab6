"""`corridor solve`: the plan of a workbook, with a Diagnosis when there is none."""

from __future__ import annotations

import argparse

from ..data import Inputs
from ..highs import SolveOptions
from ..pipeline import solve_workbook
from ..report import Results
from ..schema import COST_COMPONENTS
from .command import Command, Report, fmt_money, fmt_number


def summary_lines(results: Results, message: str = "") -> list[str]:
    """What the console says of a plan: status, cost and its parts, delivery per commodity
    in its own unit, the highest transit share per country (never a sum across commodities)."""
    s = results.summary
    currency = results.currency
    lines = [f"status: {s['status']}" + (f"  ({message})" if message else "")]
    if s.get("objective") is None:
        return lines
    gap = f"  (gap {s['gap']:.4%})" if s.get("gap") else ""
    lines.append(f"total cost: {fmt_money(s['objective'], currency)}{gap}")
    parts = [
        f"{k.replace('_cost', '')} {fmt_money(s[k], currency)}" for k in COST_COMPONENTS if s.get(k)
    ]
    if parts:
        lines.append("  " + ", ".join(parts))
    contracts = results.sheets.get("Contracts")
    if contracts is not None and len(contracts):
        per = contracts.groupby("commodity", sort=False)[["volume", "delivered"]].sum()
        shown = []
        for k, row in per.iterrows():
            unit = results.units.get(f"delivered:{k}", "")
            share = row["delivered"] / row["volume"] if row["volume"] > 0 else 1.0
            shown.append(
                f"{k} {fmt_number(row['delivered'])} of {fmt_number(row['volume'])} {unit} "
                f"({share:.1%})"
            )
        lines.append("delivered: " + "; ".join(shown))
    lines += sourcing_lines(results)
    exposure = results.sheets.get("Exposure")
    if exposure is not None and not exposure.empty:
        transit = exposure[exposure["measure"] == "transit_country"]
        top = transit.groupby("value")["share"].max().sort_values(ascending=False).head(6)
        if len(top):
            lines.append(
                "highest transit share per country: "
                + ", ".join(f"{k} {v:.0%}" for k, v in top.items())
            )
    return lines


def sourcing_lines(results: Results, most: int = 8) -> list[str]:
    """Demand met per commodity in its unit, and what each offer taken sells over the
    horizon (the largest first)."""
    lines = []
    demand = results.sheets.get("Demand")
    if demand is not None and len(demand):
        per = demand.groupby("commodity", sort=False)[["volume", "unmet"]].sum()
        shown = []
        for k, row in per.iterrows():
            unit = results.units.get(f"demand:{k}", "")
            met = row["volume"] - row["unmet"]
            share = met / row["volume"] if row["volume"] > 0 else 1.0
            shown.append(
                f"{k} {fmt_number(met)} of {fmt_number(row['volume'])} {unit} ({share:.1%})"
            )
        lines.append("demand met: " + "; ".join(shown))
    purchases = results.sheets.get("Purchases")
    if purchases is not None and len(purchases):
        bought = purchases.groupby(["offer", "supplier", "commodity"], sort=False)["volume"].sum()
        bought = bought[bought > 0].sort_values(ascending=False)
        shown = [
            f"{o} ({s}) {fmt_number(v)} {results.units.get(f'bought:{k}', '')} {k}"
            for (o, s, k), v in bought.head(most).items()
        ]
        more = f"; and {len(bought) - most} more" if len(bought) > most else ""
        lines.append("bought: " + ("; ".join(shown) or "nothing") + more)
    return lines


def diagnosis_lines(results: Results) -> list[str]:
    diagnosis = results.sheets.get("Diagnosis")
    if diagnosis is None:
        return []
    lines = ["no plan meets every rule; changes that would allow one:"]
    for option, rows in diagnosis.groupby("option", sort=False):
        lines.append(f"  {option}:")
        for row in rows.itertuples(index=False):
            cell = f"  [{row.cell}]" if row.cell else ""
            lines.append(f"    - {row.change}{cell}")
    return lines


def compute(inputs: Inputs, args: argparse.Namespace, options: SolveOptions) -> Report:
    outcome = solve_workbook(inputs, options)
    results = outcome.results
    lines = summary_lines(results, outcome.result.message) + diagnosis_lines(results)
    return Report(results, outcome.exit_code, lines)


COMMAND = Command("solve", "solve a workbook and write the results", "results", compute)

"""`corridor stress`: what if one transit country, chokepoint or corridor the plan uses closed?

The plan of the workbook is solved first. Every transit country, chokepoint and corridor
that carries flow in it (and, with offers, every origin country it buys from) is then closed
in turn, each for the whole horizon (spec section 5):

- no flow on the routes it closes; every contract may fall short, at its penalty or at
  ``closure_penalty``;
- the default cap is suspended in the scopes (destination x commodity x period) that lose a
  usable route and held elsewhere (``--keep-caps`` holds it everywhere); the Limits rules
  hold everywhere (``--lift-rules`` lifts the share rules of the touched scopes too);
- the re-plan maximises delivery first, then minimises cost.

Each closure is reported against the plan, per commodity in its unit and on an ``ALL`` row in
money: ``stopped`` (what would stop with nothing rerouted), ``delivered`` and
``delivered_share`` after re-planning, ``shortfall`` and its value at the penalty used,
``logistics_cost_change`` and ``total_cost_change`` (lost cargo included: it never reads as a
saving). Closures are sorted worst first: the lowest delivered share of any commodity, then
the largest total cost change.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from ..build import build
from ..closures import Closure, closed_flows
from ..data import Inputs
from ..highs import SolveOptions
from ..pipeline import solve_workbook
from ..plan import Plan
from ..report import Block, ChartSpec, Dashboard
from ..robust import closure_rows, evaluate_closures
from ..whatif import (
    ALL,
    Change,
    Snapshot,
    closure_report,
    snapshot,
    sort_reports,
    stopped_by,
    worst_share,
)
from .batch import Footing, Job, progress, run_jobs
from .command import Command, CommandError, Report, fmt_money

SHEET = "Stress"
KINDS = (("transit_country", "transit"), ("chokepoint", "chokepoints"), ("corridor", "corridor"))


def used_closures(inputs: Inputs, flow_x: np.ndarray) -> list[Closure]:
    """Every transit country, chokepoint and corridor with flow in the plan, and the origin
    countries of offers bought."""
    flows = inputs.flows
    used = pd.unique(flows["route"].to_numpy()[flow_x > 1e-9])
    routes = inputs.routes.loc[used]
    out = []
    for kind, column in KINDS:
        values = routes[column] if kind != "corridor" else routes[column].map(lambda c: (c,))
        out += [Closure(kind, v) for v in sorted({v for vs in values for v in vs})]
    if "offer" in flows and flows["offer"].notna().any():
        bought = flows["offer"].notna().to_numpy() & (flow_x > 1e-9)
        bought_routes = pd.unique(flows["route"].to_numpy()[bought])
        countries = sorted(set(inputs.routes.loc[bought_routes, "origin_country"]))
        out += [Closure("origin_country", c) for c in countries]
    return out


def run_stress(
    inputs: Inputs,
    options: SolveOptions,
    *,
    keep_caps: bool = False,
    lift_rules: bool = False,
    workers: int | None = 1,
    scheduler=None,
    show_progress: bool = False,
):
    """(the plan's results, the Stress table, the snapshots, the plan's base snapshot)."""
    if inputs.settings.get("robust_min_delivery") is not None:
        return _stress_robust(inputs, options)
    base_plan = Plan(inputs, options)
    solution = base_plan.solve()
    results = base_plan.results()
    if not solution.has_solution:
        return results, pd.DataFrame(), [], None
    whatif = Plan(inputs, options, closures=True)
    base = snapshot(whatif, whatif.solve(options, duals=False), "plan")
    flow = base_plan.lp.columns["flow"]
    closures = used_closures(inputs, solution.x[flow.start : flow.stop])
    jobs = [Job(str(c), [Change("close", str(c))]) for c in closures]
    footing = Footing(keep_caps=keep_caps, lift_rules=lift_rules)
    with progress(len(jobs), "closures", show_progress) as advance:
        snaps = run_jobs(
            inputs,
            jobs,
            options,
            footing,
            workers=workers,
            scheduler=scheduler,
            plan=whatif,
            on_done=lambda s: advance(f"{s.name}: {s.status}"),
        )
    units = inputs.commodities["unit"]
    reports = []
    for closure, snap in zip(closures, snaps, strict=True):
        report = closure_report(
            str(closure), base, snap, stopped_by(whatif, base, [closure]), units
        )
        report["status"] = snap.status + (f" ({snap.message})" if snap.message else "")
        routes = inputs.flows["route"].iloc[closed_flows(inputs, closure)]
        report["routes_closed"] = ", ".join(dict.fromkeys(routes))
        report["cap_suspended"] = ", ".join(snap.suspended)
        reports.append(report)
    table = sort_reports(reports)
    return results, table, snaps, base


def _stress_robust(inputs: Inputs, options: SolveOptions):
    """On a robust plan the stress test holds the plan's first stage (routes opened,
    capacity built, bookings, offers taken) and closes each item for one period at a time,
    as the robust plan guards against it: its rows for the guarded closures are the
    Robustness sheet's rows."""
    outcome = solve_workbook(inputs, options)
    results = outcome.results
    if not outcome.result.has_solution:
        return results, pd.DataFrame(), [], None
    x = outcome.robust.solution.x
    flow = outcome.robust.lp.columns["flow"]
    closures = used_closures(inputs, x[flow.start : flow.stop])
    x_first = x[: build(inputs).n_cols]
    figures, stopped = evaluate_closures(inputs, x_first, closures, options)
    if figures is None:
        raise CommandError(f"stress on a robust plan: {stopped.message}")
    table = closure_rows(figures, inputs, set()).drop(columns=["binding"])
    table["status"] = "optimal"
    groups = [g for _, g in table.groupby(["closure", "period"], sort=False)]
    ordered = sort_reports(groups)
    snaps = [
        Snapshot(f"{c}@{t}", [], "optimal")
        for c, t in dict.fromkeys(zip(ordered["closure"], ordered["period"], strict=True))
    ]
    return results, ordered, snaps, True


def console_lines(table: pd.DataFrame, currency: str) -> list[str]:
    """One line per closure: the worst commodity's delivered share and the total cost
    change (never a total that adds commodities)."""
    lines = []
    by = ["closure", "period"] if "period" in table else ["closure"]
    for key, rows in table.groupby(by, sort=False):
        name = " in ".join(key) if isinstance(key, tuple) else key
        all_row = rows[rows["commodity"] == ALL].iloc[0]
        per = rows[rows["commodity"] != ALL]
        worst = worst_share(rows)
        if np.isnan(worst):
            lines.append(f"  {name}: no plan ({all_row['status']})")
            continue
        k = per.loc[per["delivered_share"].astype(float).idxmin()]
        short = [
            f"{r.commodity} {r.delivered_share:.1%}"
            for r in per.itertuples(index=False)
            if r.delivered_share < 1 - 1e-6
        ]
        stopped = per[per["stopped_share"] > 0]
        stop_text = ", ".join(f"{r.commodity} {r.stopped_share:.0%}" for r in stopped.itertuples())
        suspended = all_row.get("cap_suspended") or ""
        lines.append(
            f"  {name}: worst delivered {worst:.1%} ({k['commodity']}), total cost change "
            f"{fmt_money(all_row['total_cost_change'], currency)}"
            + (f"; short: {', '.join(short)}" if short else "")
            + (f"; stops unrerouted: {stop_text}" if stop_text else "")
            + (f"; default cap suspended for {suspended}" if suspended else "")
        )
    return lines


def worst_first(table: pd.DataFrame) -> pd.DataFrame:
    """One line per closure: its worst delivered share and total cost change."""
    rows = []
    by = ["closure", "period"] if "period" in table else ["closure"]
    for key, group in table.groupby(by, sort=False):
        all_row = group[group["commodity"] == ALL].iloc[0]
        rows.append(
            {
                "closure": " in ".join(key) if isinstance(key, tuple) else key,
                "worst_delivered_share": worst_share(group),
                "total_cost_change": all_row["total_cost_change"],
            }
        )
    return pd.DataFrame(rows, columns=["closure", "worst_delivered_share", "total_cost_change"])


def headline(results, table: pd.DataFrame) -> Dashboard:
    """The stress workbook's first page: the worst closures."""
    top = worst_first(table).head(12)
    return Dashboard(
        title=f"Stress test: {results.input_file}",
        subtitle="each transit country, chokepoint and corridor the plan uses, closed in turn; "
        "worst first",
        blocks=[
            Block(
                "Closures, worst first",
                top,
                {"closure": "text", "worst_delivered_share": "share", "total_cost_change": "money"},
            )
        ],
        charts=[
            ChartSpec(
                sheet="Dashboard",
                block="Closures, worst first",
                kind="bar",
                title="Worst delivered share of any commodity after re-planning",
                categories="closure",
                series=["worst_delivered_share"],
                y_format="share",
            )
        ],
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--keep-caps",
        action="store_true",
        help="hold the default cap during a closure (default: suspended where a route is lost)",
    )
    p.add_argument(
        "--lift-rules",
        action="store_true",
        help="also lift the Limits share rules in the scopes a closure touches",
    )
    p.add_argument(
        "--workers", type=int, default=1, help="solve the closures in this many local processes"
    )
    p.add_argument("--dask-scheduler", metavar="ADDRESS", help="solve on this Dask cluster")


def compute(inputs: Inputs, args: argparse.Namespace, options: SolveOptions) -> Report:
    start = time.perf_counter()
    if args.workers < 1:
        raise ValueError("--workers must be at least 1")
    results, table, snaps, base = run_stress(
        inputs,
        options,
        keep_caps=args.keep_caps,
        lift_rules=args.lift_rules,
        workers=args.workers,
        scheduler=args.dask_scheduler,
        show_progress=True,
    )
    if base is None:
        return Report(
            results,
            1,
            [f"the plan has no solution ({results.status}); nothing to stress"],
        )
    results.sheets[SHEET] = table
    results.dashboard = headline(results, table)
    currency = results.currency
    footing = (
        "the default cap held"
        if args.keep_caps
        else "the default cap suspended where a closure takes a route"
    )
    lines = [
        f"plan: cost {fmt_money(results.summary['objective'], currency)}; closures with {footing}",
        *console_lines(table, currency),
        f"{len(snaps)} closure(s) in {time.perf_counter() - start:.1f} s",
    ]
    errors = any(s.status == "error" for s in snaps)
    return Report(results, 1 if errors else 0, lines)


COMMAND = Command(
    "stress",
    "close each transit country, chokepoint and corridor the plan uses, in turn",
    "stress",
    compute,
    add_arguments,
)

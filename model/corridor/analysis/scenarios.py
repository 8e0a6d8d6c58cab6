"""`corridor scenarios`: solve the plan and every scenario of the `Scenarios` sheet.

A scenario is the list of its rows' changes (spec section 5; rows with one scenario name
combine, in row order): ``close`` a ``kind:id`` of the closure vocabulary, ``scale_capacity``,
``scale_cost``, ``scale_volume`` (factors: 1.2 means +20 %), ``set_limit`` (a new max_share;
``rule:default_cap`` is the default cap). Each runs on the shared what-if plan (analysis/
batch.py): shortfall allowed at the contract's penalty or ``closure_penalty``, delivery
first, then cost; a closure suspends the default cap in the scopes it touches.

The results workbook holds the plan's sheets, then ``Scenarios``: for each scenario the
closure-report rows of spec section 5 (one per commodity in its unit and one ``ALL`` row in
money), its status and changes; and ``Scenario flows``: each scenario's Flows.

Scenarios run in this process (``--workers 1``), in local processes (``--workers N``,
default min(cores, scenarios)), or on a Dask cluster (``--dask-scheduler ADDRESS``).
"""

from __future__ import annotations

import argparse
import logging
import math
import time

import pandas as pd

from ..closures import closed_routes, known_ids, parse_closure
from ..data import Inputs
from ..errors import InputError, InputIssue, Issues, suggest
from ..highs import SolveOptions
from ..io.cells import CellError
from ..plan import Plan
from ..report import Block, ChartSpec, Dashboard
from ..rules import DEFAULT_CAP_RULE
from ..schema import CLOSURE_KINDS
from ..validate import parse_scenario_value
from ..whatif import CHANGES, Change, closure_report, snapshot, stopped_by
from .batch import Footing, Job, default_workers, progress, run_jobs
from .command import Command, Report, fmt_money

log = logging.getLogger("corridor")

BASE = "base"
SHEET = "Scenarios"
FLOWS_SHEET = "Scenario flows"

# Which target kinds each change accepts ("all" where the change has a whole-model form).
TARGET_KINDS: dict[str, tuple[str, ...]] = {
    "close": CLOSURE_KINDS,
    "scale_capacity": ("node", "leg", "route", "all"),
    "scale_cost": ("leg", "route", "all"),
    "scale_volume": ("contract", "commodity", "all"),
    "set_limit": ("rule",),
    "set_price": ("offer", "supplier"),
}


def _known(inputs: Inputs) -> dict[str, set[str]]:
    known = known_ids(inputs)
    known.update(
        {
            "contract": set(inputs.contracts["contract"]),
            "commodity": set(inputs.commodities.index),
            "rule": set(inputs.limits["rule"]) | {DEFAULT_CAP_RULE},
            "offer": set(getattr(inputs, "offers", pd.DataFrame(columns=["offer"]))["offer"]),
            "supplier": set(
                getattr(inputs, "offers", pd.DataFrame(columns=["supplier"]))["supplier"]
            ),
        }
    )
    return known


def read_scenarios(inputs: Inputs) -> dict[str, list[Change]]:
    """Scenario name -> its changes, in sheet order. Raises InputError naming each bad cell."""
    table = inputs.tables.get(SHEET)
    if table is None or table.frame.empty:
        raise InputError(
            [
                InputIssue(
                    SHEET,
                    "",
                    "",
                    None,
                    "no scenarios: add a Scenarios sheet with columns scenario, change, "
                    "target, value (e.g. 'no RU', close, country:RU)",
                    "empty-sheet",
                )
            ],
            inputs.source,
        )
    issues = Issues()
    known = _known(inputs)
    batch: dict[str, list[Change]] = {}
    spelled: dict[str, str] = {}  # lower-case name -> the first spelling
    for rec in table.frame.to_dict("records"):
        row = rec["_row"]

        def error(column: str, value: object, message: str, code: str, row: int = row) -> None:
            if column in table.letters:
                issues.error(table.sheet, table.cell(column, row), column, value, message, code)
            else:  # the sheet has no such column: name the row
                message += f" (row {row}: add a {column} column)"
                issues.error(table.sheet, "", column, value, message, code)

        name = str(rec["scenario"])
        first = spelled.setdefault(name.lower(), name)
        if name.lower() == BASE:
            error(
                "scenario",
                name,
                f"{BASE!r} is the unchanged plan; name the scenario otherwise",
                "bad-scenario",
            )
        elif first != name:
            error(
                "scenario",
                name,
                f"differs from scenario {first!r} only in case or spacing",
                "bad-scenario",
            )
        change = str(rec["change"]).strip().lower()
        if change not in CHANGES:
            error("change", rec["change"], f"expected one of {', '.join(CHANGES)}", "bad-choice")
            continue
        target = str(rec["target"]).strip()
        allowed = TARGET_KINDS[change]
        if ":" in target:
            kind, ident = (part.strip() for part in target.split(":", 1))
            kind = kind.lower()
        else:
            kind, ident = target.lower(), ""
        if kind != "all" and not ident:
            kinds = ", ".join(k for k in allowed if k != "all")
            error("target", target, f"expected kind:id ({kinds})", "bad-target")
            continue
        if kind not in allowed:
            forms = [f"{k}:id" if k != "all" else "all" for k in allowed]
            error(
                "target",
                target,
                f"{change} takes a target of the form {' or '.join(forms)}",
                "bad-target",
            )
            continue
        if kind != "all" and ident not in known[kind]:
            error(
                "target",
                target,
                f"unknown {kind} {ident!r}{suggest(ident, known[kind])}",
                "unknown-ref",
            )
            continue
        value = rec["value"]
        blank = value is None or (isinstance(value, float) and math.isnan(value))
        if change == "close":
            if not blank:
                issues.warn(
                    table.sheet,
                    table.cell("value", row),
                    "value",
                    value,
                    "close takes no value",
                    "bad-factor",
                )
            number = None
            if not closed_routes(inputs, parse_closure(f"{kind}:{ident}")):
                issues.warn(
                    table.sheet,
                    table.cell("target", row),
                    "target",
                    target,
                    f"closing {kind} {ident} removes no active route",
                    "route-dropped",
                )
        else:
            try:
                number = parse_scenario_value(change, value)
            except CellError as exc:
                error("value", value, str(exc), exc.code)
                continue
        target = "all" if kind == "all" else f"{kind}:{ident}"
        batch.setdefault(first, []).append(Change(change, target, number))
    for warning in issues.warnings:
        log.warning("%s", warning)
    issues.raise_if_any(inputs.source)
    return batch


def run_scenarios(
    inputs: Inputs,
    options: SolveOptions,
    batch: dict[str, list[Change]],
    *,
    workers: int | None = None,
    scheduler=None,
    keep_caps: bool = False,
    lift_rules: bool = False,
    show_progress: bool = False,
):
    """(the plan's results, the Scenarios table, the Scenario flows, the snapshots)."""
    plan = Plan(inputs, options)
    plan.solve()
    results = plan.results()
    whatif = Plan(inputs, options, closures=True)
    base = snapshot(whatif, whatif.solve(options, duals=False), BASE)
    jobs = [Job(name, changes) for name, changes in batch.items()]
    footing = Footing(keep_caps=keep_caps, lift_rules=lift_rules, with_flows=True)
    with progress(len(jobs), "scenarios", show_progress) as advance:
        snaps = run_jobs(
            inputs,
            jobs,
            options,
            footing,
            workers=workers or default_workers(len(jobs)),
            scheduler=scheduler,
            plan=whatif,
            on_done=lambda s: advance(f"{s.name}: {s.status}"),
        )
    units = inputs.commodities["unit"]
    reports = []
    for job, snap in zip(jobs, snaps, strict=True):
        closures = [parse_closure(c.target) for c in job.changes if c.change == "close"]
        stopped = stopped_by(whatif, base, closures) if base.has_plan else pd.Series(dtype=float)
        report = closure_report(job.name, base, snap, stopped, units)
        report = report.rename(columns={"closure": "scenario"})
        report["status"] = snap.status + (f" ({snap.message})" if snap.message else "")
        report["changes"] = "; ".join(str(c) for c in job.changes)
        reports.append(report)
    table = pd.concat(reports, ignore_index=True) if reports else pd.DataFrame()
    parts = [s.flows.assign(scenario=s.name) for s in snaps if s.flows is not None]
    flows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["scenario"])
    flows = flows[["scenario", *(c for c in flows.columns if c != "scenario")]]
    return results, table, flows, snaps


def console_lines(table: pd.DataFrame, currency: str) -> list[str]:
    lines = []
    for name, rows in table.groupby("scenario", sort=False):
        all_row = rows[rows["commodity"] == "ALL"].iloc[0]
        per = rows[rows["commodity"] != "ALL"]
        shares = per["delivered_share"].astype(float)
        if shares.isna().all():
            lines.append(f"  {name}: no plan ({all_row['status']})")
            continue
        worst = per.loc[shares.idxmin()]
        short = [
            f"{r.commodity} {r.delivered_share:.1%}"
            for r in per.itertuples(index=False)
            if r.delivered_share < 1 - 1e-6
        ]
        lines.append(
            f"  {name}: {all_row['status']}, total cost change "
            f"{fmt_money(all_row['total_cost_change'], currency)}, worst delivered "
            f"{worst['delivered_share']:.1%} ({worst['commodity']})"
            + (f"; short: {', '.join(short)}" if short else "")
        )
    return lines


def headline(results, table: pd.DataFrame) -> Dashboard:
    rows = []
    for name, group in table.groupby("scenario", sort=False):
        all_row = group[group["commodity"] == "ALL"].iloc[0]
        shares = group.loc[group["commodity"] != "ALL", "delivered_share"].astype(float)
        rows.append(
            {
                "scenario": name,
                "total_cost_change": all_row["total_cost_change"],
                "worst_delivered_share": float(shares.min()) if shares.notna().any() else None,
                "status": all_row["status"],
            }
        )
    frame = pd.DataFrame(
        rows, columns=["scenario", "total_cost_change", "worst_delivered_share", "status"]
    )
    return Dashboard(
        title=f"Scenarios: {results.input_file}",
        subtitle="each scenario against the plan of the workbook as it is",
        blocks=[
            Block(
                "Scenarios",
                frame,
                {
                    "scenario": "text",
                    "total_cost_change": "money",
                    "worst_delivered_share": "share",
                    "status": "text",
                },
            )
        ],
        charts=[
            ChartSpec(
                sheet="Dashboard",
                block="Scenarios",
                kind="bar",
                title="Total cost change against the plan (lost cargo at its penalty included)",
                categories="scenario",
                series=["total_cost_change"],
                y_format="money",
            )
        ],
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=int,
        help="local worker processes (default: min(cores, scenarios); 1 = in this process)",
    )
    p.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="run the scenarios on this Dask cluster (e.g. tcp://10.0.0.5:8786)",
    )
    p.add_argument("--keep-caps", action="store_true", help="hold the default cap in closures")
    p.add_argument("--lift-rules", action="store_true", help="lift share rules in closures")


def compute(inputs: Inputs, args: argparse.Namespace, options: SolveOptions) -> Report:
    start = time.perf_counter()
    if args.workers is not None and args.workers < 1:
        raise ValueError("--workers must be at least 1")
    batch = read_scenarios(inputs)  # invalid rows stop the run before any solve
    results, table, flows, snaps = run_scenarios(
        inputs,
        options,
        batch,
        workers=args.workers,
        scheduler=args.dask_scheduler,
        keep_caps=args.keep_caps,
        lift_rules=args.lift_rules,
        show_progress=True,
    )
    results.sheets[SHEET] = table
    results.sheets[FLOWS_SHEET] = flows
    results.dashboard = headline(results, table)
    lines = [
        f"plan: {results.status}, cost {fmt_money(results.summary['objective'], results.currency)}",
        *console_lines(table, results.currency),
        f"{len(snaps)} scenario(s) in {time.perf_counter() - start:.1f} s",
    ]
    code = (
        1
        if any(s.status == "error" for s in snaps)
        else (0 if results.status in ("optimal", "feasible") else 1)
    )
    return Report(results, code, lines)


COMMAND = Command(
    "scenarios", "solve the Scenarios sheet and compare", "scenarios", compute, add_arguments
)

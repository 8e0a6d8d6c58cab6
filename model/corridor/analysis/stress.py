"""`corridor stress`: what if one transit country, chokepoint or corridor the plan uses closed?

The base plan is solved first. Every transit country, chokepoint and corridor that carries
flow in it is then closed in turn (spec section 5: every route through it is removed) and
reported twice:

- **stopped**: the flow on the plan's routes through it, i.e. what would stop if it closed and
  nothing were rerouted (capacity units, and the share of the plan's delivered volume);
- **after**: the plan re-optimised with it closed, delivery first (shortfall is allowed; the
  run maximises delivery, then minimises cost): delivered volume and share, cost, the extra
  cost over the base plan, and each contract that falls short with its delivered share.

``cost_after`` leaves out the stand-in penalty on volume a contract must deliver in full (a
contract's own shortfall penalty stays in), so ``extra_cost`` can be negative when closing
something stops deliveries. Rows are sorted by impact: volume lost after rerouting, then
extra cost, then stopped volume.

The results workbook (default ``<input stem>_stress.xlsx`` beside the input) has the base
plan's sheets, then ``Stress`` with two bar charts.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..data import Inputs
from ..whatif import Change, routes_closed_by
from .scenarios import BASE, Variant, run_batch_shown, variant_of

SHEET = "Stress"
KINDS = (("country", "transit"), ("chokepoint", "chokepoints"), ("corridor", "corridor"))
COLUMNS = [
    "kind",
    "closed",
    "stopped_volume",
    "stopped_share",
    "delivered_after",
    "delivered_share_after",
    "cost_after",
    "extra_cost",
    "contracts_short",
    "status",
    "routes_closed",
]


def used_items(inputs: Inputs, flows: pd.DataFrame) -> list[tuple[str, str]]:
    """(kind, id) of every transit country, chokepoint and corridor with flow in the plan."""
    used = flows.loc[flows["volume"] > 0, "route"].unique()
    routes = inputs.routes.loc[used]
    items = []
    for kind, column in KINDS:
        values = routes[column] if kind != "corridor" else routes[column].map(lambda c: (c,))
        items += [(kind, v) for v in sorted({v for vs in values for v in vs})]
    return items


def stopped_volume(inputs: Inputs, flows: pd.DataFrame, kind: str, ident: str) -> float:
    """Capacity units the plan sends over routes that closing (kind, ident) removes."""
    closed = routes_closed_by(inputs, kind, ident)
    cu = inputs.commodities["capacity_use"]
    hit = flows[flows["route"].isin(closed)]
    return float((hit["volume"] * hit["commodity"].map(cu)).sum())


def stress_table(
    inputs: Inputs,
    flows: pd.DataFrame,
    base: Variant,
    variants: dict[str, Variant],
) -> pd.DataFrame:
    """The Stress sheet from the base plan and one closure Variant per item."""
    rows = []
    delivered = base.delivered or 0.0
    for name, v in variants.items():
        kind, ident = name.split(":", 1)
        stopped = stopped_volume(inputs, flows, kind, ident)
        used = flows.loc[flows["route"].isin(routes_closed_by(inputs, kind, ident)), "route"]
        rows.append(
            {
                "kind": kind,
                "closed": ident,
                "stopped_volume": stopped,
                "stopped_share": stopped / delivered if delivered > 0 else 0.0,
                "delivered_after": v.delivered,
                "delivered_share_after": v.delivered_share,
                "cost_after": v.cost,
                "extra_cost": None if v.cost is None else v.cost - (base.cost or 0.0),
                "contracts_short": v.contracts_short(),
                "status": v.status + (f" ({v.message})" if v.message else ""),
                "routes_closed": ", ".join(dict.fromkeys(used)),
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    lost = delivered - table["delivered_after"].astype(float).fillna(0.0)
    order = pd.DataFrame(
        {
            "lost": -lost.round(9),
            "extra": -table["extra_cost"].astype(float).fillna(float("inf")).round(6),
            "stopped": -table["stopped_volume"].round(9),
            "kind": table["kind"].map({k: i for i, (k, _) in enumerate(KINDS)}),
            "closed": table["closed"],
        }
    ).sort_values(["lost", "extra", "stopped", "kind", "closed"], kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def charts(table: pd.DataFrame) -> list:
    """Bar charts of the Stress sheet: shares stopped vs delivered after, and extra cost."""
    from ..report import ChartSpec

    if table.empty:
        return []
    return [
        ChartSpec(
            SHEET,
            "bar",
            "If it closed: stopped without rerouting vs delivered after rerouting",
            "closed",
            ["stopped_share", "delivered_share_after"],
            y_title="share of contracted / delivered volume",
            y_format="share",
        ),
        ChartSpec(
            SHEET,
            "bar",
            "Extra cost of the re-optimised plan",
            "closed",
            ["extra_cost"],
            y_format="money",
        ),
    ]


@dataclass
class StressRun:
    outcome: object  # the base plan's pipeline Outcome
    table: pd.DataFrame
    path: Path | None
    seconds: float

    @property
    def exit_code(self) -> int:
        if self.outcome.exit_code:
            return self.outcome.exit_code
        return 1 if (self.table["status"].str.startswith("error")).any() else 0


def run_stress(
    source: str | Path | Inputs,
    output: str | Path | None = None,
    *,
    workers: int | None = 1,
    scheduler=None,
    time_limit: float | None = None,
    gap: float | None = None,
    show_progress: bool = True,
    crisis_cap: float | None = None,
) -> StressRun:
    """Solve the base plan, close each item it uses in turn; write the workbook if `output`.

    `crisis_cap` sets the default transit cap of the closed plans (1 lifts it): with a hard
    cap a contract left with one corridor can deliver nothing, so a planner asks both."""
    from ..io.load import read_workbook
    from ..io.write import write_results
    from ..pipeline import options_for, run

    start = time.perf_counter()
    inputs = source if isinstance(source, Inputs) else read_workbook(source)
    outcome = run(inputs, time_limit=time_limit, gap=gap)
    results = outcome.results
    if not outcome.result.has_solution:
        path = write_results(results, output) if output is not None else None
        empty = pd.DataFrame(columns=COLUMNS)
        return StressRun(outcome, empty, path, time.perf_counter() - start)
    options = options_for(inputs, time_limit, gap)
    flows = results.sheets["Flows"]
    base = variant_of(BASE, [], inputs, inputs, outcome.result, results)
    crisis = [] if crisis_cap is None else [Change("set_limit", "rule:default_cap", crisis_cap)]
    batch = {
        f"{kind}:{ident}": [Change("close", f"{kind}:{ident}"), *crisis]
        for kind, ident in used_items(inputs, flows)
    }
    variants = run_batch_shown(
        inputs, batch, options, "closures", show_progress, workers=workers, scheduler=scheduler
    )
    table = stress_table(inputs, flows, base, variants)
    path = None
    if output is not None:
        results.sheets[SHEET] = table
        path = write_results(results, output, charts=charts(table))
    return StressRun(outcome, table, path, time.perf_counter() - start)


def add_arguments(p) -> None:
    from ..cli import add_input_output, add_solve_options

    add_input_output(p, "stress")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="solve the closures in this many local processes (default 1: in this process)",
    )
    p.add_argument(
        "--dask-scheduler", metavar="ADDRESS", help="solve the closures on this Dask cluster"
    )
    p.add_argument(
        "--cap",
        type=float,
        metavar="SHARE",
        help="default transit cap while something is closed (1 lifts it); default: as set",
    )
    add_solve_options(p)


def run(args) -> int:
    from ..io.write import check_output

    if args.workers < 1:
        print("corridor stress: --workers must be at least 1", file=sys.stderr)
        return 1
    output = check_output(
        args.output or args.input.with_name(f"{args.input.stem}_stress.xlsx"), [args.input]
    )
    done = run_stress(
        args.input,
        output,
        workers=args.workers,
        scheduler=args.dask_scheduler,
        time_limit=args.time_limit,
        gap=args.gap,
        crisis_cap=args.cap,
    )
    summary = done.outcome.results.summary
    if not done.outcome.result.has_solution:
        print(f"the base plan has no solution ({summary['status']}); nothing to stress")
    else:
        currency = done.outcome.results.currency
        print(
            f"base plan: cost {summary['objective']:,.0f} {currency}, delivered "
            f"{summary['delivered']:,.6g} of {summary['contracted']:,.6g} capacity units"
        )
        for row in done.table.itertuples(index=False):
            after = (
                "no plan"
                if row.delivered_share_after is None
                or row.delivered_share_after != row.delivered_share_after
                else f"delivers {row.delivered_share_after:.1%}, extra cost {row.extra_cost:+,.0f}"
            )
            print(
                f"  {row.kind} {row.closed}: stops {row.stopped_share:.1%} unrerouted; "
                f"re-optimised {after}"
                + (f"  [short: {row.contracts_short}]" if row.contracts_short else "")
            )
    print(f"{len(done.table)} closure(s) in {done.seconds:.1f} s; results: {done.path}")
    return done.exit_code

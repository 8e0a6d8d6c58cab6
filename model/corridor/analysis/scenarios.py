"""`corridor scenarios`: solve the base plan and every scenario of the `Scenarios` sheet.

A scenario is the list of its rows' changes (spec section 5; rows with one scenario name
combine, in row order). Each is applied to the workbook's tables with `whatif.apply` and
solved delivery first (`whatif.solve_delivery_first`): a scenario may leave a contract short,
and then reports how much it delivers rather than "infeasible".

The results workbook holds the base plan's sheets, then

``Scenarios``       one row per plan (base first): scenario, status, cost, delivered,
                    delivered_share, max_share_<country> (each transit country's highest share
                    of any destination x commodity x period), cost_vs_base, delivered_vs_base,
                    contracted, contracts_short, changes
``Scenario flows``  every scenario's Flows rows with the scenario name in front

``cost`` is the plan's objective without the stand-in penalty on volume a contract must
deliver in full (a contract's own shortfall penalty stays in); volumes are capacity units.

Scenarios run in parallel local processes (`--workers`, default min(cores, scenarios); one
worker runs them in this process) or, with `--dask-scheduler ADDRESS`, on an existing Dask
cluster whose workers have this `corridor` installed. The prepared Inputs are shipped once
per worker (a pool initializer; a Dask broadcast), never re-read from the workbook.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..data import Inputs
from ..errors import InputError, InputIssue, Issues, suggest
from ..rules import DEFAULT_CAP_RULE
from ..solve import SolveOptions
from ..whatif import CHANGES, CLOSE_KINDS, Change, apply, routes_closed_by, solve_delivery_first

log = logging.getLogger("corridor")

BASE = "base"
SHEET = "Scenarios"
FLOWS_SHEET = "Scenario flows"
SHORT_TOLERANCE = 1e-6  # a contract delivering less than (1 - this) of its volume is short
_ONE_SOLVE = threading.Lock()  # see solve_variant

# Which target kinds each change accepts ("all" where the change has a whole-model form).
TARGET_KINDS: dict[str, tuple[str, ...]] = {
    "close": CLOSE_KINDS,
    "scale_capacity": ("node", "leg", "route", "all"),
    "scale_cost": ("leg", "route", "all"),
    "scale_volume": ("contract", "commodity", "all"),
    "set_limit": ("rule",),
}


# ---------------------------------------------------------------------------------------------
# Reading the Scenarios sheet


def known_ids(inputs: Inputs) -> dict[str, set[str]]:
    """The ids a target may name, per kind, from the whole workbook (inactive routes too)."""
    legs = inputs.legs
    routes = inputs.tables["Routes"].frame
    pairs = zip(routes["route"], routes["corridor"], strict=True)
    corridors = {c if isinstance(c, str) else r for r, c in pairs}
    return {
        "country": set(inputs.nodes["country"])
        | {c for values in legs["countries"] if values for c in values},
        "chokepoint": {t for values in legs["chokepoints"] if values for t in values},
        "corridor": corridors,
        "node": set(inputs.nodes.index),
        "leg": set(legs.index),
        "route": set(routes["route"]),
        "contract": set(inputs.contracts["contract"]),
        "commodity": set(inputs.commodities.index),
        "rule": set(inputs.limits["rule"]) | {DEFAULT_CAP_RULE},
    }


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
                )
            ],
            inputs.source,
        )
    issues = Issues()
    known = known_ids(inputs)
    batch: dict[str, list[Change]] = {}
    spelled: dict[str, str] = {}  # lower-case name -> the first spelling
    for rec in table.frame.to_dict("records"):
        row = rec["_row"]

        def error(column: str, value: object, message: str, row: int = row) -> None:
            if column in table.letters:
                issues.error(table.sheet, table.cell(column, row), column, value, message)
            else:  # the sheet has no such column: name the row
                message += f" (row {row}: add a {column} column)"
                issues.error(table.sheet, "", column, value, message)

        name = str(rec["scenario"])
        first = spelled.setdefault(name.lower(), name)
        if name.lower() == BASE:
            error("scenario", name, f"{BASE!r} is the unchanged plan; name the scenario otherwise")
        elif first != name:
            error("scenario", name, f"differs from scenario {first!r} only in case or spacing")
        change = str(rec["change"]).strip().lower()
        if change not in CHANGES:
            error("change", rec["change"], f"expected one of {', '.join(CHANGES)}")
            continue
        target = str(rec["target"]).strip()
        allowed = TARGET_KINDS[change]
        if ":" in target:
            kind, ident = (part.strip() for part in target.split(":", 1))
            kind = kind.lower()
        else:
            kind, ident = target.lower(), ""
        if kind != "all" and not ident:
            error(
                "target",
                target,
                f"expected kind:id ({', '.join(k for k in allowed if k != 'all')})",
            )
            continue
        if kind not in allowed:
            forms = [f"{k}:id" if k != "all" else "all" for k in allowed]
            error("target", target, f"{change} takes a target of the form {' or '.join(forms)}")
            continue
        if kind != "all" and ident not in known[kind]:
            error("target", target, f"unknown {kind} {ident!r}{suggest(ident, known[kind])}")
            continue
        value = rec["value"]
        number = (
            None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        )
        if change == "close":
            if number is not None:
                issues.warn(
                    table.sheet, table.cell("value", row), "value", value, "close takes no value"
                )
            number = None
            closed = routes_closed_by(inputs, kind, ident)
            if not closed:
                issues.warn(
                    table.sheet,
                    table.cell("target", row),
                    "target",
                    target,
                    f"closing {kind} {ident} removes no active route"
                    + (
                        " (a country closes only the routes it is a transit country of)"
                        if kind == "country"
                        else ""
                    ),
                )
        elif number is None:
            what = "the new max_share (0 to 1)" if change == "set_limit" else "a factor (e.g. 1.2)"
            error("value", value, f"{change} needs {what}")
            continue
        else:
            number = float(number)
            if not math.isfinite(number) or number < 0:
                error("value", value, "expected a number >= 0")
                continue
            if change == "set_limit" and number > 1:
                error("value", value, "a share is at most 1 (100%)")
                continue
        target = "all" if kind == "all" else f"{kind}:{ident}"
        batch.setdefault(first, []).append(Change(change, target, number))
    for warning in issues.warnings:
        log.warning("%s", warning)
    issues.raise_if_any(inputs.source)
    return batch


# ---------------------------------------------------------------------------------------------
# Solving one plan (in whichever process runs it)


@dataclass
class Variant:
    """One solved plan, small enough to send back from a worker."""

    name: str
    changes: list[str]
    status: str
    message: str = ""
    objective: float | None = None
    cost: float | None = None  # objective without the stand-in penalty for must-deliver volume
    contracted: float = 0.0  # capacity units
    delivered: float | None = None  # capacity units
    max_share: dict[str, float] = field(default_factory=dict)  # transit country -> highest
    contracts: pd.DataFrame | None = None  # the Contracts sheet
    flows: pd.DataFrame | None = None  # the Flows sheet
    warnings: list[str] = field(default_factory=list)  # new ones the changes caused

    @property
    def delivered_share(self) -> float | None:
        if self.delivered is None:
            return None
        return self.delivered / self.contracted if self.contracted > 0 else 1.0

    def contracts_short(self) -> str:
        """'K1: 60.0%, K2: 95.5%': each contract's delivered share, where it falls short."""
        if self.contracts is None or self.contracts.empty:
            return ""
        per = self.contracts.groupby("contract", sort=False)[["volume", "delivered"]].sum()
        share = (per["delivered"] / per["volume"]).sort_values(kind="stable")
        return ", ".join(f"{c}: {s:.1%}" for c, s in share.items() if s < 1 - SHORT_TOLERANCE)


def variant_of(
    name: str,
    changes: list[Change],
    original: Inputs,
    inputs: Inputs,
    result,
    results,
) -> Variant:
    """A Variant from a solved plan of `inputs` (the `original` workbook with `changes`)."""
    summary = results.summary
    variant = Variant(
        name,
        [str(c) for c in changes],
        result.status,
        result.message,
        contracted=_contracted(inputs),
    )
    if not result.has_solution:
        return variant
    contracts = results.sheets["Contracts"]
    demand = original.demand
    keys = zip(demand["contract"], demand["period"], strict=True)
    must = dict(zip(keys, demand["penalty"].isna(), strict=True))
    rows = zip(contracts["contract"], contracts["period"], strict=True)
    standin = [must.get(k, True) for k in rows]
    standin_cost = float(contracts["shortfall_cost"][standin].sum())
    exposure = results.sheets["Exposure"]
    transit = exposure[exposure["measure"] == "transit_country"]
    variant.objective = float(result.objective)
    variant.cost = float(result.objective) - standin_cost
    variant.delivered = float(summary["delivered"])
    variant.max_share = {
        str(k): float(v) for k, v in transit.groupby("value")["share"].max().items()
    }
    variant.contracts = contracts
    variant.flows = results.sheets["Flows"]
    return variant


def _contracted(inputs: Inputs) -> float:
    cu = inputs.commodities["capacity_use"]
    return float((inputs.demand["volume"] * inputs.demand["commodity"].map(cu)).sum())


def solve_variant(
    inputs: Inputs, name: str, changes: list[Change], options: SolveOptions
) -> Variant:
    """Apply the changes, solve delivery first and summarise; never raises.

    One solve at a time per process: Pyomo is not thread-safe and the HiGHS hand-off
    redirects fd 1 while it creates a solver, so the threads of a Dask worker take turns (run
    workers with `--nthreads 1 --nworkers N` for parallel solves on one machine)."""
    from ..results import extract

    try:
        with _ONE_SOLVE:
            changed = apply(inputs, changes)
            model, result, _ = solve_delivery_first(changed, options)
            results = extract(model, changed, result, options)
        variant = variant_of(name, changes, inputs, changed, result, results)
        before = {str(w) for w in inputs.warnings}
        variant.warnings = [str(w) for w in changed.warnings if str(w) not in before]
        return variant
    except Exception as exc:  # one broken scenario must not sink the batch
        log.debug("scenario %s failed", name, exc_info=True)
        return Variant(name, [str(c) for c in changes], "error", f"{type(exc).__name__}: {exc}")


_WORKER_INPUTS: Inputs | None = None


def _init_worker(inputs: Inputs) -> None:
    global _WORKER_INPUTS
    _WORKER_INPUTS = inputs


def _solve_in_worker(name: str, changes: list[Change], options: SolveOptions) -> Variant:
    assert _WORKER_INPUTS is not None, "worker started without inputs"
    return solve_variant(_WORKER_INPUTS, name, changes, options)


# ---------------------------------------------------------------------------------------------
# Running a batch: here, on local processes or on a Dask cluster


def default_workers(n: int) -> int:
    return max(1, min(os.cpu_count() or 1, n))


def _context():
    """forkserver where the platform has it (workers fork from a server that has imported the
    model code once), else spawn; never fork, which is unsafe with HiGHS's threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def run_batch(
    inputs: Inputs,
    batch: dict[str, list[Change]],
    options: SolveOptions | None = None,
    *,
    workers: int | None = None,
    scheduler=None,
    on_done: Callable[[Variant], None] | None = None,
) -> dict[str, Variant]:
    """Solve every entry of `batch`; returns the Variants in the batch's order.

    `scheduler`: None for local processes (`workers`, default min(cores, len(batch)); 1 solves
    in this process), a Dask scheduler address, or a `distributed.Client`.
    """
    options = options or SolveOptions()
    done: dict[str, Variant] = {}

    def finish(variant: Variant) -> None:
        done[variant.name] = variant
        if on_done is not None:
            on_done(variant)

    if scheduler is not None:
        _run_dask(inputs, batch, options, scheduler, finish)
    else:
        n = workers or default_workers(len(batch))
        if n <= 1 or len(batch) <= 1:
            for name, changes in batch.items():
                finish(solve_variant(inputs, name, changes, options))
        else:
            _run_processes(inputs, batch, options, n, finish)
    return {name: done[name] for name in batch}


def _run_processes(inputs, batch, options, n, finish) -> None:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(
        max_workers=min(n, len(batch)),
        mp_context=_context(),
        initializer=_init_worker,
        initargs=(inputs,),
    ) as pool:
        futures = {
            pool.submit(_solve_in_worker, name, changes, options): (name, changes)
            for name, changes in batch.items()
        }
        for future in as_completed(futures):
            name, changes = futures[future]
            try:
                finish(future.result())
            except Exception as exc:  # a worker that died (out of memory, killed)
                finish(Variant(name, [str(c) for c in changes], "error", f"worker failed: {exc}"))


def _run_dask(inputs, batch, options, scheduler, finish) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise RuntimeError(
            "--dask-scheduler needs dask.distributed: pip install 'corridor[dask]'"
        ) from None
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="30s")
    try:
        shipped = client.scatter(inputs, broadcast=True)
        futures = {
            client.submit(
                solve_variant,
                shipped,
                name,
                changes,
                options,
                key=f"scenario-{i}-{name}",
                pure=False,
            ): (name, changes)
            for i, (name, changes) in enumerate(batch.items())
        }
        for future in as_completed(futures):
            name, changes = futures[future]
            try:
                finish(future.result())
            except Exception as exc:
                finish(Variant(name, [str(c) for c in changes], "error", f"worker failed: {exc}"))
    finally:
        if client is not scheduler:
            client.close()


@contextmanager
def progress(total: int, what: str) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr (nothing when stderr is not a terminal); yields advance."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    )
    with bar:
        task = bar.add_task(what, total=total, last="")
        yield lambda label: bar.update(task, advance=1, last=label)


# ---------------------------------------------------------------------------------------------
# The comparison sheet and the command


def comparison(base: Variant, variants: list[Variant]) -> pd.DataFrame:
    """The Scenarios sheet: base first, then each scenario in sheet order."""
    plans = [base, *variants]
    countries = sorted({c for v in plans for c in v.max_share})
    rows = []
    for v in plans:
        row = {
            "scenario": v.name,
            "status": v.status,
            "cost": v.cost,
            "delivered": v.delivered,
            "delivered_share": v.delivered_share,
        }
        for c in countries:
            row[f"max_share_{c}"] = v.max_share.get(c, 0.0) if v.delivered is not None else None
        both = v.cost is not None and base.cost is not None
        row["cost_vs_base"] = v.cost - base.cost if both else None
        both = v.delivered is not None and base.delivered is not None
        row["delivered_vs_base"] = v.delivered - base.delivered if both else None
        row["contracted"] = v.contracted
        row["contracts_short"] = v.contracts_short()
        row["changes"] = "; ".join(v.changes) if v.changes else "(the workbook as it is)"
        if v.message:
            row["changes"] += f" [{v.message}]"
        rows.append(row)
    return pd.DataFrame(rows)


def scenario_flows(variants: list[Variant]) -> pd.DataFrame:
    parts = [v.flows.assign(scenario=v.name) for v in variants if v.flows is not None]
    if not parts:
        return pd.DataFrame(columns=["scenario"])
    frame = pd.concat(parts, ignore_index=True)
    return frame[["scenario", *(c for c in frame.columns if c != "scenario")]]


@dataclass
class ScenarioRun:
    outcome: object  # the base plan's pipeline Outcome
    variants: dict[str, Variant]
    table: pd.DataFrame
    flows: pd.DataFrame
    path: Path | None
    seconds: float

    @property
    def exit_code(self) -> int:
        if self.outcome.exit_code:
            return self.outcome.exit_code
        return 1 if any(v.status == "error" for v in self.variants.values()) else 0


def run_batch_shown(
    inputs: Inputs,
    batch: dict[str, list[Change]],
    options: SolveOptions,
    label: str,
    show_progress: bool,
    **where,
) -> dict[str, Variant]:
    """`run_batch` with a progress bar labelled `label` when asked (and there is work)."""
    if not (show_progress and batch):
        return run_batch(inputs, batch, options, **where)
    with progress(len(batch), label) as advance:
        return run_batch(
            inputs, batch, options, on_done=lambda v: advance(f"{v.name}: {v.status}"), **where
        )


def run_scenarios(
    source: str | Path | Inputs,
    output: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler=None,
    time_limit: float | None = None,
    gap: float | None = None,
    show_progress: bool = True,
) -> ScenarioRun:
    """Solve the base plan and every scenario; write the workbook if `output`."""
    from ..io.load import read_workbook
    from ..io.write import write_results
    from ..pipeline import options_for, run

    start = time.perf_counter()
    inputs = source if isinstance(source, Inputs) else read_workbook(source)
    batch = read_scenarios(inputs)  # invalid rows stop the run before any solve
    outcome = run(inputs, time_limit=time_limit, gap=gap)
    options = options_for(inputs, time_limit, gap)
    base = variant_of(BASE, [], inputs, inputs, outcome.result, outcome.results)
    variants = run_batch_shown(
        inputs, batch, options, "scenarios", show_progress, workers=workers, scheduler=scheduler
    )
    table = comparison(base, list(variants.values()))
    flows = scenario_flows(list(variants.values()))
    path = None
    if output is not None:
        results = outcome.results
        results.sheets[SHEET] = table
        results.sheets[FLOWS_SHEET] = flows
        notes = [
            {"level": "warning", "where": f"scenario {v.name}", "message": w}
            for v in variants.values()
            for w in v.warnings
        ]
        if notes:
            results.sheets["Log"] = pd.concat(
                [results.sheets["Log"], pd.DataFrame(notes)], ignore_index=True
            )
        path = write_results(results, output)
    return ScenarioRun(outcome, variants, table, flows, path, time.perf_counter() - start)


def add_arguments(p) -> None:
    from ..cli import add_input_output, add_solve_options

    add_input_output(p, "scenarios")
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
    add_solve_options(p)


def run(args) -> int:
    from ..io.write import check_output

    output = check_output(
        args.output or args.input.with_name(f"{args.input.stem}_scenarios.xlsx"), [args.input]
    )
    if args.workers is not None and args.workers < 1:
        print("corridor scenarios: --workers must be at least 1", file=sys.stderr)
        return 1
    done = run_scenarios(
        args.input,
        output,
        workers=args.workers,
        scheduler=args.dask_scheduler,
        time_limit=args.time_limit,
        gap=args.gap,
    )
    print(_console_table(done.table))
    print(f"{len(done.variants)} scenario(s) in {done.seconds:.1f} s; results: {done.path}")
    return done.exit_code


def _console_table(table: pd.DataFrame) -> str:
    lines = []
    for row in table.itertuples(index=False):
        cost = "-" if row.cost is None or row.cost != row.cost else f"{row.cost:,.0f}"
        share = (
            "-"
            if row.delivered_share is None or row.delivered_share != row.delivered_share
            else f"{row.delivered_share:.1%}"
        )
        diff = row.cost_vs_base
        diff = "" if diff is None or diff != diff else f" ({diff:+,.0f})"
        short = f"  [short: {row.contracts_short}]" if row.contracts_short else ""
        lines.append(f"  {row.scenario}: {row.status}, cost {cost}{diff}, delivered {share}{short}")
    return "\n".join(lines)

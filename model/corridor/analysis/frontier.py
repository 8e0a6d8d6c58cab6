"""`corridor frontier`: the cost of diversification, one cap swept on one solver model.

The swept cap is the default transit cap (``default_max_transit_share``) or, with ``--rule
NAME``, the ``max_share`` of one Limits rule. The sweep starts from the *uncapped share*:
the plan is solved with the cap lifted (1.0, which no share can exceed), and the highest share
among the capped rows (each transit country of each destination x commodity x period for the
default cap; the rule's rows for a rule) is the first point. From there the cap steps down
(``--step 0.05``: 0.85, 0.80, ... below an uncapped 0.87) until a cap is infeasible; the last
feasible point is the tightest, refined by bisection to within 1e-3 of the first infeasible
cap (``--no-refine`` skips it). ``--points N`` instead finds the tightest feasible cap first
(by bisection) and spreads N points evenly from the uncapped share down to it. A soft rule
never makes the plan infeasible, so its sweep ends at 0.

Every solve reuses one HiGHS model: the cap sits in the share rows as the coefficient of the
scope's total (``through - cap * total <= 0``), so a new cap is one ``changeCoeff`` per capped
row, and the next solve starts from the previous basis (an LP) or the previous plan (a MIP,
via ``setSolution``). ``benchmark_sweep`` times such a sweep against independent solves.

The results workbook (``-o``, default ``<input>_frontier.xlsx`` beside the input) holds the
plan of the workbook as given (its own cap), with marginal values, then the ``Frontier``
sheet: ``cap``, ``total_cost``, ``premium`` (over the uncapped plan), ``max_share_<country>``
(each transit country's highest share of any destination x commodity x period),
``delivered`` (capacity units), ``point`` (uncapped, step or tightest) and ``status``, with a
line chart of the cost against the cap.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger("corridor")

SHEET = "Frontier"
DEFAULT_RULE = "default_cap"
UNCAPPED = 1.0  # a share never exceeds 1: the cap lifted
REFINE_TOLERANCE = 1e-3
PROBE_STEP = 0.05  # the descent that finds the tightest cap before --points are spread
SHARE_EPS = 1e-9
SOLVED = ("optimal", "feasible")
INTERRUPTED = "Interrupted by user"


# ---------------------------------------------------------------------------- inputs


def _error(value: object, message: str, sheet: str = "Limits", column: str = "rule"):
    from ..errors import InputError, InputIssue

    return InputError([InputIssue(sheet, "", column, value, message)])


def sweep_inputs(inputs, rule: str | None = None, cap: float = UNCAPPED):
    """Inputs whose swept rows (the default cap's, or rule `rule`'s max_share rows) all have
    limit `cap`; the default cap's rows are created when the workbook sets none.

    Returns (inputs, rule name, the workbook's own cap or None). Raises InputError when there
    is nothing to sweep."""
    from ..errors import Issues, suggest
    from ..rules import expand_rules

    name = rule or DEFAULT_RULE
    if name == DEFAULT_RULE:
        own = inputs.settings.get("default_max_transit_share")
        settings = {**inputs.settings, "default_max_transit_share": cap}
        issues = Issues()
        rows = expand_rules(inputs.with_changes(settings=settings), issues, strict=False)
        issues.raise_if_any(inputs.source)
        swept = (rows["rule"] == DEFAULT_RULE).to_numpy()
        if not swept.any():
            raise _error(
                None,
                "nothing to sweep: no eligible route has a transit country that the default "
                "cap would cover (transit_country rules may replace it for every country)",
                "Settings",
                "default_max_transit_share",
            )
        return inputs.with_changes(settings=settings, rule_rows=rows), name, own
    limits = inputs.limits
    named = limits[limits["rule"] == name]
    if named.empty:
        capped = [r for r, v in zip(limits["rule"], limits["max_share"], strict=True) if v == v]
        listed = (
            f"; rules with a max_share: {', '.join(capped)}"
            if capped
            else "; no rule has a max_share (leave out --rule to sweep the default cap)"
        )
        raise _error(
            name,
            f"--rule {name}: the Limits sheet has no such rule"
            f"{suggest(name, list(limits['rule']))}{listed}",
        )
    own = named["max_share"].iloc[0]
    if own is None or own != own:
        raise _error(name, f"rule {name} has no max_share to sweep")
    rows = inputs.rule_rows.copy()
    swept = ((rows["rule"] == name) & (rows["bound"] == "max_share")).to_numpy()
    if not swept.any():
        raise _error(name, f"rule {name} constrains nothing (see the warnings); nothing to sweep")
    rows.loc[swept, "limit"] = float(cap)
    return inputs.with_changes(rule_rows=rows), name, float(own)


# ---------------------------------------------------------------------------- one model


@dataclass
class Point:
    """One solve of the sweep."""

    cap: float
    status: str
    objective: float | None = None
    shares: dict[str, float] = field(default_factory=dict)  # transit country -> highest share
    delivered: float | None = None  # capacity units
    highest: float = 0.0  # highest share among the swept rows
    kind: str = "step"  # uncapped, step or tightest
    seconds: float = 0.0
    message: str = ""
    interrupted: bool = False

    @property
    def solved(self) -> bool:
        return self.status in SOLVED

    @property
    def usable(self) -> bool:
        """A plan the sweep can report and go on from (not cut short by Ctrl-C)."""
        return self.solved and not self.interrupted


class Sweeper:
    """The model built and compiled once; `solve_at(cap)` changes the swept rows and solves."""

    def __init__(self, inputs, rule: str | None = None, options=None):
        from ..build import build_model
        from ..features.limits import row_key
        from ..pipeline import options_for
        from ..solve import compile_model

        self.inputs, self.rule, self.own_cap = sweep_inputs(inputs, rule)
        self.options = options or options_for(inputs)
        self.model = build_model(self.inputs)
        self.compiled = compile_model(self.model)
        self.model.compiled = self.compiled
        self.solves = 0
        self.cap = UNCAPPED
        self._starts: dict[float, object] = {}  # solved cap -> its basis (LP) or plan (MIP)
        self._current: float | None = None  # the cap whose basis HiGHS holds
        m, compiled = self.model, self.compiled
        row_of = {id(con): i for i, con in enumerate(compiled.rows)}
        col_of = {id(var): j for j, var in enumerate(compiled.columns)}
        rows = self.inputs.rule_rows
        swept = rows[
            ((rows["rule"] == self.rule) & (rows["bound"] == "max_share")).to_numpy()
        ].to_dict("records")
        self.cells = np.array(
            [
                (row_of[id(m.limit_rule[row_key(r)])], col_of[id(m.scope_total[r["scope"]])])
                for r in swept
            ],
            dtype=np.int32,
        ).reshape(-1, 2)
        lengths = [len(r["through"]) for r in swept]
        self._row_of_term = np.repeat(np.arange(len(swept)), lengths)
        self._flow_of_term = (
            np.concatenate([np.asarray(r["through"], dtype=np.int64) for r in swept])
            if swept
            else np.zeros(0, dtype=np.int64)
        )
        self._measures()

    def _measures(self) -> None:
        """Arrays that turn a column vector into shares and delivered volume."""
        flows = self.inputs.flows
        col_of = {id(var): j for j, var in enumerate(self.compiled.columns)}
        self._flow_cols = np.array([col_of.get(id(v), -1) for v in self.model.flow_list])
        self._weight = flows["weight"].to_numpy(dtype=float)
        self._cu = flows["capacity_use"].to_numpy(dtype=float)
        scope = flows.groupby(["destination", "commodity", "period"], sort=False).ngroup()
        self._scope = scope.to_numpy()
        self._n_scopes = int(self._scope.max()) + 1 if len(flows) else 0
        transit = flows["route"].map(self.inputs.routes["transit"]).explode().dropna()
        self.countries, code = np.unique(transit.to_numpy().astype(str), return_inverse=True)
        self._pair_flow = transit.index.to_numpy(dtype=np.int64)
        self._pair_cell = self._scope[self._pair_flow] * len(self.countries) + code

    def measure(self, values: np.ndarray) -> tuple[dict[str, float], float, float]:
        """(transit country -> highest share, delivered capacity units, highest swept share)
        of a HiGHS column vector."""
        cols = self._flow_cols
        x = np.where(cols >= 0, values[np.maximum(cols, 0)], 0.0)
        x[np.abs(x) < 1e-9] = 0.0
        wx = self._weight * x
        totals = np.bincount(self._scope, weights=wx, minlength=self._n_scopes)
        n = len(self.countries)
        through = np.bincount(
            self._pair_cell, weights=wx[self._pair_flow], minlength=self._n_scopes * n
        ).reshape(self._n_scopes, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(totals[:, None] > SHARE_EPS, through / totals[:, None], 0.0)
        highest_by_country = share.max(axis=0) if self._n_scopes else np.zeros(n)
        shares = {str(c): float(s) for c, s in zip(self.countries, highest_by_country, strict=True)}
        row_through = np.bincount(
            self._row_of_term, weights=wx[self._flow_of_term], minlength=len(self.cells)
        )
        row_total = values[self.cells[:, 1]] if len(self.cells) else np.zeros(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            row_share = np.where(row_total > SHARE_EPS, row_through / row_total, 0.0)
        highest = float(row_share.max()) if len(row_share) else 0.0
        return shares, float((self._cu * x).sum()), min(1.0, highest)

    def set_cap(self, cap: float) -> None:
        h = self.compiled.highs
        for row, col in self.cells:
            h.changeCoeff(int(row), int(col), -float(cap))
        self.cap = float(cap)

    def _warm_start(self, cap: float) -> None:
        """Start from the nearest cap solved so far: HiGHS keeps the last basis, but after a
        jump (bisection, or back up to the first point) a stored one is closer. A MIP starts
        from the plan of the nearest tighter cap (feasible at this one), else the nearest."""
        if not self._starts:
            return
        h = self.compiled.highs
        if self.compiled.integer:
            tighter = [c for c in self._starts if c <= cap]
            near = max(tighter) if tighter else min(self._starts, key=lambda c: abs(c - cap))
            h.setSolution(self._starts[near])
            return
        near = min(self._starts, key=lambda c: abs(c - cap))
        if self._current is None or abs(near - cap) < abs(self._current - cap):
            h.setBasis(self._starts[near])

    def solve_at(self, cap: float, kind: str = "step", load: bool = False):
        """Solve with the swept rows at `cap`; returns (Point, SolveResult). With `load` the
        plan's values are put on the Pyomo model (for the result tables)."""
        from ..solve import load_values, run

        start = time.perf_counter()
        if cap != self.cap:
            self.set_cap(cap)
        h = self.compiled.highs
        self._warm_start(cap)
        result = run(self.compiled, self.options)
        self.solves += 1
        point = Point(cap, result.status, kind=kind, message=result.message)
        self._current = None
        if result.has_solution:
            solution = h.getSolution()
            self._current = cap
            self._starts[cap] = solution if self.compiled.integer else h.getBasis()
            values = np.asarray(solution.col_value, dtype=float)
            point.objective = result.objective
            point.shares, point.delivered, point.highest = self.measure(values)
            if load:
                load_values(self.compiled, result)
        point.seconds = time.perf_counter() - start
        point.interrupted = result.highs_status == INTERRUPTED
        log.debug("cap %.4f: %s %s (%.3f s)", cap, result.status, result.objective, point.seconds)
        return point, result


# ---------------------------------------------------------------------------- the sweep


@dataclass
class Frontier:
    rule: str
    points: list[Point]
    uncapped: Point
    first_infeasible: float | None = None
    stopped: str = ""  # why the sweep ended early, "" when it reached its end
    countries: list[str] = field(default_factory=list)
    solves: int = 0
    seconds: float = 0.0

    @property
    def tightest(self) -> Point | None:
        return next((p for p in reversed(self.points) if p.kind == "tightest"), None)

    def frame(self) -> pd.DataFrame:
        base = self.uncapped.objective
        rows = []
        for p in self.points:
            row = {
                "cap": p.cap,
                "total_cost": p.objective,
                "premium": p.objective - base if p.objective is not None else None,
            }
            row.update({f"max_share_{c}": p.shares.get(c, 0.0) for c in self.countries})
            row.update({"delivered": p.delivered, "point": p.kind, "status": p.status})
            rows.append(row)
        columns = [
            "cap",
            "total_cost",
            "premium",
            *(f"max_share_{c}" for c in self.countries),
            "delivered",
            "point",
            "status",
        ]
        return pd.DataFrame(rows, columns=columns)


def step_caps(start: float, step: float) -> list[float]:
    """Multiples of `step` strictly below `start`, descending to 0."""
    k = math.floor((start - 1e-9) / step)
    return [round(i * step, 10) for i in range(k, -1, -1)]


def _bisect(sweeper: Sweeper, lo: Point, hi: float) -> tuple[Point, float, str]:
    """Tightest feasible cap between a feasible point `lo` and an infeasible cap `hi`, found
    among multiples of REFINE_TOLERANCE (so it reads 0.334, not 0.33359375); returns (the
    tightest feasible point, the highest infeasible cap seen, why it stopped early or "")."""
    grid = round(1 / REFINE_TOLERANCE)
    bad = math.floor(hi * grid + 1e-9)  # bad / grid <= hi: infeasible
    good = math.ceil(lo.cap * grid - 1e-9)  # good / grid >= lo.cap: feasible
    best = lo
    while good - bad > 1:
        mid = (good + bad) // 2
        point, _ = sweeper.solve_at(mid / grid, "tightest")
        if point.usable:
            good, best = mid, point
        elif point.status == "infeasible":
            bad = mid
        else:
            return best, bad / grid, f"cap {mid / grid:g}: {point.status} {point.message}".strip()
    return best, max(hi, bad / grid), ""


def sweep(
    inputs=None,
    rule: str | None = None,
    *,
    step: float = 0.05,
    points: int | None = None,
    refine: bool = True,
    options=None,
    sweeper: Sweeper | None = None,
    uncapped: Point | None = None,
) -> Frontier:
    """The frontier of one cap (see the module docstring). Pass a `sweeper` (and the uncapped
    point it already solved) to continue on an existing model."""
    start_time = time.perf_counter()
    sweeper = sweeper or Sweeper(inputs, rule, options)
    if uncapped is None:
        uncapped, _ = sweeper.solve_at(UNCAPPED, "uncapped")
    frontier = Frontier(sweeper.rule, [], uncapped, countries=list(sweeper.countries))
    if not uncapped.usable:
        frontier.stopped = f"the uncapped plan is {uncapped.status}"
        frontier.solves, frontier.seconds = sweeper.solves, time.perf_counter() - start_time
        return frontier
    first = Point(
        uncapped.highest,
        uncapped.status,
        uncapped.objective,
        uncapped.shares,
        uncapped.delivered,
        uncapped.highest,
        "uncapped",
        uncapped.seconds,
    )
    frontier.points.append(first)
    if points is not None:
        _sweep_points(sweeper, frontier, first, points)
    else:
        _sweep_steps(sweeper, frontier, first, step, refine)
    frontier.solves, frontier.seconds = sweeper.solves, time.perf_counter() - start_time
    return frontier


def _sweep_steps(sweeper: Sweeper, frontier: Frontier, first: Point, step: float, refine: bool):
    last = first
    for cap in step_caps(first.cap, step):
        point, _ = sweeper.solve_at(cap)
        if point.status == "infeasible":
            frontier.first_infeasible = cap
            break
        if not point.usable:
            frontier.stopped = f"cap {cap:g}: {point.status} {point.message}".strip()
            return
        frontier.points.append(point)
        last = point
    if frontier.first_infeasible is not None and refine:
        best, hi, stopped = _bisect(sweeper, last, frontier.first_infeasible)
        frontier.first_infeasible, frontier.stopped = hi, stopped
        if best is not last:
            frontier.points.append(best)
    if len(frontier.points) > 1 and not frontier.stopped:
        frontier.points[-1].kind = "tightest"


def _sweep_points(sweeper: Sweeper, frontier: Frontier, first: Point, n: int) -> None:
    """n caps evenly from the uncapped share to the tightest feasible one, found first by a
    coarse descent (warm solves close to each other) and bisection."""
    probe = Frontier(frontier.rule, [first], first)
    _sweep_steps(sweeper, probe, first, PROBE_STEP, refine=True)
    frontier.first_infeasible, frontier.stopped = probe.first_infeasible, probe.stopped
    bottom = probe.points[-1]
    if probe.stopped or bottom is first:
        return
    for cap in np.linspace(first.cap, bottom.cap, n)[1:-1]:
        point, _ = sweeper.solve_at(float(cap))
        if not point.usable:
            frontier.stopped = f"cap {cap:.4f}: {point.status} {point.message}".strip()
            return
        frontier.points.append(point)
    bottom.kind = "tightest"
    frontier.points.append(bottom)


# ---------------------------------------------------------------------------- benchmark


def benchmark_sweep(inputs, points: int = 20, rule: str | None = None, options=None) -> dict:
    """Time a `points`-point sweep on one reused model against `points` independent solves
    (each a new model built, compiled and solved from scratch) at the same caps.

    The caps are the frontier's own (`sweep(points=...)`, timed as ``frontier_seconds``:
    that includes its bisection for the tightest cap). ``reused_seconds`` covers one build
    and compile plus the `points` solves; ``independent_seconds`` the `points` builds,
    compiles and solves; the ``*_solve_seconds`` the solver's time alone. The objectives of
    the two agree to ``max_objective_gap`` (relative)."""
    from ..build import build_model
    from ..pipeline import options_for
    from ..solve import solve

    options = options or options_for(inputs)
    start = time.perf_counter()
    frontier = sweep(inputs, rule, points=points, options=options)
    frontier_seconds = time.perf_counter() - start
    caps = [UNCAPPED] + [p.cap for p in frontier.points[1:]]

    start = time.perf_counter()
    sweeper = Sweeper(inputs, rule, options)
    reused = [sweeper.solve_at(cap)[0] for cap in caps]
    reused_seconds = time.perf_counter() - start

    independent, independent_seconds, independent_solve = [], 0.0, 0.0
    for cap in caps:
        changed, _, _ = sweep_inputs(inputs, rule, cap)
        start = time.perf_counter()
        result = solve(build_model(changed), options)
        independent_seconds += time.perf_counter() - start
        independent_solve += result.solve_seconds
        independent.append(result.objective)
    gaps = [
        abs(a.objective - b) / max(1.0, abs(b))
        for a, b in zip(reused, independent, strict=True)
        if a.objective is not None and b is not None
    ]
    return {
        "points": len(caps),
        "caps": caps,
        "flow_variables": len(inputs.flows),
        "frontier_seconds": frontier_seconds,
        "frontier_solves": frontier.solves,
        "reused_seconds": reused_seconds,
        "reused_solve_seconds": sum(p.seconds for p in reused),
        "independent_seconds": independent_seconds,
        "independent_solve_seconds": independent_solve,
        "speedup": independent_seconds / reused_seconds if reused_seconds else math.inf,
        "max_objective_gap": max(gaps, default=0.0),
    }


# ---------------------------------------------------------------------------- workbook


def line_chart(frame: pd.DataFrame, rule: str, currency: str) -> list:
    """Total cost against the cap, on the Frontier's chart sheet."""
    from ..report import ChartSpec

    if len(frame) == 0:
        return []
    what = "the default transit cap" if rule == DEFAULT_RULE else f"rule {rule}'s max_share"
    return [
        ChartSpec(
            SHEET,
            "line",
            f"Cost of diversification: total cost as {what} tightens",
            "cap",
            ["total_cost"],
            y_title=f"total cost ({currency})",
            y_format="money",
        )
    ]


@dataclass
class FrontierRun:
    results: object  # Results of the workbook's own plan, plus the Frontier sheet
    frontier: Frontier
    base: object  # SolveResult of the workbook's own plan
    path: Path | None
    exit_code: int


def run_frontier(
    source,
    output=None,
    *,
    rule: str | None = None,
    step: float = 0.05,
    points: int | None = None,
    refine: bool = True,
    time_limit: float | None = None,
    gap: float | None = None,
    verbose: bool = False,
    highs_options: dict | None = None,
) -> FrontierRun:
    """Solve the workbook as given and sweep its cap, all on one model; write the results
    workbook when `output` is given."""
    from ..data import Inputs
    from ..io.load import read_workbook
    from ..io.write import write_results
    from ..pipeline import EXIT_CODES, extract, options_for
    from .marginal import add_marginal_values

    inputs = source if isinstance(source, Inputs) else read_workbook(source)
    for warning in inputs.warnings:
        log.warning("%s", warning)
    options = options_for(inputs, time_limit, gap, verbose, highs_options)
    sweeper = Sweeper(inputs, rule, options)
    own = sweeper.own_cap if sweeper.own_cap is not None else UNCAPPED
    base_point, base = sweeper.solve_at(own, "workbook", load=True)
    if base.has_solution:
        add_marginal_values(sweeper.model, base, options)
    results = extract(sweeper.model, inputs, base, options)
    if base.status == "infeasible":
        from ..diagnose import diagnose

        results.sheets["Diagnosis"] = diagnose(inputs, options)
    uncapped = None
    if own >= UNCAPPED:
        uncapped = base_point
        uncapped.kind = "uncapped"
    frontier = sweep(
        rule=rule, step=step, points=points, refine=refine, sweeper=sweeper, uncapped=uncapped
    )
    frame = frontier.frame()
    if frontier.points:
        results.sheets[SHEET] = frame
    results.sheets["Log"] = pd.concat(
        [results.sheets["Log"], _log_rows(frontier, sweeper)], ignore_index=True
    )
    path = None
    if output is not None:
        charts = line_chart(frame, frontier.rule, results.currency)
        path = write_results(results, output, charts=charts if frontier.points else None)
    code = 0 if frontier.points else EXIT_CODES.get(frontier.uncapped.status, 1)
    return FrontierRun(results, frontier, base, path, code)


def _log_rows(frontier: Frontier, sweeper: Sweeper) -> pd.DataFrame:
    own = sweeper.own_cap
    lines = [
        f"swept {frontier.rule} (the workbook's cap: "
        f"{'none' if own is None else f'{own:g}'}) in {frontier.solves} solves on one model, "
        f"{frontier.seconds:.2f} s"
    ]
    if frontier.points:
        lines.append(f"uncapped plan: highest capped share {frontier.points[0].cap:.4f}")
    tightest = frontier.tightest
    if tightest is not None:
        above = (
            f"; cap {frontier.first_infeasible:.4f} is infeasible"
            if frontier.first_infeasible is not None
            else ""
        )
        lines.append(f"tightest feasible cap {tightest.cap:.4f}{above}")
    if frontier.stopped:
        lines.append(f"sweep stopped early: {frontier.stopped}")
    return pd.DataFrame({"level": "info", "where": "frontier", "message": lines})


# ---------------------------------------------------------------------------- command line


def _share_step(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("a step between 0 and 1, e.g. 0.05")
    return value


def _point_count(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("at least 2 points")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..cli import add_input_output, add_solve_options

    add_input_output(p, "frontier")
    p.add_argument(
        "--rule",
        metavar="NAME",
        help="sweep this Limits rule's max_share (default: default_max_transit_share)",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--step",
        type=_share_step,
        default=0.05,
        help="cap step below the uncapped share (default 0.05)",
    )
    how.add_argument(
        "--points",
        type=_point_count,
        metavar="N",
        help="N caps evenly from the uncapped share to the tightest feasible one",
    )
    p.add_argument(
        "--no-refine",
        dest="refine",
        action="store_false",
        help="do not bisect for the tightest feasible cap (1e-3) below the last step",
    )
    add_solve_options(p, verbose=True, highs=True)
    p.add_argument("--json", action="store_true", help="print the Frontier table as JSON")


def run(args) -> int:
    from ..io.write import check_output

    output = check_output(
        args.output or args.input.with_name(f"{args.input.stem}_frontier.xlsx"), [args.input]
    )
    done = run_frontier(
        args.input,
        output,
        rule=args.rule,
        step=args.step,
        points=args.points,
        refine=args.refine,
        time_limit=args.time_limit,
        gap=args.gap,
        verbose=args.verbose,
        highs_options=dict(args.highs_option),
    )
    frontier = done.frontier
    frame = frontier.frame()
    if args.json:
        import json

        print(json.dumps(frame.to_dict("records"), default=str, indent=2))
        return done.exit_code
    currency = done.results.currency
    if not frontier.points:
        print(f"no frontier: {frontier.stopped}")
    else:
        print(f"cost of diversification, {frontier.rule} ({frontier.solves} solves on one model):")
        print(f"  {'cap':>7}  {'total cost':>18}  {'premium':>16}  {'delivered':>14}  point")
        for p in frontier.points:
            premium = p.objective - frontier.uncapped.objective
            print(
                f"  {p.cap:7.2%}  {p.objective:18,.2f}  {premium:16,.2f}  "
                f"{p.delivered:14,.2f}  {p.kind}"
            )
        print(f"  (costs in {currency})")
        if frontier.first_infeasible is not None:
            print(f"no plan meets a cap of {frontier.first_infeasible:.2%}")
        if frontier.stopped:
            print(f"stopped early: {frontier.stopped}")
    if done.base.status == "infeasible":
        print("the workbook's own cap admits no plan; see the Diagnosis sheet")
    if done.path:
        print(f"results: {done.path}")
    return done.exit_code

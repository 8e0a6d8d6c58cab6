"""`corridor frontier`: the cost of diversification, one cap swept on one solver model.

The swept cap is the default transit cap (``default_max_transit_share``) or, with ``--rule
NAME``, the ``max_share`` of one Limits rule. The sweep starts from the *uncapped share*: the
plan solved with the cap lifted (1.0, which no share can exceed) and the highest share among
the capped rows. From there the cap steps down (``--step 0.05``) until a cap is infeasible;
the last feasible point is the tightest, refined by bisection to within 1e-3 (``--no-refine``
skips it). ``--points N`` instead finds the tightest feasible cap first and spreads N points
from the uncapped share down to it. A soft rule never makes the plan infeasible, so its sweep
ends at 0. A rule whose bound is 0 (a ban, "no uranium via RU") is swept upward from 0 to the
uncapped share: what the ban costs at each relaxation.

Every solve reuses one `Plan`: the cap sits in the share rows as the coefficient of the
scope's total (``through - cap * total <= 0``), so a new cap is one coefficient per capped
row, and the next solve starts from the previous basis (an LP) or plan (a MIP).

Each point gives the total cost and premium over the uncapped plan, and the cost and premium
of each commodity (its flows' costs), so "what uranium's diversification costs" is read off
the sheet (spec section 5), and each transit country's highest share.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data import Inputs
from ..errors import InputError, InputIssue, Issues, suggest
from ..highs import SolveOptions
from ..pipeline import solve_workbook
from ..plan import Plan
from ..report import Block, ChartSpec, Dashboard
from ..rules import DEFAULT_CAP_RULE, FlowCodes, expand_rules
from .command import Command, Report, fmt_money

SHEET = "Frontier"
UNCAPPED = 1.0  # a share never exceeds 1: the cap lifted
GRID = 1000  # bisection to 1 / GRID
PROBE_STEP = 0.05
SHARE_EPS = 1e-9


def _error(
    value: object, message: str, sheet: str = "Limits", column: str = "rule", code: str = "bad-rule"
):
    return InputError([InputIssue(sheet, "", column, value, message, code)])


def sweep_inputs(inputs: Inputs, rule: str | None = None) -> tuple[Inputs, str, float | None]:
    """Inputs whose swept rows exist (the default cap's rows are made when the workbook sets
    none); returns (inputs, rule name, the workbook's own cap or None). InputError when
    there is nothing to sweep."""
    name = rule or DEFAULT_CAP_RULE
    if name == DEFAULT_CAP_RULE:
        own = inputs.settings.get("default_max_transit_share")
        issues = Issues()
        table = expand_rules(
            inputs.flows,
            inputs.routes,
            inputs.limits,
            inputs.settings,
            inputs.commodities,
            issues,
            strict=False,
            default_cap=UNCAPPED if own is None else float(own),
        )
        issues.raise_if_any(inputs.source)
        if not (table.rows["rule"] == DEFAULT_CAP_RULE).any():
            raise _error(
                None,
                "nothing to sweep: no eligible route has a transit country that the default "
                "cap would cover (transit_country rules may replace it for every country)",
                "Settings",
                "default_max_transit_share",
            )
        return inputs.with_changes(rules=table), name, own
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
    rows = inputs.rules.rows
    if not ((rows["rule"] == name) & (rows["bound"] == "max_share")).any():
        raise _error(name, f"rule {name} constrains nothing (see the warnings); nothing to sweep")
    return inputs, name, float(own)


@dataclass
class Point:
    """One solve of the sweep."""

    cap: float
    status: str
    objective: float | None = None
    shares: dict[str, float] = field(default_factory=dict)  # transit country -> highest
    commodity_cost: dict[str, float] = field(default_factory=dict)
    highest: float = 0.0  # highest share among the swept rows
    kind: str = "step"  # uncapped, step, tightest, ban or workbook
    seconds: float = 0.0
    message: str = ""
    interrupted: bool = False

    @property
    def usable(self) -> bool:
        return self.status in ("optimal", "feasible") and not self.interrupted


class Sweeper:
    """One Plan; `solve_at(cap)` changes the swept rows' cap and solves."""

    def __init__(self, inputs: Inputs, rule: str | None = None, options=None):
        self.inputs, self.rule, self.own_cap = sweep_inputs(inputs, rule)
        self.plan = Plan(self.inputs, options)
        self.solves = 0
        self._plans: dict[float, np.ndarray] = {}  # MIP: cap -> plan, to start from
        flows = self.inputs.flows
        codes = FlowCodes(flows, self.inputs.routes)
        self._flow = self.plan.lp.columns["flow"]
        self._weight = flows["weight"].to_numpy(dtype=float)
        scope, _ = pd.MultiIndex.from_frame(
            flows[["destination", "commodity", "period"]]
        ).factorize()
        self._scope = np.asarray(scope)
        self._n_scopes = int(self._scope.max()) + 1 if len(flows) else 0
        pair_flow, country = codes.values("transit_country")
        self.countries, code = np.unique(country.astype(str), return_inverse=True)
        self._pair_flow = pair_flow
        self._pair_cell = self._scope[pair_flow] * len(self.countries) + code
        commodity, self.commodities = pd.factorize(flows["commodity"])
        self._commodity = np.asarray(commodity)
        rows = self.inputs.rules.rows
        self._swept = np.flatnonzero(
            ((rows["rule"] == self.rule) & (rows["bound"] == "max_share")).to_numpy()
        )

    def measure(self, x: np.ndarray) -> tuple[dict[str, float], dict[str, float], float]:
        """(country -> highest share, commodity -> its flows' cost, highest swept share)."""
        fx = x[self._flow.start : self._flow.stop].copy()
        fx[np.abs(fx) < SHARE_EPS] = 0.0
        wx = self._weight * fx
        totals = np.bincount(self._scope, weights=wx, minlength=self._n_scopes)
        n = len(self.countries)
        through = np.bincount(
            self._pair_cell, weights=wx[self._pair_flow], minlength=self._n_scopes * n
        ).reshape(self._n_scopes, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(totals[:, None] > SHARE_EPS, through / totals[:, None], 0.0)
        top = share.max(axis=0) if self._n_scopes else np.zeros(n)
        shares = {str(c): float(s) for c, s in zip(self.countries, top, strict=True)}
        cost = self.plan.lp.cost_vector()[self._flow.start : self._flow.stop] * fx
        by = np.bincount(self._commodity, weights=cost, minlength=len(self.commodities))
        costs = {str(k): float(v) for k, v in zip(self.commodities, by, strict=True)}
        table = self.inputs.rules
        group_through = table.group_sums(wx)
        rows = table.rows.iloc[self._swept]
        t = group_through[rows["group"].to_numpy(dtype=np.int64)]
        tot = table.scope_sums(wx)[rows["scope"].to_numpy(dtype=np.int64)]
        with np.errstate(divide="ignore", invalid="ignore"):
            row_share = np.where(tot > SHARE_EPS, t / tot, 0.0)
        highest = float(row_share.max()) if len(row_share) else 0.0
        return shares, costs, min(1.0, highest)

    def solve_at(self, cap: float, kind: str = "step") -> Point:
        start = time.perf_counter()
        self.plan.set_cap(cap, rule=self.rule)
        if self.plan.highs.is_mip and self._plans:
            tighter = [c for c in self._plans if c <= cap]  # feasible at this cap too
            near = max(tighter) if tighter else min(self._plans, key=lambda c: abs(c - cap))
            self.plan._last_x = self._plans[near]
        solution = self.plan.solve(duals=False)
        self.solves += 1
        result = solution.result
        point = Point(cap, result.status, kind=kind, message=result.message)
        point.interrupted = result.interrupted
        if solution.has_solution:
            self._plans[cap] = solution.x
            point.objective = result.objective
            point.shares, point.commodity_cost, point.highest = self.measure(solution.x)
        point.seconds = time.perf_counter() - start
        return point


@dataclass
class Frontier:
    rule: str
    points: list[Point]
    uncapped: Point
    first_infeasible: float | None = None
    stopped: str = ""
    countries: list[str] = field(default_factory=list)
    commodities: list[str] = field(default_factory=list)
    solves: int = 0
    seconds: float = 0.0

    @property
    def tightest(self) -> Point | None:
        return next((p for p in self.points if p.kind == "tightest"), None)

    def frame(self) -> pd.DataFrame:
        base = self.uncapped
        rows = []
        for p in self.points:
            row = {
                "cap": p.cap,
                "total_cost": p.objective,
                "premium": p.objective - base.objective if p.objective is not None else None,
            }
            for k in self.commodities:
                row[f"cost_{k}"] = p.commodity_cost.get(k)
            for k in self.commodities:
                row[f"premium_{k}"] = p.commodity_cost.get(k, 0.0) - base.commodity_cost.get(k, 0.0)
            row.update({f"max_share_{c}": p.shares.get(c, 0.0) for c in self.countries})
            row.update({"point": p.kind, "status": p.status})
            rows.append(row)
        columns = [
            "cap",
            "total_cost",
            "premium",
            *(f"cost_{k}" for k in self.commodities),
            *(f"premium_{k}" for k in self.commodities),
            *(f"max_share_{c}" for c in self.countries),
            "point",
            "status",
        ]
        return pd.DataFrame(rows, columns=columns)


def step_caps(start: float, step: float) -> list[float]:
    """Multiples of `step` strictly below `start`, descending to 0."""
    k = math.floor((start - 1e-9) / step)
    return [round(i * step, 10) for i in range(k, -1, -1)]


def _bisect(sweeper: Sweeper, lo: Point, hi: float) -> tuple[Point, float, str]:
    """Tightest feasible cap between a feasible point `lo` and an infeasible cap `hi`, among
    multiples of 1/GRID (so it reads 0.334, not 0.33359375)."""
    bad = math.floor(hi * GRID + 1e-9)
    good = math.ceil(lo.cap * GRID - 1e-9)
    best = lo
    while good - bad > 1:
        mid = (good + bad) // 2
        point = sweeper.solve_at(mid / GRID, "tightest")
        if point.usable:
            good, best = mid, point
        elif point.status == "infeasible":
            bad = mid
        else:
            return best, bad / GRID, f"cap {mid / GRID:g}: {point.status} {point.message}".strip()
    return best, max(hi, bad / GRID), ""


def sweep(
    inputs: Inputs | None = None,
    rule: str | None = None,
    *,
    step: float = 0.05,
    points: int | None = None,
    refine: bool = True,
    options: SolveOptions | None = None,
    sweeper: Sweeper | None = None,
) -> Frontier:
    """The frontier of one cap (see the module docstring)."""
    start = time.perf_counter()
    sweeper = sweeper or Sweeper(inputs, rule, options)
    uncapped = sweeper.solve_at(UNCAPPED, "uncapped")
    frontier = Frontier(
        sweeper.rule,
        [],
        uncapped,
        countries=[str(c) for c in sweeper.countries],
        commodities=[str(k) for k in sweeper.commodities],
    )
    if not uncapped.usable:
        frontier.stopped = f"the uncapped plan is {uncapped.status}"
    elif sweeper.own_cap == 0:
        _sweep_ban(sweeper, frontier, uncapped, step)
    else:
        first = Point(**{**uncapped.__dict__, "cap": uncapped.highest, "kind": "uncapped"})
        frontier.points.append(first)
        if points is not None:
            _sweep_points(sweeper, frontier, first, points)
        else:
            _sweep_steps(sweeper, frontier, first, step, refine)
    frontier.solves, frontier.seconds = sweeper.solves, time.perf_counter() - start
    return frontier


def _sweep_steps(sweeper, frontier: Frontier, first: Point, step: float, refine: bool) -> None:
    last = first
    for cap in step_caps(first.cap, step):
        point = sweeper.solve_at(cap)
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


def _sweep_points(sweeper, frontier: Frontier, first: Point, n: int) -> None:
    probe = Frontier(frontier.rule, [first], first)
    _sweep_steps(sweeper, probe, first, PROBE_STEP, refine=True)
    frontier.first_infeasible, frontier.stopped = probe.first_infeasible, probe.stopped
    bottom = probe.points[-1]
    if probe.stopped or bottom is first:
        return
    for cap in np.linspace(first.cap, bottom.cap, n)[1:-1]:
        point = sweeper.solve_at(round(float(cap), 6))
        if not point.usable:
            frontier.stopped = f"cap {cap:.4f}: {point.status} {point.message}".strip()
            return
        frontier.points.append(point)
    bottom.kind = "tightest"
    frontier.points.append(bottom)


def _sweep_ban(sweeper, frontier: Frontier, uncapped: Point, step: float) -> None:
    """A ban (cap 0) swept upward: 0, step, 2 step, ... up to the uncapped share."""
    top = uncapped.highest
    caps = [0.0] + [round(i * step, 10) for i in range(1, math.ceil(top / step - 1e-9))]
    for cap in caps:
        point = sweeper.solve_at(cap, "ban" if cap == 0 else "step")
        if not point.usable:
            frontier.stopped = f"cap {cap:g}: {point.status} {point.message}".strip()
            if point.status == "infeasible":
                continue
            return
        frontier.points.append(point)
    frontier.points.append(Point(**{**uncapped.__dict__, "cap": top, "kind": "uncapped"}))


def line_chart() -> list[ChartSpec]:
    return [
        ChartSpec(
            sheet=SHEET,
            kind="line",
            title="Total cost against the cap",
            categories="cap",
            series=["total_cost"],
            y_title="total cost",
            y_format="money",
        )
    ]


def headline(results, frontier: Frontier) -> Dashboard:
    frame = frontier.frame()
    k_cols = [c for c in frame.columns if c.startswith("premium_")]
    block = frame[["cap", "total_cost", "premium", *k_cols, "point"]]
    return Dashboard(
        title=f"Cost of diversification ({frontier.rule}): {results.input_file}",
        subtitle="the cap swept on one model; premium over the uncapped plan, per commodity",
        blocks=[
            Block(
                "Frontier",
                block,
                {
                    "cap": "share",
                    "total_cost": "money",
                    "premium": "money",
                    **{c: "money" for c in k_cols},
                    "point": "text",
                },
            )
        ],
        charts=[
            ChartSpec(
                sheet="Dashboard",
                block="Frontier",
                kind="line",
                title="Premium over the uncapped plan against the cap",
                categories="cap",
                series=["premium"],
                y_format="money",
            )
        ],
    )


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
    p.add_argument(
        "--rule",
        metavar="NAME",
        help="sweep this Limits rule's max_share (default: the default transit cap)",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument("--step", type=_share_step, default=0.05, help="cap step (default 0.05)")
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


def compute(inputs: Inputs, args: argparse.Namespace, options: SolveOptions) -> Report:
    outcome = solve_workbook(inputs, options)  # the workbook's own plan, with its sheets
    results = outcome.results
    frontier = sweep(
        inputs, args.rule, step=args.step, points=args.points, refine=args.refine, options=options
    )
    currency = results.currency
    lines = []
    if frontier.points:
        frame = frontier.frame()
        results.sheets[SHEET] = frame
        results.charts += line_chart()
        results.dashboard = headline(results, frontier)
        lines.append(
            f"cost of diversification, {frontier.rule} ({frontier.solves} solves on one model):"
        )
        base = frontier.uncapped.commodity_cost
        for p in frontier.points:
            premium = p.objective - frontier.uncapped.objective
            per = ", ".join(
                f"{k} {fmt_money(p.commodity_cost.get(k, 0) - base.get(k, 0), currency)}"
                for k in frontier.commodities
            )
            lines.append(
                f"  {p.cap:7.2%}  total {fmt_money(p.objective, currency)}  premium "
                f"{fmt_money(premium, currency)}  [{per}]  {p.kind}"
            )
        if frontier.first_infeasible is not None:
            lines.append(f"no plan meets a cap of {frontier.first_infeasible:.2%}")
    else:
        lines.append(f"no frontier: {frontier.stopped}")
    if frontier.stopped and frontier.points:
        lines.append(f"stopped early: {frontier.stopped}")
    if outcome.result.status == "infeasible":
        lines.append("the workbook's own cap admits no plan; see the Diagnosis sheet")
    notes = [
        {
            "level": "info",
            "where": "frontier",
            "message": f"swept {frontier.rule} in {frontier.solves} solves on one model, "
            f"{frontier.seconds:.2f} s",
        }
    ]
    code = 0 if frontier.points else outcome.exit_code or 1
    return Report(results, code, lines, notes)


COMMAND = Command(
    "frontier", "cost of diversification: sweep a cap", "frontier", compute, add_arguments
)

"""Solving robust plans: the extensive form, with recourse copies added where they bind.

`solve_robust(inputs, options)` returns a `RobustOutcome`: the plan (first stage and the
copies it was solved with), the evaluation of every guarded closure and period against that
plan, and the result tables (the plan's sheets plus ``Robustness`` and ``Booking``).

How (spec section 7; features/robust.py has the maths):

1. the master is the program plus the recourse copies of a set S of (closure, period) pairs:
   all of them when the extensive form is small (``lazy=False`` forces it), else none;
2. the plan's first stage is fixed and every copy is evaluated at once (one LP: the copies
   are independent given the first stage): its least-cost recourse, by how much its
   delivery floor fails (an elastic slack), and its recourse cost against the plan's;
3. a copy outside S that fails its floor, or whose closure has a probability and costs more
   than the plan's period, joins S; repeat until none does.

The master with fewer copies is a relaxation of the full extensive form (fewer constraints,
fewer non-negative cost terms); when no left-out copy is violated, its plan is feasible for
the full form at the same cost, hence optimal for it: the answer is the full form's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .build import build
from .data import Inputs
from .diagnose import COLUMNS, capacity_cell, rule_cell
from .errors import quantity
from .features.robust import Guard, RecourseBuilder, all_copies, guards
from .highs import HighsModel, Solution, SolveOptions, SolveResult
from .lp import LinearProgram
from .report import Block
from .schema import RESULT_SHEETS

log = logging.getLogger("corridor")

FULL_FORM_COLUMNS = 200_000  # below this many recourse columns, solve the full form at once
TOLERANCE = 1e-6
# A program with recourse copies is solved whole, never split into its period blocks (see
# `HighsModel.run`): on the medium benchmark with 20 closures (965k columns in four period
# blocks) HiGHS's dual simplex solved the whole LP in 239 s, where the blocks solved apart
# stalled (one block 130 s in, its objective not moving; no plan in 30 min), and primal
# simplex took 498 s on the blocks (benchmarks/results/robust_20_closures.json, README).


def recourse_options(options: SolveOptions, copies: bool = True) -> SolveOptions:
    """`options` for a master: with recourse copies, whole unless the caller chose."""
    if not copies or options.split is not None:
        return options
    return replace(options, split=False)


def _own(options: SolveOptions) -> SolveOptions:
    """The caller's time limit and HiGHS options for a solve of our own (an evaluation or a
    diagnosis), without its progress callback or cancel event."""
    return SolveOptions(time_limit=options.time_limit, highs_options=options.highs_options)


@dataclass
class Evaluation:
    """Every copy judged against a fixed first stage."""

    lp: LinearProgram
    builder: RecourseBuilder
    x: np.ndarray
    status: str
    message: str = ""

    @property
    def checked(self) -> bool:
        """Every copy's recourse was solved: only then do its figures mean anything."""
        return self.status == "optimal"

    def unchecked(self) -> SolveResult:
        """The outcome to report when the closures could not be checked against the plan: no
        plan can be called robust (a copy left unchecked may fail its floor)."""
        why = self.message or self.status
        hint = "" if why.endswith("raise time_limit") else ": raise time_limit"
        return SolveResult(
            "no_solution",
            message=f"the plan could not be checked against every guarded closure ({why}){hint}",
        )


@dataclass
class RobustOutcome:
    inputs: Inputs
    lp: LinearProgram
    solution: Solution
    copies: list[tuple[Guard, str]]  # in the final master
    every: list[tuple[Guard, str]]  # every guarded (closure, period)
    evaluation: Evaluation | None
    figures: pd.DataFrame | None
    rounds: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def master(inputs: Inputs, copies: list[tuple[Guard, str]]) -> LinearProgram:
    lp = build(inputs)
    RecourseBuilder(lp, inputs).add(copies)
    return lp


def _copy_size(inputs: Inputs, copies) -> int:
    flows = inputs.flows
    per_period = flows.groupby("period").size()
    return int(sum(per_period.get(t, 0) for _, t in copies))


def evaluate(inputs: Inputs, base: LinearProgram, x_first: np.ndarray, copies, options):
    """Fix the first stage at `x_first` and give every copy its least-cost recourse."""
    lp = build(inputs)
    builder = RecourseBuilder(lp, inputs, evaluate=True)
    builder.add(copies)
    lp.costs = {name: parts for name, parts in lp.costs.items() if name in builder.cost_names}
    for block in list(lp.columns.values())[: len(base.columns)]:
        value = x_first[block.start : block.stop]
        block.lower = value.copy()
        block.upper = value.copy()
        block.integer = False  # fixed: the recourse is an LP
    model = HighsModel(lp)
    # with the first stage fixed, splitting into period blocks pays (10 s against 12 s whole
    # on the medium benchmark with 20 closures)
    result = model.run(_own(options))
    x = model.values() if result.has_solution else np.zeros(lp.n_cols)
    return Evaluation(lp, builder, x, result.status, result.message)


def copy_figures(ev: Evaluation, inputs: Inputs, x_first: np.ndarray) -> pd.DataFrame:
    """Per copy and commodity: the plan's delivery in the period, what the closure stops,
    the recourse delivery, lost cargo (contract shortfall and unmet demand) and its value,
    logistics costs (recourse, with stock it draws below the plan's level at replacement
    cost, and plan); and per copy (commodity ALL): the floors' slack, violation costs
    (recourse and plan), probability and min_delivery."""
    lp, b, x = ev.lp, ev.builder, ev.x
    flows = inputs.flows
    commodity = flows["commodity"].to_numpy(dtype=object)
    period = flows["period"].to_numpy(dtype=object)
    flow = b.columns["flow"]
    fx = x_first[flow.start : flow.stop]
    cost = b.cost
    violation = b.columns.get("rule_violation")
    slack = lp.columns.get("floor_slack")
    drawn_commodity = None
    if b.drawdown is not None:
        drawn_commodity = b.drawdown.keys["commodity"].to_numpy(dtype=object)
        drawn_value = b.drawdown_cost * x[b.drawdown.start : b.drawdown.stop]
    # the plan's own lost cargo: value per (period, commodity)
    plan_lost: dict[tuple, float] = {}
    for lost in b.lost.values():
        first = b.columns.get(lost.first)
        if first is None or len(first) == 0:
            continue
        at = pd.MultiIndex.from_frame(lost.table[lost.keys]).get_indexer(
            pd.MultiIndex.from_frame(first.keys[lost.keys])
        )
        value = (cost * x_first)[first.start : first.stop]
        table = lost.table.iloc[at]
        for key, v in zip(
            zip(table["period"], table["commodity"], strict=True), value, strict=True
        ):
            plan_lost[key] = plan_lost.get(key, 0.0) + float(v)
    out = []
    drawn_at = 0
    for k, pick in enumerate(b.picks):
        t, name = pick.period, pick.guard.name
        in_t = period == t
        closed = np.zeros(len(flows), dtype=bool)
        closed[pick.closed] = True
        copied = pick.cols["flow"]
        rx = x[b.new_ids[k]["flow"]]
        lost_k, value_k, of_k = [], [], []
        for lost in b.lost.values():
            cols = lost.of(k)
            lost_k.append(x[cols])
            value_k.append(x[cols] * lost.penalty[cols - lost.block.start])
            of_k.append(lost.table["commodity"].to_numpy(dtype=object)[lost.rows[k]])
        sx = np.concatenate(lost_k) if lost_k else np.zeros(0)
        sv = np.concatenate(value_k) if value_k else np.zeros(0)
        sk = np.concatenate(of_k) if of_k else np.zeros(0, dtype=object)
        drawn = len(pick.cols.get("stock_level", ()))
        dk = drawn_commodity[drawn_at : drawn_at + drawn] if drawn else np.zeros(0, dtype=object)
        dv = drawn_value[drawn_at : drawn_at + drawn] if drawn else np.zeros(0)
        drawn_at += drawn
        for c in pd.unique(np.concatenate([commodity[in_t], sk])):
            of_c = np.flatnonzero(in_t & (commodity == c))
            mine = commodity[copied] == c
            out.append(
                {
                    "closure": name,
                    "period": t,
                    "commodity": c,
                    "plan_delivered": float(fx[of_c].sum()),
                    "stopped": float(fx[of_c[closed[of_c]]].sum()),
                    "delivered": float(rx[mine].sum()),
                    "shortfall": float(sx[sk == c].sum()),
                    "shortfall_value": float(sv[sk == c].sum()),
                    "plan_shortfall_value": plan_lost.get((t, c), 0.0),
                    "logistics": float(cost[flow.start + copied[mine]] @ rx[mine])
                    + float(dv[dk == c].sum()),
                    "plan_logistics": float(cost[flow.start + of_c] @ fx[of_c]),
                }
            )
        recourse_violations = plan_violations = 0.0
        if violation is not None and "rule_violation" in b.new_ids[k]:
            src = violation.start + pick.cols["rule_violation"]
            recourse_violations = float(cost[src] @ x[b.new_ids[k]["rule_violation"]])
            own = violation.start + np.flatnonzero((violation.keys["period"] == t).to_numpy())
            plan_violations = float(cost[own] @ x_first[own])
        floor_slack = 0.0
        if slack is not None:
            mine = (slack.keys["closure"] == name).to_numpy() & (
                slack.keys["period"] == t
            ).to_numpy()
            floor_slack = float(x[slack.start + np.flatnonzero(mine)].sum())
        out.append(
            {
                "closure": name,
                "period": t,
                "commodity": "ALL",
                "floor_slack": floor_slack,
                "violations": recourse_violations,
                "plan_violations": plan_violations,
                "probability": pick.guard.probability,
                "min_delivery": pick.guard.min_delivery,
            }
        )
    return pd.DataFrame(out)


def costs_of(rows: pd.DataFrame) -> tuple[float, float]:
    """(recourse cost, plan's period cost) of one copy's figures."""
    per = rows[rows["commodity"] != "ALL"]
    all_row = rows[rows["commodity"] == "ALL"].iloc[0]
    recourse = float(per["logistics"].sum() + per["shortfall_value"].sum()) + all_row["violations"]
    plan = (
        float(per["plan_logistics"].sum() + per["plan_shortfall_value"].sum())
        + all_row["plan_violations"]
    )
    return recourse, plan


def violated(figures: pd.DataFrame, included: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Copies outside the master whose floor fails or whose probable cost exceeds the plan's."""
    out = set()
    for (closure, period), rows in figures.groupby(["closure", "period"], sort=False):
        if (closure, period) in included:
            continue
        all_row = rows[rows["commodity"] == "ALL"].iloc[0]
        delivered = float(rows.loc[rows["commodity"] != "ALL", "plan_delivered"].sum())
        if all_row["floor_slack"] > TOLERANCE * max(1.0, delivered):
            out.add((closure, period))
        elif all_row["probability"] > 0:
            recourse, plan = costs_of(rows)
            if recourse - plan > TOLERANCE * max(1.0, abs(plan)):
                out.add((closure, period))
    return out


def solve_robust(
    inputs: Inputs, options: SolveOptions, *, lazy: bool | None = None
) -> RobustOutcome:
    """The robust plan (see the module docstring)."""
    start = time.perf_counter()
    every = all_copies(inputs, guards(inputs))
    if lazy is None:
        lazy = _copy_size(inputs, every) > FULL_FORM_COLUMNS
    included = [] if lazy else list(every)
    base = build(inputs)
    rounds = 0

    def outcome(solution: Solution, ev=None, figures=None) -> RobustOutcome:
        return RobustOutcome(
            inputs, lp, solution, included, every, ev, figures, rounds, time.perf_counter() - start
        )

    while True:
        rounds += 1
        lp = master(inputs, included)
        model = HighsModel(lp)
        run = recourse_options(options, bool(included))
        result = model.run(run)
        solution = model.solution(result, options=run)
        if not solution.has_solution:
            return outcome(solution)
        x_first = solution.x[: base.n_cols]
        ev = evaluate(inputs, base, x_first, every, options)
        if not ev.checked:
            log.warning("robust round %d: %s", rounds, ev.unchecked().message)
            return outcome(Solution(ev.unchecked()))
        figures = copy_figures(ev, inputs, x_first)
        keys = {(g.name, t) for g, t in included}
        more = violated(figures, keys) if lazy else set()
        log.info("robust round %d: %d copies, %d more bind", rounds, len(included), len(more))
        if not more:
            return outcome(solution, ev, figures)
        included += [(g, t) for g, t in every if (g.name, t) in more]


def robustness_sheet(out: RobustOutcome) -> pd.DataFrame:
    """The Robustness sheet: the closure report of spec section 5 for every guarded closure
    and period, against the plan's own period, with probability, min_delivery, binding."""
    return closure_rows(out.figures, out.inputs, _binding_copies(out))


def evaluate_closures(
    inputs: Inputs, x_first: np.ndarray, closures, options: SolveOptions
) -> tuple[pd.DataFrame | None, SolveResult | None]:
    """Figures (see `copy_figures`) of closures held for one period each against a plan's
    first stage: what the robust plan does when that closure happens; or, when the
    re-plans could not be solved (the time limit), None and what stopped them."""
    md = float(inputs.settings.get("robust_min_delivery") or 0.0)
    copies = all_copies(inputs, [Guard(c, 0.0, md) for c in closures])
    base = build(inputs)
    ev = evaluate(inputs, base, x_first, copies, options)
    if not ev.checked:
        return None, ev.unchecked()
    return copy_figures(ev, inputs, x_first), None


def closure_rows(
    figures: pd.DataFrame, inputs: Inputs, binding: set[tuple[str, str]]
) -> pd.DataFrame:
    """The closure report rows (spec section 5) of evaluated copies, with their period."""
    units = inputs.commodities["unit"]
    rows = []
    for (closure, period), group in figures.groupby(["closure", "period"], sort=False):
        all_row = group[group["commodity"] == "ALL"].iloc[0]
        per = group[group["commodity"] != "ALL"]
        recourse, plan = costs_of(group)
        common = {
            "closure": closure,
            "period": period,
            "probability": all_row["probability"],
            "min_delivery": all_row["min_delivery"],
            "binding": "yes" if (closure, period) in binding else "no",
        }
        logistics = float((per["logistics"] - per["plan_logistics"]).sum())
        rows.append(
            {
                **common,
                "commodity": "ALL",
                "unit": "",
                "shortfall_value": float(per["shortfall_value"].sum()),
                "logistics_cost_change": logistics,
                "total_cost_change": recourse - plan,
            }
        )
        for r in per.itertuples(index=False):
            base = r.plan_delivered
            rows.append(
                {
                    **common,
                    "commodity": r.commodity,
                    "unit": str(units.get(r.commodity) or ""),
                    "stopped": r.stopped,
                    "stopped_share": r.stopped / base if base > 0 else 0.0,
                    "delivered": r.delivered,
                    "delivered_share": r.delivered / base if base > 0 else 1.0,
                    "shortfall": r.shortfall,
                    "shortfall_value": r.shortfall_value,
                    "logistics_cost_change": r.logistics - r.plan_logistics,
                    "total_cost_change": r.logistics
                    - r.plan_logistics
                    + r.shortfall_value
                    - r.plan_shortfall_value,
                }
            )
    return pd.DataFrame(rows, columns=[c.name for c in RESULT_SHEETS["Robustness"]])


def closures_block(robustness: pd.DataFrame, inputs: Inputs) -> Block:
    """The Dashboard's robust headline: each guarded closure in its worst period, worst
    first (the lowest share of any commodity's delivery that still arrives, then the
    largest cost change), at most eight."""
    per = robustness[robustness["commodity"] != "ALL"]
    total = robustness[robustness["commodity"] == "ALL"].set_index(["closure", "period"])
    rows = []
    for closure, group in per.groupby("closure", sort=False):
        worst = group.loc[group["delivered_share"].astype(float).idxmin()]
        rows.append(
            {
                "closure": closure,
                "period": worst["period"],
                "commodity": worst["commodity"],
                "delivered_share": float(worst["delivered_share"]),
                "total_cost_change": float(
                    total.loc[(closure, worst["period"]), "total_cost_change"]
                ),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["closure", "period", "commodity", "delivered_share", "total_cost_change"]
    )
    frame = frame.sort_values(
        ["delivered_share", "total_cost_change"], ascending=[True, False], kind="stable"
    ).head(8)
    md = inputs.settings.get("robust_min_delivery")
    return Block(
        f"Guarded closures, each in its worst period (floor {float(md):.0%})",
        frame.reset_index(drop=True),
        {
            "closure": "text",
            "period": "text",
            "commodity": "text",
            "delivered_share": "share",
            "total_cost_change": "money",
        },
    )


def _binding_copies(out: RobustOutcome) -> set[tuple[str, str]]:
    """(closure, period) whose delivery floors have a non-zero dual in the master (with the
    integer decisions fixed)."""
    dual = out.solution.row_dual
    if dual is None:
        return set()
    binding = set()
    for name in ("delivery_floor", "demand_floor"):
        floor = out.lp.rows.get(name)
        if floor is None or len(floor) == 0:
            continue
        keys = floor.keys[np.abs(dual[floor.start : floor.stop]) > 1e-9]
        binding |= set(zip(keys["closure"], keys["period"], strict=True))
    return binding


def booking_sheet(out: RobustOutcome) -> pd.DataFrame:
    """Booking: per route and period, the capacity booked (blank where the route needs no
    booking), the plan's own load and the highest load of any guarded closure."""
    inputs, lp, x = out.inputs, out.lp, out.solution.x
    columns = [c.name for c in RESULT_SHEETS["Booking"]]
    loads = inputs.route_loads
    flows = inputs.flows
    cu = flows["capacity_use"].to_numpy(dtype=float)
    flow = lp.columns["flow"]
    base = np.bincount(
        loads.of_flow, weights=cu * x[flow.start : flow.stop], minlength=len(loads.keys)
    )
    highest = np.zeros(len(loads.keys))
    ev = out.evaluation
    if ev is not None and "recourse_flow" in ev.lp.columns:
        b = ev.builder
        for k, pick in enumerate(b.picks):
            copied = pick.cols["flow"]
            load = np.bincount(
                loads.of_flow[copied],
                weights=cu[copied] * ev.x[b.new_ids[k]["flow"]],
                minlength=len(loads.keys),
            )
            highest = np.maximum(highest, load)
    frame = loads.keys.copy()
    frame["booked"] = np.nan
    frame["base_load"] = base
    frame["highest_closure_load"] = highest
    frame["booking_cost"] = 0.0
    booking = lp.columns.get("booking")
    if booking is not None and len(booking):
        pos = pd.MultiIndex.from_frame(loads.keys).get_indexer(
            pd.MultiIndex.from_frame(booking.keys)
        )
        booked = x[booking.start : booking.stop]
        frame.loc[pos, "booked"] = booked
        price = booking.keys["route"].map(inputs.routes["booking_cost"]).to_numpy(dtype=float)
        frame.loc[pos, "booking_cost"] = booked * price
    order = inputs.period_index
    frame = frame.assign(_t=frame["period"].map(order)).sort_values(["route", "_t"])
    return frame[columns].reset_index(drop=True)


def closure_capacity_loads(out: RobustOutcome) -> pd.DataFrame:
    """The highest load of each capacity (type, id, period) in any evaluated closure (the
    recourse flows' part of each copy's capacity row): what an expansion is built for."""
    ev = out.evaluation
    columns = ["type", "id", "period", "highest"]
    if ev is None or "recourse_capacity_limit" not in ev.lp.rows:
        return pd.DataFrame(columns=columns)
    rows = ev.lp.rows["recourse_capacity_limit"]
    flows = ev.lp.columns["recourse_flow"]
    matrix = ev.lp.matrix("csr")[rows.start : rows.stop, flows.start : flows.stop]
    load = matrix @ ev.x[flows.start : flows.stop]
    frame = rows.keys[["type", "id", "period"]].assign(highest=load)
    return frame.groupby(["type", "id", "period"], as_index=False, sort=False)["highest"].max()


def with_closure_use(expansions: pd.DataFrame, inputs: Inputs, loads: pd.DataFrame) -> pd.DataFrame:
    """The Expansions sheet with used_above_base counting the guarded closures too: a robust
    plan may build capacity that only a closure uses."""
    if expansions.empty or loads.empty:
        return expansions
    base = inputs.capacity.set_index(["type", "id", "period"])["capacity"]
    highest = loads.set_index(["type", "id", "period"])["highest"]
    exp = inputs.expansions
    out = expansions.copy()
    for i, (kind, target, first) in enumerate(
        zip(exp["target_type"], exp["target"], exp["first_index"], strict=True)
    ):
        for t in inputs.periods[first:]:
            key = (kind, target, t)
            if key in base.index and key in highest.index:
                above = float(highest[key] - base[key])
                out.at[i, "used_above_base"] = max(out.at[i, "used_above_base"], above)
    return out


def diagnose_robust(inputs: Inputs, options: SolveOptions) -> pd.DataFrame:
    """Why no plan survives every guarded closure: the full extensive form made elastic in
    its second stage (each copy's capacity rows and hard rule rows may be exceeded, each
    slack normalised by its bound), integers relaxed; the non-zero slacks name the closure
    and period that cannot be covered and the least capacity (or rule) change that covers
    it, with the cell to edit."""
    every = all_copies(inputs, guards(inputs))
    lp = build(inputs)
    RecourseBuilder(lp, inputs).add(every)
    for block in lp.columns.values():
        block.integer = False
    lp.costs = {}
    slacks = {}
    for name in ("recourse_capacity_limit", "recourse_limit_rule"):
        block = lp.rows.get(name)
        if block is None or len(block) == 0:
            continue
        upper = np.isfinite(block.upper)
        if name == "recourse_limit_rule":  # hard rows only (soft ones have a violation)
            keys = block.keys
            hard = inputs.rules.rows["penalty"].isna()
            hard_rules = set(inputs.rules.rows.loc[hard, "rule"])
            upper &= keys["rule"].isin(hard_rules).to_numpy()
        local = np.flatnonzero(upper | np.isfinite(block.lower))
        slack = lp.add_columns(f"{name}_gap", block.keys.iloc[local])
        sign = np.where(np.isfinite(block.upper[local]), -1.0, 1.0)
        lp.extend_rows(name, local, slack.cols, sign)
        scale = np.where(
            np.isfinite(block.upper[local]), np.abs(block.upper[local]), np.abs(block.lower[local])
        )
        lp.add_cost(f"{name}_gap", slack.cols, 1.0 / np.maximum(scale, 1.0))
        slacks[name] = (slack, local)
    model = HighsModel(lp)
    result = model.run(recourse_options(_own(options)))
    rows = []
    if not result.has_solution:
        rows.append(
            {
                "option": "robust",
                "kind": "note",
                "target": "",
                "period": "",
                "current": None,
                "needed": None,
                "change": "no capacity or rule change in the closures makes every floor "
                "possible: lower robust_min_delivery or guard fewer closures",
                "cell": "",
            }
        )
        return pd.DataFrame(rows, columns=COLUMNS)
    x = model.values()
    for name, (slack, local) in slacks.items():
        block = lp.rows[name]
        gaps = x[slack.start : slack.stop]
        for k in np.flatnonzero(gaps > 1e-7):
            key = block.keys.iloc[local[k]]
            closure, period = key["closure"], key["period"]
            if name == "recourse_capacity_limit":
                kind, ident = key["type"], key["id"]
                current = float(block.upper[local[k]])
                needed = current + float(gaps[k])
                rows.append(
                    {
                        "option": f"robust: {closure} in {period}",
                        "kind": "capacity",
                        "target": f"{kind} {ident}",
                        "period": period,
                        "current": current,
                        "needed": needed,
                        "change": f"with {closure} closed in {period}, the floors hold only if "
                        f"{kind} {ident} has +{quantity(gaps[k])} capacity units (from "
                        f"{quantity(current)} to {quantity(needed)})",
                        "cell": capacity_cell(inputs, kind, ident, period),
                    }
                )
            else:
                rows.append(
                    {
                        "option": f"robust: {closure} in {period}",
                        "kind": "rule",
                        "target": f"{key['rule']}: {key['value']}",
                        "period": period,
                        "current": None,
                        "needed": None,
                        "change": f"with {closure} closed in {period}, rule {key['rule']} "
                        f"({key['bound']} on {key['value']}) stops the floors from holding",
                        "cell": rule_cell(inputs, key["rule"], key["bound"]),
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)

"""What-if plans: changes by planner name, the delivery-first solve, and the closure report.

A `Change` is one row of a Scenarios sheet (spec section 5) or one closure of the stress
test. `apply_changes` makes it on a `Plan` built with ``closures=True`` (in place, no
rebuild):

``close``           kind:id of the closure vocabulary (closures.py)
``scale_capacity``  node/leg/route:id or all, factor on capacity
``scale_cost``      leg/route:id or all, factor on transport cost
``scale_volume``    contract/commodity:id or all, factor on contracted volume (a commodity
                    or all: on its Demand volumes too)
``set_limit``       rule:name, new max_share (rule:default_cap sets the default cap)
``set_price``       offer/supplier:id, factor on the offer's (or supplier's) prices

A what-if plan is an emergency footing: every contract may fall short and every need go
unmet, at its penalty or ``closure_penalty``. `solve_delivery_first` first maximises delivery
(the sum over contract rows and needs of the share delivered, so a small contract counts as
much as a large one: a whole uranium contract is never traded for a sliver of oil), then
minimises cost with that delivery held.

`snapshot` keeps what a report needs of a solved plan (small enough to send back from a
worker process); `closure_report` sets a snapshot against the base plan in the columns of
spec section 5, one row per commodity and one ``ALL`` row that totals money only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .closures import Closure, closed_flows, parse_closure
from .highs import Solution, SolveOptions
from .lp import INF
from .plan import Plan
from .results import flows_sheet
from .rules import DEFAULT_CAP_RULE

CHANGES = ("close", "scale_capacity", "scale_cost", "scale_volume", "set_limit", "set_price")
DELIVERY_SLACK = 1e-7  # relative room left on the maximal delivery in the cost phase
SHORT = 1e-6  # a delivered share below 1 - SHORT is short
ALL = "ALL"
REPORT_COLUMNS = [
    "closure",
    "commodity",
    "unit",
    "stopped",
    "stopped_share",
    "delivered",
    "delivered_share",
    "shortfall",
    "shortfall_value",
    "logistics_cost_change",
    "total_cost_change",
]


@dataclass(frozen=True)
class Change:
    change: str
    target: str  # "kind:id" or "all"
    value: float | None = None

    @property
    def kind(self) -> str:
        return self.target.split(":", 1)[0].strip().lower() if ":" in self.target else "all"

    @property
    def ident(self) -> str | None:
        return self.target.split(":", 1)[1].strip() if ":" in self.target else None

    def __str__(self) -> str:
        if self.change == "close":
            return f"close {self.target}"
        if self.change == "set_limit":
            return f"set_limit {self.target} = {self.value:g}"
        return f"{self.change} {self.target} x{self.value:g}"


def apply_changes(
    plan: Plan, changes: list[Change], *, keep_caps: bool = False, lift_rules: bool = False
) -> list[str]:
    """Make the changes on the plan (see the module docstring). Returns the commodities whose
    default cap (or, with lift_rules, share rules) a closure suspended somewhere."""
    lifted: list[np.ndarray] = []
    for ch in changes:
        kind, ident = ch.kind, ch.ident
        if ch.change == "close":
            done = plan.close(parse_closure(ch.target), keep_caps=keep_caps, lift_rules=lift_rules)
            lifted.append(done["lifted_rows"])
        elif ch.change == "scale_capacity":
            plan.set_capacity(kind, ident, factor=float(ch.value))
        elif ch.change == "scale_cost":
            plan.set_cost(kind, ident, factor=float(ch.value))
        elif ch.change == "scale_volume":
            plan.set_volume(kind, ident, factor=float(ch.value))
        elif ch.change == "set_limit":
            plan.set_cap(float(ch.value), rule=ident or DEFAULT_CAP_RULE)
        elif ch.change == "set_price":
            plan.set_price(kind, ident, factor=float(ch.value))
        else:
            raise ValueError(f"unknown change {ch.change!r}; use one of {', '.join(CHANGES)}")
    rows = np.unique(np.concatenate(lifted)) if lifted else np.zeros(0, dtype=np.int64)
    touched = set(plan.inputs.rules.rows["commodity"].to_numpy()[rows])
    return [k for k in plan.inputs.commodities.index if k in touched]


def _slacks(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """The shortfall and unmet columns, and each one's volume (its row's, as it stands)."""
    cols, volumes = [], []
    for column, row, side in (
        ("shortfall", "delivery", "upper"),
        ("unmet", "demand_balance", "lower"),
    ):
        slack = plan.lp.columns.get(column)
        if slack is None or len(slack) == 0:
            continue
        block = plan.lp.rows[row]
        cols.append(slack.cols)
        volumes.append(getattr(block, side)[block.locate(slack.keys) - block.start])
    if not cols:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(cols), np.concatenate(volumes)


def solve_delivery_first(plan: Plan, options: SolveOptions | None = None) -> Solution:
    """Maximise delivery, then minimise cost with it held (see the module docstring)."""
    short_cols, volume = _slacks(plan)
    if len(short_cols) == 0:
        return plan.solve(options, duals=False)
    weight = np.where(volume > 0, 1.0 / np.maximum(volume, 1e-12), 0.0)
    h = plan.highs
    n = plan.lp.n_cols
    every = np.arange(n)
    cost = plan.lp.cost_vector()
    h.change_costs(every, np.zeros(n))
    h.change_costs(short_cols, weight)
    first = plan.solve(options, duals=False)
    h.change_costs(every, cost)
    if not first.has_solution:
        return first
    least = max(0.0, float(first.result.objective))
    row = sp.csr_array(
        (weight, (np.zeros(len(short_cols), dtype=np.int64), short_cols)), shape=(1, n)
    )
    added = h.add_rows(np.array([-INF]), np.array([least * (1 + DELIVERY_SLACK) + 1e-9]), row)
    try:
        solution = plan.solve(options, duals=False)
    finally:
        h.delete_rows(added)
    return solution


@dataclass
class Snapshot:
    """What a report needs of one solved plan."""

    name: str
    changes: list[str]
    status: str
    message: str = ""
    objective: float | None = None
    costs: dict[str, float] = field(default_factory=dict)
    # per commodity: delivered, shortfall, shortfall_value, logistics (flows' own costs)
    commodities: pd.DataFrame | None = None
    route_volume: pd.DataFrame | None = None  # route, commodity, volume (commodity units)
    flows: pd.DataFrame | None = None  # the Flows sheet, when asked for
    suspended: list[str] = field(default_factory=list)  # commodities whose cap was suspended

    @property
    def has_plan(self) -> bool:
        return self.objective is not None


def snapshot(plan: Plan, solution: Solution, name: str, *, with_flows: bool = False) -> Snapshot:
    """The Snapshot of a solved plan."""
    snap = Snapshot(name, list(plan.changes), solution.status, solution.result.message)
    if not solution.has_solution:
        return snap
    inputs, lp, x = plan.inputs, plan.lp, solution.x
    flow = lp.columns["flow"]
    fx = x[flow.start : flow.stop].copy()
    fx[np.abs(fx) < 1e-9] = 0.0
    flows = inputs.flows
    commodity = flows["commodity"].to_numpy(dtype=object)
    cost = lp.cost_vector()
    frame = pd.DataFrame(
        {"commodity": commodity, "delivered": fx, "logistics": fx * cost[flow.start : flow.stop]}
    )
    per = frame.groupby("commodity", sort=False)[["delivered", "logistics"]].sum()
    per["shortfall"] = 0.0
    per["shortfall_value"] = 0.0
    parts = []  # contract shortfall and unmet demand: the cargo the plan loses
    for column in ("shortfall", "unmet"):
        slack = lp.columns.get(column)
        if slack is None or len(slack) == 0:
            continue
        sx = x[slack.start : slack.stop]
        k = (
            slack.keys["commodity"].to_numpy(dtype=object)
            if column == "unmet"
            else (
                inputs.contract_rows["commodity"].to_numpy(dtype=object)[
                    lp.rows["delivery"].locate(slack.keys) - lp.rows["delivery"].start
                ]
            )
        )
        parts.append(
            pd.DataFrame({"commodity": k, "shortfall": sx, "value": sx * cost[slack.cols]})
        )
    if parts:
        s = pd.concat(parts, ignore_index=True)
        agg = s.groupby("commodity", sort=False)[["shortfall", "value"]].sum()
        per = per.reindex(list(per.index) + [k for k in agg.index if k not in per.index])
        per[["delivered", "logistics"]] = per[["delivered", "logistics"]].fillna(0.0)
        per["shortfall"] = agg["shortfall"].reindex(per.index).fillna(0.0)
        per["shortfall_value"] = agg["value"].reindex(per.index).fillna(0.0)
    order = [c for c in inputs.commodities.index if c in per.index]
    snap.commodities = per.reindex(order)
    snap.objective = float(solution.result.objective)
    snap.costs = lp.cost_values(x)
    routes = pd.DataFrame(
        {"route": flows["route"].to_numpy(), "commodity": commodity, "volume": fx}
    )
    routes = routes[routes["volume"] > 0]
    snap.route_volume = routes.groupby(["route", "commodity"], sort=False)["volume"].sum()
    if with_flows:
        snap.flows = flows_sheet(flows.assign(x=fx), inputs)
    return snap


def stopped_by(plan: Plan, base: Snapshot, closures: list[Closure]) -> pd.Series:
    """Per commodity: the base plan's volume on the routes the closures remove."""
    inputs = plan.inputs
    local = np.unique(np.concatenate([closed_flows(inputs, c) for c in closures] or [[]]))
    routes = set(inputs.flows["route"].to_numpy()[local.astype(np.int64)])
    if base.route_volume is None or not routes:
        return pd.Series(dtype=float)
    rv = base.route_volume
    hit = rv[rv.index.get_level_values("route").isin(routes)]
    return hit.groupby(level="commodity").sum()


def closure_report(
    name: str, base: Snapshot, variant: Snapshot, stopped: pd.Series, units: pd.Series
) -> pd.DataFrame:
    """Rows of the closure report (spec section 5): ALL first, then one per commodity."""
    rows = []
    base_per = base.commodities
    if variant.has_plan and base.has_plan:
        logistics = _logistics(variant) - _logistics(base)
        total = variant.objective - base.objective
        value = float(variant.commodities["shortfall_value"].sum())
    else:
        logistics = total = value = np.nan
    rows.append(
        {
            "closure": name,
            "commodity": ALL,
            "unit": "",
            "shortfall_value": value,
            "logistics_cost_change": logistics,
            "total_cost_change": total,
        }
    )
    for k in base_per.index if base_per is not None else []:
        delivered_base = float(base_per.at[k, "delivered"])
        stop = float(stopped.get(k, 0.0))
        row = {
            "closure": name,
            "commodity": k,
            "unit": str(units.get(k) or ""),
            "stopped": stop,
            "stopped_share": stop / delivered_base if delivered_base > 0 else 0.0,
        }
        if variant.has_plan and k in variant.commodities.index:
            v = variant.commodities.loc[k]
            change = float(v["logistics"] - base_per.at[k, "logistics"])
            row.update(
                {
                    "delivered": float(v["delivered"]),
                    "delivered_share": float(v["delivered"]) / delivered_base
                    if delivered_base > 0
                    else 1.0,
                    "shortfall": float(v["shortfall"]),
                    "shortfall_value": float(v["shortfall_value"]),
                    "logistics_cost_change": change,
                    "total_cost_change": change
                    + float(v["shortfall_value"] - base_per.at[k, "shortfall_value"]),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


LOST = ("shortfall_cost", "unmet_cost", "violation_cost", "stock_penalty_cost")


def _logistics(snap: Snapshot) -> float:
    """Every cost but lost cargo (contract shortfall, unmet demand) and penalties for
    breaking a rule or a soft reserve floor."""
    return float(snap.objective - sum(snap.costs.get(c, 0.0) for c in LOST))


def worst_share(report: pd.DataFrame) -> float:
    """The lowest delivered_share among a closure's commodity rows (NaN: no plan)."""
    shares = report.loc[report["commodity"] != ALL, "delivered_share"].astype(float)
    return float(shares.min()) if len(shares) and shares.notna().all() else np.nan


def sort_reports(reports: list[pd.DataFrame]) -> pd.DataFrame:
    """Closures worst first: lowest delivered share of any commodity, then the largest
    total cost change; each closure's rows stay together (ALL first)."""
    if not reports:
        return pd.DataFrame(columns=REPORT_COLUMNS)

    def key(report: pd.DataFrame) -> tuple[float, float]:
        worst = worst_share(report)
        total = report.loc[report["commodity"] == ALL, "total_cost_change"].astype(float)
        t = float(total.iloc[0]) if len(total) and total.notna().all() else np.inf
        return (-np.inf if np.isnan(worst) else worst, -t)

    ordered = sorted(reports, key=key)
    return pd.concat(ordered, ignore_index=True)

"""What-if changes to a workbook, and the delivery-first solve that closures need.

A change is applied to the typed input tables and the inputs are prepared again (with
`what_if=True`), so every derived fact stays consistent and no rule is bypassed.

Changes (spec section 5, `Scenarios` sheet):

``close``           kind:id with kind country, chokepoint, corridor, node, leg or route:
                    every route whose transit countries, chokepoints, corridor, nodes or
                    legs include it is made inactive
``scale_capacity``  node/leg/route:id or all, factor on base and period capacities
``scale_cost``      leg/route:id or all, factor on transport cost
``scale_volume``    contract/commodity:id or all, factor on contracted volume
``set_limit``       rule:name, new max_share (rule:default_cap sets the default transit cap)

With closures a contract may lose every route, so shortfall is always allowed (at the
contract's penalty or one above every other cost) and `solve_delivery_first` first
maximises delivery (capacity units), then minimises cost with delivery held there.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from .build import build_model
from .data import Inputs, prepare
from .errors import Issues
from .features.base import linear
from .io.cells import Table
from .rules import DEFAULT_CAP_RULE
from .solve import SolveOptions, SolveResult, solve

CLOSE_KINDS = ("country", "chokepoint", "corridor", "node", "leg", "route")
CHANGES = ("close", "scale_capacity", "scale_cost", "scale_volume", "set_limit")
DELIVERY_SLACK = 1e-7  # relative room left on the maximal delivery in the cost phase


@dataclass(frozen=True)
class Change:
    change: str
    target: str  # "kind:id" or "all"
    value: float | None = None

    @property
    def kind(self) -> str:
        return self.target.split(":", 1)[0].strip().lower() if ":" in self.target else "all"

    @property
    def ident(self) -> str:
        return self.target.split(":", 1)[1].strip() if ":" in self.target else ""

    def __str__(self) -> str:
        value = "" if self.value is None else f" x{self.value:g}"
        if self.change == "set_limit":
            value = f" = {self.value:g}"
        return f"{self.change} {self.target}{value}"


def routes_closed_by(inputs: Inputs, kind: str, ident: str) -> set[str]:
    """Routes that a closure of (kind, ident) removes."""
    routes = inputs.routes
    column = {
        "country": "transit",
        "chokepoint": "chokepoints",
        "node": "nodes",
        "leg": "legs",
    }.get(kind)
    if kind == "corridor":
        return set(routes.index[routes["corridor"] == ident])
    if kind == "route":
        return {ident} & set(routes.index)
    if column is None:
        raise ValueError(f"cannot close {kind!r}; use one of {', '.join(CLOSE_KINDS)}")
    return {r for r, values in routes[column].items() if ident in values}


def _tables(inputs: Inputs) -> dict[str, Table]:
    return {
        name: Table(t.sheet, t.frame.copy(), dict(t.letters))
        for name, t in copy.copy(inputs.tables).items()
    }


def _scale(frame, mask, column: str, factor: float) -> None:
    values = frame.loc[mask, column]
    frame.loc[mask, column] = [v * factor if v is not None and v == v else v for v in values]


def _with_setting(table: Table | None, name: str, value: object) -> Table:
    """The Settings table with `name` set to `value` (added when absent)."""
    import pandas as pd

    from .schema import normalise_name

    if table is None:
        frame = pd.DataFrame(
            {
                "setting": pd.Series(dtype=object),
                "value": pd.Series(dtype=object),
                "_row": pd.Series(dtype=int),
            }
        )
        table = Table("Settings", frame, {"setting": "A", "value": "B"})
    frame = table.frame
    hit = frame["setting"].map(normalise_name) == name
    if hit.any():
        frame.loc[hit, "value"] = value
    else:
        row = {
            "setting": name,
            "value": value,
            "_row": int(frame["_row"].max() or 1) + 1 if len(frame) else 2,
        }
        table.frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
    return table


def apply(inputs: Inputs, changes: list[Change]) -> Inputs:
    """New Inputs with the changes applied (the original is untouched)."""
    tables = _tables(inputs)
    route_cost: dict[str, float] = {}
    for ch in changes:
        kind, ident = ch.kind, ch.ident
        if ch.change == "close":
            closed = routes_closed_by(inputs, kind, ident)
            routes = tables["Routes"].frame
            routes.loc[routes["route"].isin(closed), "active"] = False
        elif ch.change == "scale_capacity":
            for k, sheet in (("node", "Nodes"), ("leg", "Legs"), ("route", "Routes")):
                if kind in ("all", k):
                    frame = tables[sheet].frame
                    mask = frame[k] == ident if kind == k else np.ones(len(frame), bool)
                    _scale(frame, mask, "capacity", ch.value)
            if "Capacities" in tables:
                frame = tables["Capacities"].frame
                mask = (
                    (frame["target_type"] == kind) & (frame["target"] == ident)
                    if kind != "all"
                    else np.ones(len(frame), bool)
                )
                _scale(frame, mask, "capacity", ch.value)
        elif ch.change == "scale_cost":
            if kind in ("all", "leg"):
                frame = tables["Legs"].frame
                mask = frame["leg"] == ident if kind == "leg" else np.ones(len(frame), bool)
                _scale(frame, mask, "cost", ch.value)
            elif kind == "route":
                route_cost[ident] = route_cost.get(ident, 1.0) * ch.value
        elif ch.change == "scale_volume":
            frame = tables["Contracts"].frame
            column = {"contract": "contract", "commodity": "commodity"}.get(kind)
            mask = frame[column] == ident if column else np.ones(len(frame), bool)
            _scale(frame, mask, "volume", ch.value)
        elif ch.change == "set_limit" and ident == DEFAULT_CAP_RULE:
            tables["Settings"] = _with_setting(
                tables.get("Settings"), "default_max_transit_share", ch.value
            )
        elif ch.change == "set_limit":
            frame = tables["Limits"].frame
            frame.loc[frame["rule"] == ident, "max_share"] = ch.value
        else:
            raise ValueError(f"unknown change {ch.change!r}; use one of {', '.join(CHANGES)}")
    changed = prepare(tables, Issues(), inputs.source, inputs.sha256, what_if=True)
    if route_cost:  # a route's transport cost is not a workbook cell: scale it on the flows
        flows = changed.flows
        factor = flows["route"].map(route_cost).fillna(1.0).to_numpy()
        flows["unit_cost"] += flows["transport"] * (factor - 1.0)
        flows["transport"] *= factor
    return changed


def solve_delivery_first(
    inputs: Inputs, options: SolveOptions | None = None
) -> tuple[pyo.ConcreteModel, SolveResult, float]:
    """Maximise delivery, then minimise cost with it held; returns (model, result, delivered)
    where delivered is in capacity units."""
    options = options or SolveOptions()
    m = build_model(inputs)
    demand = inputs.demand
    cu = inputs.commodities["capacity_use"]
    keys = list(m.SHORTFALLS)
    weights = [float(cu[demand_commodity]) for demand_commodity in _commodity_of(inputs, keys)]
    short = linear(weights, [m.shortfall[k] for k in keys])
    m.total_cost.deactivate()
    m.least_shortfall = pyo.Objective(expr=short, sense=pyo.minimize)
    first = solve(m, options)
    contracted = float((demand["volume"] * demand["commodity"].map(cu)).sum())
    if not first.has_solution:
        return m, first, 0.0
    least = max(0.0, float(first.objective))
    m.least_shortfall.deactivate()
    m.hold_delivery = pyo.Constraint(expr=short <= least * (1 + DELIVERY_SLACK) + 1e-6)
    m.total_cost.activate()
    result = solve(m, options)
    return m, result, contracted - least


def _commodity_of(inputs: Inputs, keys: list[tuple[str, str]]) -> list[str]:
    demand = inputs.demand.set_index(["contract", "period"])["commodity"]
    return [demand[k] for k in keys]

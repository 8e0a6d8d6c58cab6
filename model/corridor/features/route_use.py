"""Route commitments: fixed cost and minimum volume.

Components
----------
COMMITTED            routes with a fixed_cost or min_volume that some contract may use
use_route[r]         binary: the route is opened
route_open_limit[r,t]:   load[r,t] <= M[r,t] * use_route[r]
route_min_volume[r,t]:   load[r,t] >= min_volume[r] * use_route[r]   (every period)
cost term ``fixed_cost`` = sum fixed_cost[r] * use_route[r]

load[r,t] = sum_{flows on r in t} capacity_use * flow (capacity units). M[r,t] is the
tightest bound the data give: the smallest capacity (plus every possible expansion) of the
route, its legs and its nodes in t, and the contract volume that can reach r in t.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from . import expansions
from .base import add_cost, linear, row

LOOSE_M = 1e7  # only for the benchmark's comparison of tight against loose big-M


def route_loads(inputs) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(route, period) -> (flow positions, capacity_use) of its flows."""
    f = inputs.flows
    cu = f["capacity_use"].to_numpy()
    index = f.groupby(["route", "period"], sort=False).indices
    return {key: (idx, cu[idx]) for key, idx in index.items()}


def tight_bounds(inputs, by_target: dict) -> dict[tuple[str, str], float]:
    """M[r,t]: min(capacity + max expansion over the route's resources, reachable volume)."""
    f, cap, usage = inputs.flows, inputs.capacity, inputs.usage
    order = inputs.period_index
    reach = f["capacity_use"] * inputs.demand["volume"].to_numpy()[f["demand"].to_numpy()]
    bound = reach.groupby([f["route"], f["period"]]).sum().to_dict()
    if len(cap):
        room = [
            c + expansions.max_added(by_target, k, i, order[t])
            for k, i, t, c in zip(
                cap["type"], cap["id"], cap["period"], cap["capacity"], strict=True
            )
        ]
        loaded = pd.DataFrame(
            {
                "route": f["route"].to_numpy()[usage["flow"].to_numpy()],
                "period": f["period"].to_numpy()[usage["flow"].to_numpy()],
                "room": np.asarray(room)[usage["cap_row"].to_numpy()],
            }
        )
        for key, value in loaded.groupby(["route", "period"])["room"].min().items():
            bound[key] = min(bound.get(key, math.inf), value)
    return bound


def loads_and_bounds(m: pyo.Block, inputs) -> tuple[dict, dict]:
    """route_loads and tight_bounds, computed once per model (route use and lots need both)."""
    if getattr(m, "route_loads_and_bounds", None) is None:
        m.route_loads_and_bounds = (
            route_loads(inputs),
            tight_bounds(inputs, m.expansions_by_target),
        )
    return m.route_loads_and_bounds


def add(m: pyo.Block, inputs, tight: bool = True) -> None:
    routes = inputs.routes
    used = set(inputs.flows["route"])
    committed = [
        r
        for r in routes.index
        if r in used and (routes.at[r, "fixed_cost"] > 0 or routes.at[r, "min_volume"] > 0)
    ]
    if not committed:
        return
    m.COMMITTED = pyo.Set(initialize=committed, ordered=True)
    m.use_route = pyo.Var(m.COMMITTED, within=pyo.Binary)
    loads, tight_bound = loads_and_bounds(m, inputs)
    bound = tight_bound if tight else {}
    pairs = [(r, t) for r in committed for t in inputs.periods]

    def load(r, t):
        return loads.get((r, t), ((), ()))

    def open_rule(_, r, t):
        idx, coefs = load(r, t)
        if not len(idx):
            return pyo.Constraint.Skip
        big_m = bound.get((r, t), LOOSE_M) if tight else LOOSE_M
        return row(m, idx, coefs, [m.use_route[r]], [-big_m]) <= 0

    def min_rule(_, r, t):
        minimum = float(routes.at[r, "min_volume"])
        if minimum <= 0:
            return pyo.Constraint.Skip
        idx, coefs = load(r, t)
        return row(m, idx, coefs, [m.use_route[r]], [-minimum]) >= 0

    m.ROUTE_PERIODS = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.route_open_limit = pyo.Constraint(m.ROUTE_PERIODS, rule=open_rule)
    m.route_min_volume = pyo.Constraint(m.ROUTE_PERIODS, rule=min_rule)
    add_cost(
        m,
        "fixed_cost",
        linear(routes.loc[committed, "fixed_cost"].to_numpy(), [m.use_route[r] for r in committed]),
    )

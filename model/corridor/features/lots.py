"""Shipment lots.

Components
----------
LOTTED                 (route, period) with a lot_size and some flow variable
shipments[r,t]         integer >= 0, lots sent (upper bound ceil(M[r,t] / lot_size))
lot_count[r,t]:        load[r,t] <= lot_size[r] * shipments[r,t]
cost term ``lot_cost`` = sum lot_cost[r] * shipments[r,t]
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from .base import add_cost, linear, row
from .route_use import loads_and_bounds


def add(m: pyo.Block, inputs) -> None:
    routes = inputs.routes
    lotted = routes.index[routes["lot_size"] > 0]
    if len(lotted) == 0:
        return
    loads, bound = loads_and_bounds(m, inputs)
    keys = [(r, t) for r in lotted for t in inputs.periods if (r, t) in loads]
    if not keys:
        return
    size = routes["lot_size"].to_dict()
    m.LOTTED = pyo.Set(initialize=keys, dimen=2, ordered=True)

    def most_lots(_, r, t):
        lots = bound.get((r, t), math.inf) / size[r]  # a tiny lot size can overflow to inf
        return (0, math.ceil(lots - 1e-9) if math.isfinite(lots) else None)

    m.shipments = pyo.Var(m.LOTTED, within=pyo.NonNegativeIntegers, bounds=most_lots)

    def rule(_, r, t):
        idx, co = loads[r, t]
        return row(m, idx, co, [m.shipments[r, t]], [-size[r]]) <= 0

    m.lot_count = pyo.Constraint(m.LOTTED, rule=rule)
    add_cost(
        m,
        "lot_cost",
        linear([routes.at[r, "lot_cost"] for r, _ in keys], [m.shipments[k] for k in keys]),
    )

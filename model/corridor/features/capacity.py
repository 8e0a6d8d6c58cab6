"""Node, leg and route capacities per period.

Components
----------
CAPACITIES              (type, id, period) with a finite capacity that some flow can load
capacity_limit[k,i,t]:  sum_{flows through i in t} capacity_use * flow
                          - sum_{e on i in effect in t} added_capacity[e] * build[e]
                          <= capacity[k,i,t]
A route loads its own capacity, every leg's and every node's, origin and destination
included. Reads ``inputs.capacity`` and ``inputs.usage`` (data.py).
"""

from __future__ import annotations

import pyomo.environ as pyo

from . import expansions
from .base import groups, row


def add(m: pyo.Block, inputs) -> None:
    cap = inputs.capacity
    if cap.empty:
        return
    usage = inputs.usage
    members = {
        k: (idx, co)
        for k, idx, co in groups(
            usage["cap_row"].to_numpy(), usage["flow"].to_numpy(), usage["coef"].to_numpy()
        )
    }
    keys = list(zip(cap["type"], cap["id"], cap["period"], strict=True))
    limit = cap["capacity"].to_numpy()
    position = {k: i for i, k in enumerate(keys)}
    order = inputs.period_index

    def rule(_, kind, ident, period):
        i = position[kind, ident, period]
        idx, co = members[i]
        added = expansions.added_terms(m, kind, ident, order[period])
        body = row(m, idx, co, [v for _, v in added], [-a for a, _ in added])
        return body <= float(limit[i])

    m.CAPACITIES = pyo.Set(initialize=keys, dimen=3, ordered=True)
    m.capacity_limit = pyo.Constraint(m.CAPACITIES, rule=rule)

"""Delivery of each contract in each period, with optional shortfall.

Components
----------
SHORTFALLS              (contract, period) rows of ``inputs.demand`` with a penalty
shortfall[c,t]          in [0, volume], commodity units not delivered
delivery[c,t]:          sum_r flow[c,r,t] + shortfall[c,t] = volume[c,t]
cost term ``shortfall_cost`` = sum penalty[c,t] * shortfall[c,t]
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from .base import add_cost, groups, linear, row


def add(m: pyo.Block, inputs) -> None:
    demand, flows = inputs.demand, inputs.flows
    penalised = demand[demand["penalty"].notna()]
    keys = list(zip(penalised["contract"], penalised["period"], strict=True))
    m.SHORTFALLS = pyo.Set(initialize=keys, dimen=2, ordered=True)
    volume = dict(zip(keys, penalised["volume"], strict=True))
    m.shortfall = pyo.Var(
        m.SHORTFALLS, within=pyo.NonNegativeReals, bounds=lambda _, c, t: (0.0, volume[c, t])
    )
    members = {
        int(d): idx
        for d, idx, _ in groups(
            flows["demand"].to_numpy(), np.arange(len(flows)), np.ones(len(flows))
        )
    }
    rows = list(zip(demand["contract"], demand["period"], demand["volume"], strict=True))

    def rule(_, d):
        c, t, vol = rows[d]
        idx = members.get(d, ())
        short = [m.shortfall[c, t]] if (c, t) in volume else []
        return row(m, idx, np.ones(len(idx)), short, [1.0] * len(short)) == float(vol)

    m.DEMAND = pyo.RangeSet(0, len(rows) - 1)
    m.delivery = pyo.Constraint(m.DEMAND, rule=rule)
    if keys:
        add_cost(
            m,
            "shortfall_cost",
            linear(penalised["penalty"].to_numpy(), [m.shortfall[k] for k in keys]),
        )

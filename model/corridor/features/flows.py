"""Flow variables and their per-unit costs.

Components
----------
FLOWS         (contract, route, period) for each contract, eligible route and period
flow[c,r,t]   >= 0, commodity units moved
cost term ``variable_cost`` = sum unit_cost[c,r] * flow[c,r,t], where for commodity k

    unit_cost = cu_k * (cf_k * (sum leg cost + sum node handling) + carbon_price * sum leg co2)
                + value_k * carrying_cost_rate * (sum leg days) / 365

Reads ``inputs.flows`` (built in data.py).
"""

from __future__ import annotations

import pyomo.environ as pyo

from .base import add_cost, linear


def add(m: pyo.Block, inputs) -> None:
    f = inputs.flows
    keys = list(zip(f["contract"], f["route"], f["period"], strict=True))
    m.FLOWS = pyo.Set(initialize=keys, dimen=3, ordered=True)
    m.flow = pyo.Var(m.FLOWS, within=pyo.NonNegativeReals)
    m.flow_list = list(m.flow.values())  # position i = row i of inputs.flows
    add_cost(m, "variable_cost", linear(f["unit_cost"].to_numpy(), m.flow_list))

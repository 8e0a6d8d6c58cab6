"""Flow variables and their logistics costs.

Columns
-------
flow[c,r,t] >= 0      commodity units of contract c on eligible route r in period t
                      (keys: contract, route, period; one column per row of ``inputs.flows``,
                      in the same order)

Cost terms: ``transport_cost``, ``handling_cost``, ``carrying_cost``, ``carbon_cost`` with, for
commodity k on route r,

    transport = cu_k * cf_k * sum leg cost         handling = cu_k * cf_k * sum node handling
    carbon    = cu_k * carbon_price * sum leg co2  carrying = value_k * rate * sum leg days / 365

Reads ``inputs.flows`` (data.py).
"""

from __future__ import annotations

from ..lp import LinearProgram

KEYS = ["contract", "route", "period"]
COST_PARTS = ("transport", "handling", "carrying", "carbon")


def define(lp: LinearProgram, inputs) -> None:
    f = inputs.flows
    flow = lp.add_columns("flow", f[KEYS], set_name="FLOWS", doc="commodity units moved")
    for part in COST_PARTS:
        lp.add_cost(f"{part}_cost", flow.cols, f[part].to_numpy(dtype=float))

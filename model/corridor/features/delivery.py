"""Delivery of each contract in each period, with optional shortfall.

Columns
-------
shortfall[c,t]  in [0, volume[c,t]], commodity units not delivered, for the (contract,
                period) rows of ``inputs.contract_rows`` with a penalty
Rows
----
delivery[c,t]:  sum_r flow[c,r,t] + shortfall[c,t] = volume[c,t]

Cost term ``shortfall_cost`` = sum penalty[c,t] * shortfall[c,t].

For closures and scenarios (``closures=True``) every row gets a shortfall column: a row
without a penalty gets upper bound 0 (the plan as it stands) and cost ``closure_penalty``,
so a closure allows its shortfall by raising the bound (spec section 5).
"""

from __future__ import annotations

import numpy as np

from ..lp import LinearProgram, Terms

KEYS = ["contract", "period"]


def define(lp: LinearProgram, inputs, closures: bool = False) -> None:
    demand, flows = inputs.contract_rows, inputs.flows
    if demand.empty:
        return
    penalty = demand["penalty"].to_numpy(dtype=float)
    volume = demand["volume"].to_numpy(dtype=float)
    has = ~np.isnan(penalty)
    if closures:
        penalised = np.arange(len(demand))
        upper = np.where(has, volume, 0.0)
        penalty = np.where(has, penalty, inputs.closure_penalty)
    else:
        penalised = np.flatnonzero(has)
        upper = volume[penalised]
    short = lp.add_columns(
        "shortfall",
        demand.loc[penalised, KEYS],
        upper=upper,
        set_name="SHORTFALLS",
        doc="commodity units not delivered",
    )
    flow = lp.columns["flow"]
    of = flows["contract_row"].to_numpy()
    mine = np.flatnonzero(of >= 0)  # offer flows (contract_row -1) are not contract deliveries
    terms = Terms()
    terms.add(of[mine], flow.start + mine)
    terms.add(penalised, short.cols)
    lp.add_rows("delivery", demand[KEYS], terms, lower=volume, upper=volume)
    lp.add_cost("shortfall_cost", short.cols, penalty[penalised])

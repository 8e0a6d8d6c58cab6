"""The demand balance of each need (spec section 6): a Demand row in one period.

Columns
-------
unmet[d,k,t]   in [0, volume[d,k,t]], commodity units of the need not met, for the needs
               (``inputs.needs``) with a penalty
Rows
----
demand_balance[d,k,t]:  sum_{contract flows to d, k in t} flow
                        + sum_{offer flows serving the need} flow
                        + stock_draw[d,k,t] + unmet[d,k,t] >= volume[d,k,t]

(stock_draw is drawn net of added, stocks.py.) The balance is ``>=``: contract volume beyond
the need and the stock's room is still delivered (it is signed) and simply not needed.

Cost term ``unmet_cost`` = sum penalty[d,k,t] * unmet[d,k,t].

For closures and scenarios (``closures=True``) every need gets an unmet column: one that must
be met gets upper bound 0 (the plan as it stands) and cost ``closure_penalty``, so a closure
allows it by raising the bound (as contract shortfall in delivery.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lp import LinearProgram, Terms

KEYS = ["destination", "commodity", "period"]


def define(lp: LinearProgram, inputs, closures: bool = False) -> None:
    needs, flows = inputs.needs, inputs.flows
    if needs.empty:
        return
    penalty = needs["penalty"].to_numpy(dtype=float)
    volume = needs["volume"].to_numpy(dtype=float)
    has = ~np.isnan(penalty)
    if closures:
        penalised = np.arange(len(needs))
        upper = np.where(has, volume, 0.0)
        penalty = np.where(has, penalty, inputs.closure_penalty)
    else:
        penalised = np.flatnonzero(has)
        upper = volume[penalised]
    unmet = lp.add_columns(
        "unmet",
        needs.iloc[penalised][KEYS],
        upper=upper,
        set_name="UNMET",
        doc="commodity units of demand not met",
    )
    flow = lp.columns["flow"]
    need = flows["need"].to_numpy()
    on = np.flatnonzero(need >= 0)
    terms = Terms()
    terms.add(need[on], flow.start + on, 1.0)
    terms.add(penalised, unmet.cols, 1.0)
    draw = lp.columns.get("stock_draw")
    if draw is not None and len(draw):
        index = pd.MultiIndex.from_frame(needs[KEYS])
        at = draw.keys.rename(columns={"node": "destination"})[KEYS]
        terms.add(index.get_indexer(pd.MultiIndex.from_frame(at)), draw.cols, 1.0)
    lp.add_rows(
        "demand_balance",
        needs[KEYS],
        terms,
        lower=volume,
        set_name="NEEDS",
        doc="deliveries + stock drawn + unmet >= volume",
    )
    lp.add_cost("unmet_cost", unmet.cols, penalty[penalised])

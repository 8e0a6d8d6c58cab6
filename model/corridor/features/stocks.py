"""Strategic stocks at destinations (spec section 6).

One stock per Stocks row (node n, commodity k), tracked in every period t of the horizon.

Columns
-------
stock_level[n,k,t]   in [0, max_level], the closing level of period t
stock_draw[n,k,t]    free, what the stock gives to the need (n, k, t) net of what it takes
                     in (negative: cargo added); only in periods with a need there, so in a
                     period without a Demand row the stock is carried unchanged
stock_below[n,k,t]   >= 0, the amount below the floor; soft floors only (a ``penalty`` is
                     set) with min_level > 0. No upper bound: at a positive penalty it is
                     never above min_level - level, and without one, one more unit of floor
                     costs exactly the penalty (its marginal cost, marginal.floor_values)
Rows
----
stock_balance[n,k,t]:  level[t] - level[t-1] + draw[t] = 0      (level[-1] = initial: the
                       first period's row reads level[0] + draw[0] = initial)
stock_floor[n,k,t]:    level[t] + below[t] >= min_level          (min_level > 0)

The spec's ``level[t] = level[t-1] + arrivals[t] - used[t]`` holds with used = max(draw, 0)
and arrivals = max(-draw, 0): one free column gives the net movement, so the balance is
exact and no plan shows cargo both added and drawn in one period. The need's balance
(demand.py) counts ``draw`` as stock drawn minus stock added.

Cost terms ``holding_cost`` = sum holding_cost * level[t] (each period's closing level), and
``stock_penalty_cost`` = sum penalty * below[t].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lp import INF, LinearProgram, Terms

KEYS = ["node", "commodity", "period"]


def stock_periods(inputs) -> pd.DataFrame:
    """One row per stock and period: node, commodity, period, `stock` (its Stocks row
    position), `t` (period index), `need` (the needs row there, -1 where none)."""
    stocks, periods, needs = inputs.stocks, inputs.periods, inputs.needs
    frame = pd.DataFrame(
        {
            "node": np.repeat(stocks["node"].to_numpy(dtype=object), len(periods)),
            "commodity": np.repeat(stocks["commodity"].to_numpy(dtype=object), len(periods)),
            "period": np.tile(np.asarray(periods, dtype=object), len(stocks)),
            "stock": np.repeat(np.arange(len(stocks)), len(periods)),
            "t": np.tile(np.arange(len(periods)), len(stocks)),
        }
    )
    if needs.empty:
        frame["need"] = -1
    else:
        index = pd.MultiIndex.from_frame(needs[["destination", "commodity", "period"]])
        frame["need"] = index.get_indexer(pd.MultiIndex.from_frame(frame[KEYS]))
    return frame


def define(lp: LinearProgram, inputs) -> None:
    stocks = inputs.stocks
    if stocks.empty or inputs.needs.empty:
        return
    sp = stock_periods(inputs)
    s = sp["stock"].to_numpy()
    top = stocks["max_level"].to_numpy(dtype=float)[s]
    level = lp.add_columns(
        "stock_level",
        sp[KEYS],
        upper=np.where(np.isnan(top), INF, top),
        set_name="STOCK_PERIODS",
        doc="closing level",
    )
    holding = stocks["holding_cost"].fillna(0.0).to_numpy(dtype=float)[s]
    lp.add_cost("holding_cost", level.cols, holding)
    drawn = np.flatnonzero(sp["need"].to_numpy() >= 0)
    draw = lp.add_columns(
        "stock_draw",
        sp.iloc[drawn][KEYS],
        lower=-INF,
        set_name="STOCK_DRAWS",
        doc="drawn for the need, net of cargo added",
    )
    # stock_balance: level[t] - level[t-1] + draw[t] = initial (t = 0) or 0
    n = len(sp)
    t = sp["t"].to_numpy()
    terms = Terms()
    terms.add(np.arange(n), level.cols, 1.0)
    later = np.flatnonzero(t > 0)
    terms.add(later, level.cols[later - 1], -1.0)
    terms.add(drawn, draw.cols, 1.0)
    initial = stocks["initial"].fillna(0.0).to_numpy(dtype=float)[s]
    rhs = np.where(t == 0, initial, 0.0)
    lp.add_rows("stock_balance", sp[KEYS], terms, lower=rhs, upper=rhs, set_name="STOCK_PERIODS")
    # stock_floor: level + below >= min_level
    floor = stocks["min_level"].fillna(0.0).to_numpy(dtype=float)[s]
    floored = np.flatnonzero(floor > 0)
    if len(floored) == 0:
        return
    terms = Terms()
    terms.add(np.arange(len(floored)), level.cols[floored], 1.0)
    penalty = stocks["penalty"].to_numpy(dtype=float)[s]
    soft = floored[~np.isnan(penalty[floored])]
    if len(soft):
        below = lp.add_columns(
            "stock_below",
            sp.iloc[soft][KEYS],
            set_name="SOFT_FLOORS",
            doc="amount below the reserve floor",
        )
        local = np.searchsorted(floored, soft)
        terms.add(local, below.cols, 1.0)
        lp.add_cost("stock_penalty_cost", below.cols, penalty[soft])
    lp.add_rows(
        "stock_floor",
        sp.iloc[floored][KEYS],
        terms,
        lower=floor[floored],
        set_name="FLOORED",
        doc="level + below >= min_level",
    )

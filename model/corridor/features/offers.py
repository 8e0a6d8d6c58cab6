"""Offers: what is bought, at what price, and whether an offer is taken (spec section 6).

A purchase is not a column of its own: the offer's flows are the purchase. For offer row
(o, t) (one offer in one period, ``inputs.offer_rows``)

    q[o,t] = sum_{r, d} flow[o,r,t]        (the offer's flows in t, to every destination)

so the price sits on the flow columns and the rows below read q[o,t] as that sum. This keeps
the program as small as the data allow (no purchase column and no row defining it), and
anything that stops a flow (a closure, a capacity) stops the purchase with it.

Columns
-------
taken[o]   binary, the offer is taken; for offers with a min_volume or a fixed_cost
Rows
----
offer_max[o,t]:  q[o,t] - M[o,t] * taken[o] <= 0     (offers with a taken column)
                 q[o,t] <= max_volume[o,t]           (the others, where max_volume is set)
offer_min[o,t]:  q[o,t] - min_volume[o,t] * taken[o] >= 0   (min_volume > 0; in **every**
                 period of the offer, so an offer that cannot sell its minimum in some
                 period cannot be taken)

M[o,t] = ``data.offer_bound``: the smallest of max_volume, what the capacities its flows
load let through, and the volume of the needs its flows reach plus their stocks' room (at
least min_volume); no optimal plan buys more. A share or minimum rule that covers the
offer's flows lifts the demand part (buying beyond need could then pay; see
``data.pushed_flows``).
An offer-period row whose offer has no flow in that period gets no offer_max row.

Cost term ``purchase_cost`` = sum price[o,t] * flow[o,r,t] + sum fixed_cost[o] * taken[o].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import offer_bound
from ..lp import LinearProgram, Terms

KEYS = ["offer", "period"]


def define(lp: LinearProgram, inputs, tight: bool = True) -> None:
    """`tight`: M also counts what the offer's capacities let through (data.offer_bound);
    without it (the Diagnosis, which stretches capacities) only volumes bound M."""
    offers, flows = inputs.offer_rows, inputs.flows
    if offers.empty:
        return
    flow = lp.columns["flow"]
    on = np.flatnonzero(flows["offer_row"].to_numpy() >= 0)
    row_of = flows["offer_row"].to_numpy()[on]
    if len(on):
        lp.add_cost("purchase_cost", flow.start + on, flows["price"].to_numpy(dtype=float)[on])
    # one taken column per offer with a minimum or a fixed cost (the offer's first row speaks)
    first = offers.drop_duplicates("offer")
    committed = first[(first["min_volume"] > 0) | (first["fixed_cost"] > 0)]
    taken_col = np.full(len(offers), -1, dtype=np.int64)
    if len(committed):
        taken = lp.add_columns(
            "taken",
            pd.DataFrame({"offer": committed["offer"].to_numpy()}),
            upper=1.0,
            integer=True,
            set_name="OFFERS_TAKEN",
            doc="1 if the offer is taken",
        )
        col = dict(zip(committed["offer"], taken.cols.tolist(), strict=True))
        taken_col = np.array([col.get(o, -1) for o in offers["offer"]], dtype=np.int64)
        lp.add_cost("purchase_cost", taken.cols, committed["fixed_cost"].to_numpy(dtype=float))
    has_taken = taken_col >= 0
    max_volume = offers["max_volume"].to_numpy(dtype=float)
    sells = np.zeros(len(offers), dtype=bool)
    sells[row_of] = True
    # offer_max: rows with a taken column, or a finite max_volume; only where flows exist
    capped = np.flatnonzero(sells & (has_taken | ~np.isnan(max_volume)))
    if len(capped):
        local = np.full(len(offers), -1, dtype=np.int64)
        local[capped] = np.arange(len(capped))
        terms = Terms()
        hit = local[row_of] >= 0
        terms.add(local[row_of[hit]], flow.start + on[hit], 1.0)
        linked = capped[has_taken[capped]]
        big_m = offer_bound(inputs, through_capacity=tight)
        terms.add(local[linked], taken_col[linked], -big_m[linked])
        upper = np.where(has_taken[capped], 0.0, max_volume[capped])
        lp.add_rows(
            "offer_max",
            offers.iloc[capped][KEYS],
            terms,
            upper=upper,
            set_name="OFFER_PERIODS",
            doc="purchase <= max_volume (* taken)",
        )
    # offer_min: every period of an offer with a taken column and a minimum
    floor = np.flatnonzero(has_taken & (offers["min_volume"].to_numpy(dtype=float) > 0))
    if len(floor):
        local = np.full(len(offers), -1, dtype=np.int64)
        local[floor] = np.arange(len(floor))
        terms = Terms()
        hit = local[row_of] >= 0
        terms.add(local[row_of[hit]], flow.start + on[hit], 1.0)
        terms.add(
            np.arange(len(floor)),
            taken_col[floor],
            -offers["min_volume"].to_numpy(dtype=float)[floor],
        )
        lp.add_rows(
            "offer_min",
            offers.iloc[floor][KEYS],
            terms,
            lower=0.0,
            set_name="OFFER_MINIMUMS",
            doc="purchase >= min_volume * taken",
        )

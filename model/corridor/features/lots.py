"""Shipment lots.

Columns
-------
shipments[r,t]  integer >= 0, lots sent on route r in period t, for routes with a lot_size
                and flows in t; upper bound ceil(M[r,t] / lot_size) (M as in route_use.py)
Rows
----
lot_count[r,t]:  load[r,t] - lot_size[r] * shipments[r,t] <= 0

Cost term ``lot_cost`` = sum lot_cost[r] * shipments[r,t].
"""

from __future__ import annotations

import numpy as np

from ..lp import LinearProgram, Terms


def define(lp: LinearProgram, inputs) -> None:
    routes, flows = inputs.routes, inputs.flows
    if not (routes["lot_size"] > 0).any():
        return
    loads = inputs.route_loads
    size = loads.keys["route"].map(routes["lot_size"]).to_numpy(dtype=float)
    pairs = np.flatnonzero(size > 0)
    if len(pairs) == 0:
        return
    with np.errstate(over="ignore", divide="ignore"):
        most = loads.bound[pairs] / size[pairs]  # a tiny lot size can overflow to inf
    upper = np.where(np.isfinite(most), np.ceil(most - 1e-9), np.inf)
    ships = lp.add_columns(
        "shipments",
        loads.keys.iloc[pairs],
        upper=upper,
        integer=True,
        set_name="LOTTED",
        doc="lots sent",
    )
    row_of_pair = np.full(len(loads.keys), -1, dtype=np.int64)
    row_of_pair[pairs] = np.arange(len(pairs))
    flow_row = row_of_pair[loads.of_flow]
    on = np.flatnonzero(flow_row >= 0)
    terms = Terms()
    terms.add(
        flow_row[on],
        lp.columns["flow"].start + on,
        flows["capacity_use"].to_numpy(dtype=float)[on],
    )
    terms.add(np.arange(len(pairs)), ships.cols, -size[pairs])
    lp.add_rows("lot_count", loads.keys.iloc[pairs], terms, upper=0.0, doc="load <= lots")
    cost = loads.keys["route"].iloc[pairs].map(routes["lot_cost"]).to_numpy(dtype=float)
    lp.add_cost("lot_cost", ships.cols, cost)

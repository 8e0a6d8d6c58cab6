"""Booked route capacity, for robust plans (spec section 7).

Only in robust mode (``robust_min_delivery`` set), and only for routes with a
``booking_cost`` that some flow may use; routes without one need no booking.

Columns
-------
booking[r,t]   >= 0, capacity units booked on route r for period t
Rows
----
booking_fit[r,t]:  load[r,t] - booking[r,t] <= 0      (the plan's own load fits its booking)

Cost term ``booking_cost`` = sum booking_cost[r] * booking[r,t]. Each closure's recourse
copy (features/robust.py) must fit the same bookings.
"""

from __future__ import annotations

import numpy as np

from ..lp import LinearProgram, Terms


def define(lp: LinearProgram, inputs) -> None:
    if inputs.settings.get("robust_min_delivery") is None:
        return
    routes = inputs.routes
    if "booking_cost" not in routes or not routes["booking_cost"].notna().any():
        return
    loads = inputs.route_loads
    cost = loads.keys["route"].map(routes["booking_cost"]).to_numpy(dtype=float)
    pairs = np.flatnonzero(~np.isnan(cost))
    if len(pairs) == 0:
        return
    booked = lp.add_columns(
        "booking", loads.keys.iloc[pairs], set_name="BOOKED", doc="capacity units booked"
    )
    row_of_pair = np.full(len(loads.keys), -1, dtype=np.int64)
    row_of_pair[pairs] = np.arange(len(pairs))
    flow_row = row_of_pair[loads.of_flow]
    on = np.flatnonzero(flow_row >= 0)
    terms = Terms()
    terms.add(
        flow_row[on],
        lp.columns["flow"].start + on,
        inputs.flows["capacity_use"].to_numpy(dtype=float)[on],
    )
    terms.add(np.arange(len(pairs)), booked.cols, -1.0)
    lp.add_rows("booking_fit", loads.keys.iloc[pairs], terms, upper=0.0, doc="load <= booked")
    lp.add_cost("booking_cost", booked.cols, cost[pairs])

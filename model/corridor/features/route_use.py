"""Route commitments: fixed cost and minimum volume.

Columns
-------
use_route[r]   binary, the route is opened; for routes with a fixed_cost or min_volume that
               some flow may use
Rows
----
route_open_limit[r,t]:  load[r,t] - M[r,t] * use_route[r] <= 0      (periods with flows)
route_min_volume[r,t]:  load[r,t] - min_volume[r] * use_route[r] >= 0  (every period)

Cost term ``fixed_cost`` = sum fixed_cost[r] * use_route[r].

load[r,t] = sum_{flows on r in t} capacity_use * flow (capacity units). M[r,t] is the
tightest bound the data give (``inputs.route_loads.bound``: the smallest capacity plus
every possible expansion of the route, its legs and its nodes in t, and the volume that can
reach r in t). A period in which no flow can use the route gets a minimum-volume row with no
flow, so a route with a minimum volume cannot be opened then.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lp import LinearProgram, Terms

LOOSE_M = 1e7  # only for the benchmark's comparison of tight against loose big-M


def define(lp: LinearProgram, inputs, tight: bool = True) -> None:
    routes, flows = inputs.routes, inputs.flows
    used = pd.unique(flows["route"])
    r = routes.loc[used]
    committed = r.index[(r["fixed_cost"] > 0) | (r["min_volume"] > 0)]
    if len(committed) == 0:
        return
    committed = [c for c in routes.index if c in set(committed)]  # workbook order
    use = lp.add_columns(
        "use_route",
        pd.DataFrame({"route": committed}),
        upper=1.0,
        integer=True,
        set_name="COMMITTED",
        doc="1 if the route is opened",
    )
    loads = inputs.route_loads
    flow = lp.columns["flow"]
    use_col = dict(zip(committed, use.cols.tolist(), strict=True))
    pair_route = loads.keys["route"].to_numpy(dtype=object)
    pair_use = np.array([use_col.get(x, -1) for x in pair_route], dtype=np.int64)
    open_pairs = np.flatnonzero(pair_use >= 0)
    # route_open_limit: one row per (committed route, period) with flows
    row_of_pair = np.full(len(pair_route), -1, dtype=np.int64)
    row_of_pair[open_pairs] = np.arange(len(open_pairs))
    flow_row = row_of_pair[loads.of_flow]
    on = np.flatnonzero(flow_row >= 0)
    cu = flows["capacity_use"].to_numpy(dtype=float)
    big_m = loads.bound[open_pairs] if tight else np.full(len(open_pairs), LOOSE_M)
    terms = Terms()
    terms.add(flow_row[on], flow.start + on, cu[on])
    terms.add(np.arange(len(open_pairs)), pair_use[open_pairs], -big_m)
    lp.add_rows(
        "route_open_limit",
        loads.keys.iloc[open_pairs],
        terms,
        upper=0.0,
        doc="load <= M * use_route",
    )
    minimum = routes.loc[committed, "min_volume"].to_numpy(dtype=float)
    with_min = [c for c, v in zip(committed, minimum, strict=True) if v > 0]
    if not with_min:
        lp.add_cost("fixed_cost", use.cols, routes.loc[committed, "fixed_cost"].to_numpy(float))
        return
    keys = pd.DataFrame(
        [(c, t) for c in with_min for t in inputs.periods], columns=["route", "period"]
    )
    position = pd.MultiIndex.from_frame(keys).get_indexer(
        pd.MultiIndex.from_frame(loads.keys)
    )  # row of each (route, period) pair in keys, -1 if not a min-volume route
    flow_row = position[loads.of_flow]
    on = np.flatnonzero(flow_row >= 0)
    mins = routes.loc[keys["route"], "min_volume"].to_numpy(dtype=float)
    terms = Terms()
    terms.add(flow_row[on], flow.start + on, cu[on])
    terms.add(np.arange(len(keys)), np.array([use_col[c] for c in keys["route"]]), -mins)
    lp.add_rows("route_min_volume", keys, terms, lower=0.0, doc="load >= min_volume * use_route")
    lp.add_cost("fixed_cost", use.cols, routes.loc[committed, "fixed_cost"].to_numpy(float))

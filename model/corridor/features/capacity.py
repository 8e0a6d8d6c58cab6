"""Node, leg and route capacities per period.

Rows
----
capacity_limit[k,i,t]:  sum_{flows through i in t} capacity_use * flow
                          - sum_{e on i in effect in t} added_capacity[e] * build[e]
                          <= capacity[k,i,t]
for each (type, id, period) with a finite capacity that some flow can load. A route loads
its own capacity, every leg's and every node's, origin and destination included. Reads
``inputs.capacity`` and ``inputs.usage`` (data.py).
"""

from __future__ import annotations

from ..data import expansions_in_effect
from ..lp import LinearProgram, Terms

KEYS = ["type", "id", "period"]


def define(lp: LinearProgram, inputs) -> None:
    cap, usage = inputs.capacity, inputs.usage
    if cap.empty:
        return
    flow = lp.columns["flow"]
    terms = Terms()
    terms.add(
        usage["cap_row"].to_numpy(),
        flow.start + usage["flow"].to_numpy(),
        usage["coef"].to_numpy(dtype=float),
    )
    if "build" in lp.columns:
        hits = expansions_in_effect(inputs, cap)
        build = lp.columns["build"]
        terms.add(
            hits["row"].to_numpy(),
            build.start + hits["expansion"].to_numpy(),
            -hits["added"].to_numpy(),
        )
    lp.add_rows(
        "capacity_limit",
        cap[KEYS],
        terms,
        upper=cap["capacity"].to_numpy(dtype=float),
        set_name="CAPACITIES",
    )

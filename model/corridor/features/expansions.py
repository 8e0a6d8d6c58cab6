"""Capacity expansions.

Columns
-------
build[e]   integer in 0..max_units, units of expansion e built

Cost term ``expansion_cost`` = sum cost[e] * build[e]. The capacity each unit adds to its
target (type, id) from its first period on enters the capacity rows (capacity.py) and the
route-use bounds (route_use.py); `data.expansions_in_effect` says which apply where.
"""

from __future__ import annotations

import pandas as pd

from ..lp import LinearProgram


def define(lp: LinearProgram, inputs) -> None:
    exp = inputs.expansions
    if exp.empty:
        return
    build = lp.add_columns(
        "build",
        pd.DataFrame({"expansion": exp.index.to_numpy()}),
        upper=exp["max_units"].to_numpy(dtype=float),
        integer=True,
        set_name="EXPANSIONS",
        doc="units built",
    )
    lp.add_cost("expansion_cost", build.cols, exp["cost"].to_numpy(dtype=float))

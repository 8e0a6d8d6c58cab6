"""Inputs -> LinearProgram: the feature modules in a fixed order.

Each feature adds its column and row blocks and its cost terms; the objective is the sum of
the cost terms, so adding a feature never edits the objective. `build` is what the command
line and the analyses solve; the Pyomo view for embedders (`pyomo_view.build_model`) is
generated from the same program.
"""

from __future__ import annotations

from .data import Inputs
from .features import (
    booking,
    capacity,
    delivery,
    demand,
    expansions,
    flows,
    limits,
    lots,
    offers,
    route_use,
    stocks,
)
from .lp import LinearProgram

FEATURES = (
    flows,
    delivery,
    offers,
    stocks,
    demand,
    expansions,
    capacity,
    route_use,
    lots,
    limits,
    booking,
)


def build(inputs: Inputs, *, tight_big_m: bool = True, closures: bool = False) -> LinearProgram:
    """The optimisation model of the spec's section 3 for validated inputs, as arrays.

    `closures`: every contract gets a shortfall column and every need an unmet column (bound
    0 where it must be delivered or met in full) so closures and scenarios can allow them in
    place (see features.delivery and features.demand)."""
    lp = LinearProgram()
    for feature in FEATURES:
        if feature in (route_use, offers):
            feature.define(lp, inputs, tight=tight_big_m)
        elif feature in (delivery, demand):
            feature.define(lp, inputs, closures=closures)
        else:
            feature.define(lp, inputs)
    return lp

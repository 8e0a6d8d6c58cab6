"""Inputs -> Pyomo model: variables and features in a fixed order, then the objective.

Each feature module adds its components and registers its cost terms in ``m.cost_terms``;
the objective ``total_cost`` is their sum, so adding a feature never edits the objective.
The returned model is a plain ``ConcreteModel``: callers may add constraints before solving.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from .data import Inputs
from .features import capacity, delivery, expansions, flows, limits, lots, route_use

FEATURES = (flows, delivery, expansions, capacity, route_use, lots, limits)


def build_model(inputs: Inputs, *, tight_big_m: bool = True) -> pyo.ConcreteModel:
    """The optimisation model of the spec's section 3 for validated inputs."""
    m = pyo.ConcreteModel(name="corridor")
    m.cost_terms = {}
    m.row_terms = {}  # id(body) -> (body, variables, coefficients), see features.base.row
    # Millions of small expression objects, none of them cyclic garbage: the cyclic GC
    # would otherwise rescan them over and over (Pyomo's writers pause it likewise).
    with PauseGC():
        for feature in FEATURES:
            if feature is route_use:
                feature.add(m, inputs, tight=tight_big_m)
            else:
                feature.add(m, inputs)
        m.total_cost = pyo.Objective(expr=sum(m.cost_terms.values()), sense=pyo.minimize)
    return m

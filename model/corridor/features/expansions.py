"""Capacity expansions.

Components
----------
EXPANSIONS      expansion ids
build[e]        integer in 0..max_units, units built
cost term ``expansion_cost`` = sum cost[e] * build[e]
Capacity added to target (type, id) in period t: sum over e in effect (first_period <= t) of
added_capacity[e] * build[e]; used by capacity.py and route_use.py.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from .base import add_cost, linear


def by_target(inputs) -> dict[tuple[str, str], list[tuple[str, float, int, int]]]:
    """(type, id) -> [(expansion, added_capacity, max_units, first period index)]."""
    index: dict[tuple[str, str], list[tuple[str, float, int, int]]] = defaultdict(list)
    exp = inputs.expansions
    for e, kind, target, added, units, first in zip(
        exp.index,
        exp["target_type"],
        exp["target"],
        exp["added_capacity"],
        exp["max_units"],
        exp["first_index"],
        strict=True,
    ):
        index[kind, target].append((e, float(added), int(units), int(first)))
    return index


def add(m: pyo.Block, inputs) -> None:
    exp = inputs.expansions
    m.expansions_by_target = by_target(inputs)
    if exp.empty:
        return
    ids = list(exp.index)
    m.EXPANSIONS = pyo.Set(initialize=ids, ordered=True)
    max_units = exp["max_units"].astype(int).to_dict()
    m.build = pyo.Var(
        m.EXPANSIONS, within=pyo.NonNegativeIntegers, bounds=lambda _, e: (0, max_units[e])
    )
    add_cost(m, "expansion_cost", linear(exp["cost"].to_numpy(), [m.build[e] for e in ids]))


def added_terms(m: pyo.Block, kind: str, target: str, t: int) -> list[tuple[float, pyo.Var]]:
    """(added_capacity, build[e]) for expansions of (kind, target) in effect in period t."""
    return [
        (added, m.build[e])
        for e, added, _, first in m.expansions_by_target.get((kind, target), ())
        if first <= t
    ]


def max_added(index: dict, kind: str, target: str, t: int) -> float:
    """Most capacity the expansions of (kind, target) can add in period index t."""
    return sum(
        added * units for _, added, units, first in index.get((kind, target), ()) if first <= t
    )

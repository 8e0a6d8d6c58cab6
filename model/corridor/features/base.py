"""Shared helpers for the feature modules: linear expressions from arrays, grouping."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression


def linear(coefs: Sequence[float], variables: Sequence[pyo.Var], constant: float = 0.0):
    """sum coefs * variables + constant, built directly (no operator overloading).

    A term with coefficient 1 is the bare variable: most of the model's terms are, and it
    saves creating one expression object per term (the dominant cost of building).
    """
    if isinstance(coefs, np.ndarray):
        coefs = coefs.tolist()
    args: list = [float(constant)] if constant else []
    args.extend(
        v if c == 1.0 else MonomialTermExpression((float(c), v))
        for c, v in zip(coefs, variables, strict=True)
    )
    return LinearExpression(args)


def row(
    m: pyo.Block,
    flows: Sequence[int],
    flow_coefs: Sequence[float],
    others: Sequence[pyo.Var] = (),
    other_coefs: Sequence[float] = (),
):
    """A constraint body: sum flow_coefs * flow[flows] + sum other_coefs * others.

    The terms are also kept in `m.row_terms` as arrays (flow positions, coefficients) so the
    hand-off to HiGHS maps them to columns with numpy instead of reading the expression back
    term by term; solve.py uses them only while the body is still this very expression.
    """
    flows = np.asarray(flows, dtype=np.int64)
    flow_coefs = np.asarray(flow_coefs, dtype=float)
    x = m.flow_list
    expr = linear([*flow_coefs.tolist(), *other_coefs], [*(x[i] for i in flows.tolist()), *others])
    m.row_terms[id(expr)] = (expr, flows, flow_coefs, list(others), [float(c) for c in other_coefs])
    return expr


def groups(
    keys: np.ndarray, members: np.ndarray, coefs: np.ndarray
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield (key, members, coefs) per distinct integer key, in key order."""
    if len(keys) == 0:
        return
    order = np.argsort(keys, kind="stable")
    keys, members, coefs = keys[order], members[order], coefs[order]
    cuts = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(keys)]))
    for a, b in zip(starts, ends, strict=True):
        yield int(keys[a]), members[a:b], coefs[a:b]


def add_cost(m: pyo.Block, name: str, expression) -> None:
    """Register a cost term; the objective is the sum of the registered terms (Switch style)."""
    m.cost_terms[name] = expression

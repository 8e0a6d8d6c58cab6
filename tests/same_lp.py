"""The Pyomo view and the arrays are the same LP: same columns, rows, coefficients, bounds,
costs and integrality, up to order (issue: one formulation, Pyomo as its view)."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

import corridor
from corridor.build import build
from corridor.pyomo_view import to_pyomo


def _key(component, index) -> tuple:
    index = index if isinstance(index, tuple) else (index,)
    return (component.parent_component().local_name, *index)


def assert_same_lp(inputs) -> None:
    lp = build(inputs)
    m = to_pyomo(lp)
    repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
    # every LP column by its planner key
    lp_col = {}
    for block in lp.columns.values():
        for k, key in enumerate(block.key_tuples()):
            lp_col[(block.name, *key)] = block.start + k
    cols = np.array([lp_col[_key(v, v.index())] for v in repn.columns], dtype=np.int64)
    # columns the standard form dropped appear in no row and have no cost: still bounds
    lower, upper, integer = lp.bounds()
    for j, v in zip(cols, repn.columns, strict=True):
        assert (v.lb if v.lb is not None else -np.inf) == lower[j]
        assert (v.ub if v.ub is not None else np.inf) == upper[j]
        assert v.is_integer() == integer[j]
    cost = lp.cost_vector()
    view_cost = np.zeros(lp.n_cols)
    view_cost[cols] = np.asarray(repn.c.toarray()).ravel()
    assert np.allclose(view_cost, cost)
    # rows: (LP row, LP col, value) triplets; a ranged row appears twice in mixed form
    lp_row = {}
    for block in lp.rows.values():
        for k, key in enumerate(block.key_tuples()):
            lp_row[(block.name, *key)] = block.start + k
    seen = set()
    a = repn.A.tocsr()
    view = {}
    row_lower, row_upper = lp.row_bounds()
    for i, (con, sense) in enumerate(repn.rows):
        r = lp_row[_key(con, con.index())]
        if sense == 0:
            assert row_lower[r] == row_upper[r] == repn.rhs[i]
        elif sense > 0:
            assert row_upper[r] == repn.rhs[i]
        else:
            assert row_lower[r] == repn.rhs[i]
        if r in seen:
            continue
        seen.add(r)
        for p in range(a.indptr[i], a.indptr[i + 1]):
            view[(r, cols[a.indices[p]])] = a.data[p]
    matrix = lp.matrix("csr")
    ours = {}
    for r in range(lp.n_rows):
        for p in range(matrix.indptr[r], matrix.indptr[r + 1]):
            if matrix.data[p] != 0:
                ours[(r, int(matrix.indices[p]))] = matrix.data[p]
    assert set(view) == set(ours), "the two LPs have different non-zeros"
    assert all(np.isclose(view[k], ours[k]) for k in ours)
    # every LP row with a finite bound is in the view
    bounded = {
        r for r in range(lp.n_rows) if np.isfinite(row_lower[r]) or np.isfinite(row_upper[r])
    }
    assert seen == bounded
    assert isinstance(m, pyo.ConcreteModel)


def assert_same_optimum(inputs) -> None:
    plan = corridor.Plan(inputs)
    arrays = plan.solve(duals=False).result
    m = corridor.build_model(inputs)
    view = corridor.solve(m)
    assert arrays.status == view.status
    if arrays.has_solution:
        assert np.isclose(arrays.objective, view.objective, rtol=1e-7, atol=1e-6)

"""Independent blocks: an LP that falls apart is solved block by block, with the whole LP's
answer (objective, values, row duals, status), and the blocks are found from the matrix.

The hand-made program has two blocks whose columns and rows are interleaved:

    block A: min x1 + 2 x2   s.t.  x1 + x2 = 10 (demand, row 0),  x1 <= 6 (capacity, row 2)
    block B: min 3 y1 + y2   s.t.  y1 + y2 = 5  (demand, row 1),  y2 <= 2 (capacity, row 3)

with columns in the order x1, y1, x2, y2. By hand: A takes the cheap x1 to its capacity,
x1 = 6, x2 = 4 (cost 14); B takes y2 to its capacity, y2 = 2, y1 = 3 (cost 11); total 25.
Row duals (d cost / d bound): demand A 2 (one more unit comes by x2), demand B 3 (by y1),
capacity A -1 (a unit of x1 instead of x2 saves 1), capacity B -2 (y2 instead of y1 saves 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corridor.highs import HighsModel, LpArrays, SolveOptions, independent_blocks
from corridor.lp import LinearProgram, Terms


def two_blocks(y1_upper: float = np.inf, link: bool = False) -> LinearProgram:
    lp = LinearProgram()
    cols = lp.add_columns("v", pd.DataFrame({"name": ["x1", "y1", "x2", "y2"]}))
    cols.upper[1] = y1_upper
    terms = Terms()
    terms.add([0, 0, 1, 1, 2, 3], [0, 2, 1, 3, 0, 3], 1.0)
    if link:  # one coefficient of block B in block A's capacity row joins the blocks
        terms.add([2], [1], 1e-3)
    lp.add_rows(
        "r",
        pd.DataFrame({"name": ["demand A", "demand B", "capacity A", "capacity B"]}),
        terms,
        lower=[10, 5, -np.inf, -np.inf],
        upper=[10, 5, 6, 2],
    )
    lp.add_cost("cost", cols.cols, [1.0, 3.0, 2.0, 1.0])
    return lp


def solve(lp: LinearProgram, split: bool, **options):
    model = HighsModel(lp)
    result = model.run(SolveOptions(split=split, **options))
    return model, result, model.solution(result)


def test_blocks_found_from_the_matrix():
    found = independent_blocks(LpArrays.of(two_blocks()).matrix)
    assert [(c.tolist(), r.tolist()) for c, r in found] == [([0, 2], [0, 2]), ([1, 3], [1, 3])]
    assert len(independent_blocks(LpArrays.of(two_blocks(link=True)).matrix)) == 1


def test_split_solve_is_the_whole_solve():
    _, whole, w = solve(two_blocks(), split=False)
    _, split, s = solve(two_blocks(), split=True)
    assert (whole.blocks, split.blocks) == (1, 2)
    assert split.status == whole.status == "optimal"
    assert split.objective == pytest.approx(25.0) == whole.objective
    np.testing.assert_allclose(s.x, [6, 3, 4, 2], atol=1e-9)
    np.testing.assert_allclose(s.x, w.x, atol=1e-9)
    np.testing.assert_allclose(s.row_dual, [2, 3, -1, -2], atol=1e-9)
    np.testing.assert_allclose(s.row_dual, w.row_dual, atol=1e-9)
    np.testing.assert_allclose(s.col_dual, w.col_dual, atol=1e-9)
    assert s.duals_from == "lp"


def test_one_infeasible_block_makes_the_lp_infeasible():
    """y1 <= 1 leaves block B at most 1 + 2 = 3 < 5: infeasible, whole or split."""
    _, whole, _ = solve(two_blocks(y1_upper=1.0), split=False)
    _, split, s = solve(two_blocks(y1_upper=1.0), split=True)
    assert whole.status == split.status == "infeasible"
    assert s.x is None and split.objective is None


def test_a_stopped_block_stops_the_lp():
    """No simplex iteration allowed (and no presolve to solve it first): no block has a
    plan, and the LP has none either; both say why they stopped."""
    stop = {"highs_options": {"presolve": "off", "simplex_iteration_limit": 0}}
    _, whole, _ = solve(two_blocks(), split=False, **stop)
    _, split, s = solve(two_blocks(), split=True, **stop)
    assert whole.status == split.status == "no_solution"
    assert "(Iteration limit reached)" in whole.message
    assert "(Iteration limit reached)" in split.message
    assert s.x is None


def test_a_change_after_a_split_solve_starts_from_the_joined_basis():
    """x2 at cost 0.5 is cheaper than x1: block A moves to x2 = 10 (cost 5), total 16."""
    model, first, _ = solve(two_blocks(), split=True)
    assert first.blocks == 2
    model.change_costs(np.array([2]), np.array([0.5]))
    again = model.run(SolveOptions())
    assert again.blocks == 1 and again.status == "optimal"
    assert again.objective == pytest.approx(16.0)
    np.testing.assert_allclose(model.solution(again).x, [0, 3, 10, 2], atol=1e-9)


def test_a_mip_is_never_split():
    lp = two_blocks()
    lp.columns["v"].integer = True
    _, result, solution = solve(lp, split=True)
    assert result.blocks == 1 and result.objective == pytest.approx(25.0)

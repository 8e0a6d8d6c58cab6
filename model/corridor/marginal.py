"""Marginal values: what one more capacity unit, or one more percentage point of a cap, saves.

They come from the row duals of the solve (`Solution.row_dual`): an LP's own, or, for a MIP,
those of its LP with the integer decisions (route opening, shipments, expansion units) held
at the plan. HiGHS reports a row's dual ``y`` as the change of the total cost per unit of the
row's active bound, so:

- ``Capacity``: ``load <= capacity`` gives ``marginal_value = -y``, the saving per extra
  capacity unit (>= 0);
- ``Rules``, share bounds: ``through - cap * total <= 0``; raising the cap by ``d`` moves the
  bound by ``d * total``, so one percentage point (``d = 0.01``) of a ``max_share`` saves
  ``-0.01 * y * total``, and lowering a ``min_share`` by one saves ``0.01 * y * total``;
- ``Rules``, volume bounds: ``-y`` per capacity unit a ``max_volume`` is raised, ``y`` per
  unit a ``min_volume`` is lowered.

The values are local: they hold while the same constraints stay binding (one more unit may
already reach another one), and with the integer decisions as planned. A soft rule's value is
at most its penalty's worth. Blank (NaN) when no duals exist (no plan, or a stopped LP).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .lp import LinearProgram
from .rules import SHARE_BOUNDS

EPS = 1e-9  # savings below this are reported as 0
POINT = 0.01  # one percentage point of a share


def _clean(saving: np.ndarray) -> np.ndarray:
    return np.where(np.abs(saving) > EPS, np.maximum(saving, 0.0), 0.0)


def capacity_values(lp: LinearProgram, row_dual: np.ndarray | None) -> np.ndarray:
    """Saving per extra capacity unit of each capacity_limit row (NaN without duals)."""
    block = lp.rows.get("capacity_limit")
    n = len(block) if block is not None else 0
    if row_dual is None or block is None:
        return np.full(n, np.nan)
    return _clean(-row_dual[block.start : block.stop])


def rule_values(
    lp: LinearProgram, rows, row_dual: np.ndarray | None, scope_totals: np.ndarray
) -> np.ndarray:
    """Saving per percentage point (shares) or capacity unit (volumes) each limit_rule row is
    loosened (NaN without duals). `rows` is the RuleTable's rows frame, `scope_totals` the
    value of every scope's total at the plan."""
    block = lp.rows.get("limit_rule")
    n = len(rows)
    if row_dual is None or block is None:
        return np.full(n, np.nan)
    y = row_dual[block.start : block.stop]
    bound = rows["bound"].to_numpy(dtype=object)
    upper = np.array([b.startswith("max") for b in bound], dtype=bool)
    share = np.isin(bound, SHARE_BOUNDS)
    total = scope_totals[rows["scope"].to_numpy(dtype=np.int64)]
    per_point = POINT * y * total
    saving = np.where(share, np.where(upper, -per_point, per_point), np.where(upper, -y, y))
    return _clean(saving)


# ------------------------------------------------------------------ sourcing (spec section 6)


def demand_values(lp: LinearProgram, row_dual: np.ndarray | None) -> np.ndarray:
    """Cost of meeting one more unit of each need: the dual of its ``demand_balance`` row
    (``deliveries + stock drawn + unmet >= volume``); NaN without duals. It is at most the
    need's penalty where unmet demand is allowed."""
    block = lp.rows.get("demand_balance")
    n = len(block) if block is not None else 0
    if row_dual is None or block is None:
        return np.full(n, np.nan)
    return _clean(row_dual[block.start : block.stop])


def floor_values(lp: LinearProgram, solution) -> np.ndarray:
    """Cost of one more unit of reserve floor, per stock and period: the dual of its
    ``stock_floor`` row, or where the floor is 0 (no row) the reduced cost of the level
    at its lower bound; NaN without duals. A soft floor's value is at most its penalty."""
    level = lp.columns.get("stock_level")
    n = len(level) if level is not None else 0
    if level is None or solution.row_dual is None or solution.col_dual is None:
        return np.full(n, np.nan)
    out = solution.col_dual[level.start : level.stop].copy()
    floor = lp.rows.get("stock_floor")
    if floor is not None and len(floor):
        at = level.locate(floor.keys) - level.start
        out[at] = solution.row_dual[floor.start : floor.stop]
    return _clean(out)


def offer_values(
    lp: LinearProgram,
    solution,
    inputs,
    volume: np.ndarray,
    taken: np.ndarray,
    has_taken: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(reduced_cost, breakeven_price) per offer row (offer and period) that buys nothing.

    A unit of offer o in period t costs, beyond what it saves elsewhere,

        d[o,t] = min over its flows j of  c_j - sum_{rows i other than o's own} a_ij y_i

    (the flow's reduced cost with the duals of the offer's own offer_max and offer_min rows
    added back, which hold the purchase at 0; y from the LP with the integer decisions held
    as planned). An offer row that buys nothing would start to sell when its price falls by
    ``reduced_cost = max(d, 0)``: ``breakeven_price = price - reduced_cost``. For an offer
    with a ``taken`` decision that is not taken, taking it also pays its fixed cost, spread
    over V[t] = the most it could sell in each period (its max_volume, at most the needs its
    flows reach): ``reduced_cost = max(0, (fixed_cost + sum_t V[t] d[o,t]) / sum_t V[t])``, the
    same for each of its rows; blank where it could not sell its min_volume in some period.
    The estimate is local: it holds while the rest of the plan's marginal costs hold over the
    volume bought. Rows that buy get reduced_cost 0 and no breakeven price."""
    offers = inputs.offer_rows
    n = len(offers)
    reduced = np.full(n, np.nan)
    breakeven = np.full(n, np.nan)
    if solution.row_dual is None or solution.col_dual is None or n == 0:
        return reduced, breakeven
    flows = inputs.flows
    flow = lp.columns["flow"]
    on = np.flatnonzero(flows["offer_row"].to_numpy() >= 0)
    row_of = flows["offer_row"].to_numpy()[on]
    own = np.zeros(n)
    for name in ("offer_max", "offer_min"):
        block = lp.rows.get(name)
        if block is None or len(block) == 0:
            continue
        at = block.locate(offers[["offer", "period"]])
        hit = at >= 0
        own[hit] += solution.row_dual[at[hit]]
    d_flow = solution.col_dual[flow.start + on] + own[row_of]
    d = np.full(n, np.inf)
    np.minimum.at(d, row_of, d_flow)
    price = offers["price"].to_numpy(dtype=float)
    buys = volume > EPS
    per_row = ~buys & np.isfinite(d)
    reduced[buys] = 0.0
    reduced[per_row] = np.maximum(_clean_signed(d[per_row]), 0.0)
    breakeven[per_row] = price[per_row] - reduced[per_row]
    # offers with a taken decision that are not taken: the fixed cost counts too
    needs = inputs.needs["volume"].to_numpy(dtype=float)
    pairs = pd.DataFrame({"row": row_of, "need": flows["need"].to_numpy()[on]}).drop_duplicates()
    reach = np.bincount(
        pairs["row"].to_numpy(), weights=needs[pairs["need"].to_numpy()], minlength=n
    )
    cap = offers["max_volume"].to_numpy(dtype=float)
    most = np.where(np.isnan(cap), reach, np.minimum(cap, reach))
    least = offers["min_volume"].to_numpy(dtype=float)
    fixed = offers["fixed_cost"].to_numpy(dtype=float)
    idle = has_taken & (taken < 0.5)
    for offer in pd.unique(offers["offer"].to_numpy()[idle]):
        rows = np.flatnonzero((offers["offer"] == offer).to_numpy())
        if (most[rows] < least[rows] - EPS).any() or most[rows].sum() <= EPS:
            reduced[rows] = breakeven[rows] = np.nan
            continue
        sells = rows[(most[rows] > EPS) & np.isfinite(d[rows])]
        delta = (fixed[rows[0]] + float(most[sells] @ d[sells])) / most[sells].sum()
        reduced[rows] = max(_clean_signed(np.array([delta]))[0], 0.0)
        breakeven[rows] = price[rows] - reduced[rows]
    return reduced, breakeven


def _clean_signed(values: np.ndarray) -> np.ndarray:
    return np.where(np.abs(values) > EPS, values, 0.0)

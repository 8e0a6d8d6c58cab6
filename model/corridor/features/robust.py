"""Robust plans: one recourse copy of the program per guarded closure and period (spec 7).

The plan itself is the first stage: flows x, route use y, expansions z, bookings b, offers
taken u and stock levels. For each guarded closure s (a `Guard`: kind:id, probability p_s,
min_delivery m_s) and each period t, a second-stage copy re-plans period t with s closed,
*given* the first stage:

    copy of every period-t column of the program (flows on routes s does not close, rule
        violations, scope totals, stock levels and draws), with the plan's bounds and costs
    copy of every period-t row: delivery and demand balances, capacities (with the plan's
        z), route use (flow only on routes the plan opened: load <= M y), offer maxima (an
        offer with a taken column sells only if the plan took it; one without, a spot
        offer, within its max_volume), stock balances (from the plan's closing level of
        t-1 or initial, down to zero: no reserve floor in an emergency), share totals and
        rules; not copied: minimum volumes, offer minima and lots (no emergency honours
        them), rules pooling the whole horizon, minimum rules whose value no open route
        of the scope carries, and the default cap in the scopes s takes a usable route
        from (spec section 5)
    recourse_shortfall[s,c,t] in [0, volume], at the contract's penalty or closure_penalty
    recourse_unmet[s,d,k,t]   in [0, volume], at the need's penalty or closure_penalty
    recourse_stock_drawdown[s,n,k,t] >= level[n,k,t] - level_s,t[n,k,t], at replacement_cost
    recourse_booking[s,r,t]:  load_s,t[r] - b[r,t] <= 0            (routes with a booking cost)
    delivery_floor[s,c,t]:    sum_r x_s,t[c,r] - m_s * sum_r x[c,r,t] >= 0
    demand_floor[s,d,k,t]:    volume - unmet_s,t >= m_s * (volume - unmet[d,k,t])
                              (what the need is served: contracts, offers and stock)
    recourse_cost[s,t]:       e[s,t] - rc_s,t + pc_t >= 0,  e >= 0   (only where p_s > 0)

with rc_s,t the copy's period cost (transport, handling, carrying, carbon, offer prices,
shortfall and unmet demand at their penalties, violations, stock drawn below the plan's
closing level at its replacement cost) and pc_t the plan's own period-t cost; the objective
gains ``expected_recourse_cost`` = sum_s,t p_s e[s,t]: a closure never earns a saving, so a
robust plan never costs less than the plan without robust mode.

A copy is built by slicing the program: every block declares its role (`COLUMN_ROLES`,
`ROW_ROLES`); a column of another period or of the first stage (y, z, b, u) is *linked*
(the copy's rows refer to the plan's own column). A new feature must declare its blocks
here.

`define(lp, inputs, copies)` adds the copies listed ((guard, period) pairs; all when None):
the extensive form in one program. robust.py solves it, adding copies lazily.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..closures import (
    Closure,
    closed_flows,
    emptied_minimums,
    parse_closure,
    rows_in_scopes,
    touched_scopes,
)
from ..lp import INF, Columns, LinearProgram, Terms
from ..rules import DEFAULT_CAP_RULE
from .stocks import stock_periods

# how each block of the program enters a recourse copy
COLUMN_ROLES = {
    "flow": "copy",
    "shortfall": "replace",  # every contract row gets a recourse shortfall instead
    "scope_total": "copy",
    "rule_violation": "copy",
    "use_route": "link",
    "build": "link",
    "booking": "link",
    "shipments": "drop",  # lots do not apply in an emergency
    "taken": "link",  # the recourse buys only from offers the plan took
    "unmet": "replace",  # every need gets a recourse unmet instead
    "stock_level": "copy",
    "stock_draw": "copy",
    "stock_below": "drop",  # no reserve floor in an emergency
}
ROW_ROLES = {
    "delivery": "copy",
    "capacity_limit": "copy",
    "route_open_limit": "copy",
    "route_min_volume": "drop",
    "lot_count": "drop",
    "scope_total_def": "copy",
    "limit_rule": "copy",
    "booking_fit": "drop",  # the copy has its own recourse_booking rows
    "offer_max": "copy",
    "offer_min": "drop",
    "demand_balance": "copy",
    "stock_balance": "copy",
    "stock_floor": "drop",
}
# cargo a copy may lose: the first-stage column it replaces, the balance row it joins, the
# table of those rows (an Inputs attribute) and their keys
LOST = (
    ("shortfall", "delivery", "contract_rows", ["contract", "period"]),
    ("unmet", "demand_balance", "needs", ["destination", "commodity", "period"]),
)
# the cost terms of a period's cost (holding costs are the plan's either way)
PERIOD_COSTS = (
    "transport_cost",
    "handling_cost",
    "carrying_cost",
    "carbon_cost",
    "shortfall_cost",
    "violation_cost",
    "purchase_cost",
    "unmet_cost",
)


@dataclass(frozen=True)
class Guard:
    """A closure the plan must survive, with its probability and delivery floor."""

    closure: Closure
    probability: float
    min_delivery: float

    @property
    def name(self) -> str:
        return str(self.closure)


def guards(inputs) -> list[Guard]:
    """The closures to guard: the Disruptions sheet's rows, or every value of the
    robust_against kinds that some usable route carries (spec section 7)."""
    md = inputs.settings.get("robust_min_delivery")
    if md is None:
        return []
    if "Disruptions" in inputs.tables:
        out = []
        for rec in inputs.disruptions.to_dict("records"):
            if rec.get("kind") is None:
                continue
            p = rec.get("probability")
            m = rec.get("min_delivery")
            out.append(
                Guard(
                    Closure(rec["kind"], rec["id"]),
                    0.0 if p is None or p != p else float(p),
                    float(md) if m is None or m != m else float(m),
                )
            )
        return out
    used = inputs.routes.loc[pd.unique(inputs.flows["route"])]
    out = []
    for kind in inputs.settings.get("robust_against") or ("transit_country",):
        column = {
            "transit_country": "transit",
            "origin_country": "origin_country",
            "chokepoint": "chokepoints",
            "corridor": "corridor",
        }[kind]
        values = used[column]
        if column in ("origin_country", "corridor"):
            values = values.map(lambda v: (v,))
        for ident in sorted({v for vs in values for v in vs}):
            out.append(Guard(Closure(kind, ident), 0.0, float(md)))
    return out


def all_copies(inputs, guard_list: list[Guard]) -> list[tuple[Guard, str]]:
    """Every (guard, period) pair whose closure removes a flow of that period."""
    flows = inputs.flows
    out = []
    for g in guard_list:
        periods = set(flows["period"].to_numpy()[closed_flows(inputs, g.closure)])
        out += [(g, t) for t in inputs.periods if t in periods]
    return out


def _period_mask(keys: pd.DataFrame, period: str) -> np.ndarray:
    if "period" not in keys:
        return np.zeros(len(keys), dtype=bool)
    return (keys["period"] == period).to_numpy().copy()


@dataclass
class _Copy:
    guard: Guard
    period: str
    cols: dict[str, np.ndarray]  # source column block -> local positions copied
    rows: dict[str, np.ndarray]  # source row block -> local positions copied
    closed: np.ndarray  # flow positions the closure removes (all periods)


@dataclass
class _Lost:
    """The recourse columns of one kind of lost cargo (contract shortfall or unmet demand)."""

    first: str  # the first-stage block it replaces
    row: str  # the balance row block it joins
    table: pd.DataFrame  # the balance rows' table (contract_rows or needs)
    keys: list[str]
    block: Columns  # recourse_<first>, copy after copy
    rows: list[np.ndarray]  # per copy: the table positions of its columns
    starts: list[int]  # per copy: its first column
    penalty: np.ndarray  # per column

    def of(self, k: int) -> np.ndarray:
        """The columns of copy k."""
        return self.starts[k] + np.arange(len(self.rows[k]))


def _select(columns: dict, row_blocks: dict, inputs, guard: Guard, period: str) -> _Copy:
    """What the copy of (guard, period) takes from the first stage's blocks."""
    closed = closed_flows(inputs, guard.closure)
    cols = {}
    for name, block in columns.items():
        if COLUMN_ROLES[name] != "copy":
            continue
        mask = _period_mask(block.keys, period)
        if name == "flow":
            mask[closed] = False
        cols[name] = np.flatnonzero(mask)
    rows = {}
    for name, block in row_blocks.items():
        if ROW_ROLES[name] != "copy":
            continue
        mask = _period_mask(block.keys, period)
        if name == "limit_rule":
            table = inputs.rules.rows
            suspended = (table["rule"] == DEFAULT_CAP_RULE).to_numpy() & rows_in_scopes(
                table, touched_scopes(inputs, closed)
            )
            mask &= ~suspended & ~emptied_minimums(inputs, closed)
        rows[name] = np.flatnonzero(mask)
    return _Copy(guard, period, cols, rows, closed)


class RecourseBuilder:
    """Adds recourse copies to a program (see the module docstring).

    With `evaluate`, the copies are built to be judged against a fixed first stage instead:
    each copy's columns carry their period costs (`cost_names`), each floor gets a slack
    (`floor_slack`, at a cost above any other) and no recourse_excess rows are made; the
    caller fixes the first-stage columns and minimises, so every copy gets its least-cost
    recourse and the slack says by how much its floor fails."""

    def __init__(self, lp: LinearProgram, inputs, *, evaluate: bool = False) -> None:
        self.lp = lp
        self.inputs = inputs
        self.evaluate = evaluate
        self.base_cols = lp.n_cols
        for name in lp.columns:
            if name not in COLUMN_ROLES:
                raise NotImplementedError(f"robust plans: block {name!r} has no recourse role")
        for name in lp.rows:
            if name not in ROW_ROLES:
                raise NotImplementedError(f"robust plans: block {name!r} has no recourse role")
        self.columns = dict(lp.columns)  # the first stage's blocks, before any copy
        self.row_blocks = dict(lp.rows)
        self.matrix = lp.matrix("csr")
        self.cost = lp.cost_vector(PERIOD_COSTS)
        dropped = np.zeros(lp.n_cols, dtype=bool)
        for name, block in self.columns.items():
            if COLUMN_ROLES.get(name) in ("drop", "replace"):
                dropped[block.start : block.stop] = True
        self.dropped = dropped
        # the cost terms an evaluation minimises
        self.cost_names = ["recourse_logistics", "floor_slack"]
        self.cost_names += [f"recourse_{first}" for first, *_ in LOST]
        self.cost_names.append("recourse_stock_drawdown")

    def add(self, copies: list[tuple[Guard, str]]) -> None:
        lp, inputs = self.lp, self.inputs
        if not copies:
            return
        picks = [_select(self.columns, self.row_blocks, inputs, g, t) for g, t in copies]
        # ---- columns: the copied blocks, then lost cargo, stock drawdown and cost excess
        new_ids: list[dict[str, np.ndarray]] = [dict() for _ in picks]
        # recourse columns carry no cost of their own: a copy's cost enters only through
        # recourse_excess, weighed by the closure's probability
        for name, block in self.columns.items():
            if COLUMN_ROLES[name] != "copy":
                continue
            parts, lower, upper = [], [], []
            for pick in picks:
                local = pick.cols[name]
                keys = block.keys.iloc[local].copy()
                keys.insert(0, "closure", pick.guard.name)
                parts.append(keys)
                lower.append(block.lower[local])
                upper.append(block.upper[local])
            added = lp.add_columns(
                f"recourse_{name}",
                pd.concat(parts, ignore_index=True),
                lower=np.concatenate(lower),
                upper=np.concatenate(upper),
            )
            start = added.start
            for k, pick in enumerate(picks):
                n = len(pick.cols[name])
                new_ids[k][name] = np.arange(start, start + n)
                start += n
        self.picks, self.new_ids = picks, new_ids
        self.lost = self._lost_columns(picks)
        self.drawdown = self._drawdown_columns(picks)
        if self.evaluate:
            for name in new_ids[0]:
                cols = np.concatenate([ids[name] for ids in new_ids])
                src = np.concatenate([self.columns[name].start + p.cols[name] for p in picks])
                lp.add_cost("recourse_logistics", cols, self.cost[src])
        excess_keys = [
            (pick.guard.name, pick.period)
            for pick in picks
            if pick.guard.probability > 0 and not self.evaluate
        ]
        excess = lp.add_columns(
            "recourse_excess", pd.DataFrame(excess_keys, columns=["closure", "period"])
        )
        lp.add_cost(
            "expected_recourse_cost",
            excess.cols,
            np.array(
                [p.guard.probability for p in picks if p.guard.probability > 0][: len(excess)]
            ),
        )
        # ---- rows: the copied blocks with their terms remapped
        lost_of_row = {lost.row: lost for lost in self.lost.values()}
        for name, block in self.row_blocks.items():
            if ROW_ROLES[name] != "copy":
                continue
            keys_parts, lower, upper = [], [], []
            terms = Terms()
            offset = 0
            for k, pick in enumerate(picks):
                local = pick.rows[name]
                keys = block.keys.iloc[local].copy()
                keys.insert(0, "closure", pick.guard.name)
                keys_parts.append(keys)
                lower.append(block.lower[local])
                upper.append(block.upper[local])
                r, c, v = self._terms(block.start + local, pick, new_ids[k])
                terms.add(r + offset, c, v)
                lost = lost_of_row.get(name)
                if lost is not None:
                    # the copy's lost cargo joins its balance row
                    pos = pd.MultiIndex.from_frame(block.keys.iloc[local]).get_indexer(
                        pd.MultiIndex.from_frame(lost.table.iloc[lost.rows[k]][lost.keys])
                    )
                    ok = pos >= 0
                    terms.add(offset + pos[ok], lost.of(k)[ok], 1.0)
                offset += len(local)
            if offset == 0:
                continue
            lp.add_rows(
                f"recourse_{name}",
                pd.concat(keys_parts, ignore_index=True),
                terms,
                lower=np.concatenate(lower),
                upper=np.concatenate(upper),
            )
        self._bookings(picks, new_ids)
        self._drawdown_rows(picks, new_ids)
        self._floors(picks, new_ids)
        if not self.evaluate:
            self._excess(picks, new_ids, excess)

    def _lost_columns(self, picks) -> dict[str, _Lost]:
        """recourse_shortfall and recourse_unmet: every balance row of the copy's period
        may lose cargo, up to its volume, at its penalty or closure_penalty."""
        lp, inputs = self.lp, self.inputs
        out = {}
        for first, row, attr, keys in LOST:
            if row not in self.row_blocks:
                continue
            table = getattr(inputs, attr)
            penalty = table["penalty"].to_numpy(dtype=float)
            penalty = np.where(np.isnan(penalty), inputs.closure_penalty, penalty)
            volume = table["volume"].to_numpy(dtype=float)
            period = table["period"].to_numpy(dtype=object)
            parts, rows, starts, n = [], [], [], lp.n_cols
            for pick in picks:
                local = np.flatnonzero(period == pick.period)
                frame = table.iloc[local][keys].copy()
                frame.insert(0, "closure", pick.guard.name)
                parts.append(frame)
                rows.append(local)
                starts.append(n)
                n += len(local)
            at = np.concatenate(rows)
            block = lp.add_columns(
                f"recourse_{first}", pd.concat(parts, ignore_index=True), upper=volume[at]
            )
            out[first] = _Lost(first, row, table, keys, block, rows, starts, penalty[at])
            if self.evaluate:
                lp.add_cost(f"recourse_{first}", block.cols, penalty[at])
        return out

    def _drawdown_columns(self, picks) -> Columns | None:
        """recourse_stock_drawdown: stock a copy leaves below the plan's closing level."""
        if "stock_level" not in self.columns:
            return None
        level = self.columns["stock_level"]
        stock = stock_periods(self.inputs)["stock"].to_numpy()
        price = self.inputs.replacement_cost
        parts, cost = [], []
        for pick in picks:
            local = pick.cols["stock_level"]
            keys = level.keys.iloc[local].copy()
            keys.insert(0, "closure", pick.guard.name)
            parts.append(keys)
            cost.append(price[stock[local]])
        block = self.lp.add_columns("recourse_stock_drawdown", pd.concat(parts, ignore_index=True))
        self.drawdown_cost = np.concatenate(cost)
        if self.evaluate:
            self.lp.add_cost("recourse_stock_drawdown", block.cols, self.drawdown_cost)
        return block

    def _drawdown_rows(self, picks, ids) -> None:
        """drawdown_s + level_s[t] - level[t] >= 0."""
        if self.drawdown is None or len(self.drawdown) == 0:
            return
        level = self.columns["stock_level"]
        terms, n = Terms(), 0
        for k, pick in enumerate(picks):
            local = pick.cols["stock_level"]
            rows = n + np.arange(len(local))
            terms.add(rows, self.drawdown.start + rows, 1.0)
            terms.add(rows, ids[k]["stock_level"], 1.0)
            terms.add(rows, level.start + local, -1.0)
            n += len(local)
        self.lp.add_rows("recourse_stock_drawdown_def", self.drawdown.keys, terms, lower=0.0)

    def _terms(self, global_rows: np.ndarray, pick: _Copy, ids: dict[str, np.ndarray]):
        """Terms of first-stage rows, remapped: copied columns to their copies, linked
        columns kept, closed flows and dropped blocks left out."""
        m = self.matrix
        starts, ends = m.indptr[global_rows], m.indptr[global_rows + 1]
        counts = ends - starts
        local = np.repeat(np.arange(len(global_rows)), counts)
        pos = np.repeat(starts, counts) + (
            np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        )
        cols = m.indices[pos].astype(np.int64)
        vals = m.data[pos]
        out = cols.copy()
        keep = ~self.dropped[cols]
        flow = self.columns["flow"]
        for name, block in self.columns.items():
            if COLUMN_ROLES[name] != "copy" or name not in ids:
                continue
            inside = (cols >= block.start) & (cols < block.stop)
            if not inside.any():
                continue
            src = block.start + pick.cols[name]  # sorted
            if len(src):
                p = np.minimum(np.searchsorted(src, cols[inside]), len(src) - 1)
                hit = src[p] == cols[inside]
                mapped = np.where(hit, ids[name][p], -1)
            else:  # the copy has none of this block (a closure that stops every flow)
                hit = np.zeros(int(inside.sum()), dtype=bool)
                mapped = hit.astype(np.int64)
            if name == "flow":
                closed = np.isin(cols[inside] - flow.start, pick.closed)
                keep[np.flatnonzero(inside)[closed]] = False
            # a copied block's column of another period stays the plan's own (a link)
            out[np.flatnonzero(inside)] = np.where(hit, mapped, cols[inside])
        return local[keep], out[keep], vals[keep]

    def _bookings(self, picks, ids) -> None:
        if "booking" not in self.columns:
            return
        lp, inputs = self.lp, self.inputs
        booking = self.columns["booking"]
        cu = inputs.flows["capacity_use"].to_numpy(dtype=float)
        keys_parts, terms, offset = [], Terms(), 0
        pair_of = pd.MultiIndex.from_frame(booking.keys)
        for k, pick in enumerate(picks):
            mine = booking.keys["period"].to_numpy() == pick.period
            local_pairs = np.flatnonzero(mine)
            if len(local_pairs) == 0:
                continue
            flows = pick.cols["flow"]
            f = inputs.flows.iloc[flows]
            row = pair_of.get_indexer(pd.MultiIndex.from_arrays([f["route"], f["period"]]))
            on = row >= 0
            where = np.full(len(booking.keys), -1, dtype=np.int64)
            where[local_pairs] = np.arange(len(local_pairs))
            terms.add(offset + where[row[on]], ids[k]["flow"][on], cu[flows[on]])
            terms.add(offset + np.arange(len(local_pairs)), booking.start + local_pairs, -1.0)
            keys = booking.keys.iloc[local_pairs].copy()
            keys.insert(0, "closure", pick.guard.name)
            keys_parts.append(keys)
            offset += len(local_pairs)
        if offset:
            lp.add_rows(
                "recourse_booking", pd.concat(keys_parts, ignore_index=True), terms, upper=0.0
            )

    def _floors(self, picks, ids) -> None:
        """delivery_floor per contract row and demand_floor per need of the copy's period;
        in evaluate mode each with a floor_slack column (keys: closure, period, row)."""
        lp, inputs = self.lp, self.inputs
        flow = self.columns["flow"]
        of = inputs.flows["contract_row"].to_numpy()
        rows_of = inputs.contract_rows
        floors = []  # (row block name, keys, terms, lower, slack labels)
        if "shortfall" in self.lost:
            keys_parts, terms, labels, offset = [], Terms(), [], 0
            contract = of >= 0
            for k, pick in enumerate(picks):
                local = np.flatnonzero((rows_of["period"] == pick.period).to_numpy())
                if len(local) == 0:
                    continue
                where = np.full(len(rows_of), -1, dtype=np.int64)
                where[local] = np.arange(len(local))
                copied = pick.cols["flow"]
                mine = contract[copied]
                terms.add(offset + where[of[copied[mine]]], ids[k]["flow"][mine], 1.0)
                plan_flows = np.flatnonzero(contract & (where[np.maximum(of, 0)] >= 0))
                terms.add(
                    offset + where[of[plan_flows]],
                    flow.start + plan_flows,
                    -pick.guard.min_delivery,
                )
                keys = rows_of.iloc[local][["contract", "period"]].copy()
                keys.insert(0, "closure", pick.guard.name)
                keys_parts.append(keys)
                labels += [f"contract {c}" for c in keys["contract"]]
                offset += len(local)
            if offset:
                floors.append(("delivery_floor", keys_parts, terms, np.zeros(offset), labels))
        lost = self.lost.get("unmet")
        if lost is not None:
            # volume - unmet_s >= m (volume - unmet): -unmet_s + m unmet >= (m - 1) volume
            needs = lost.table
            volume = needs["volume"].to_numpy(dtype=float)
            plan_unmet = np.full(len(needs), -1, dtype=np.int64)
            first = self.columns.get("unmet")
            if first is not None and len(first):
                at = pd.MultiIndex.from_frame(needs[lost.keys]).get_indexer(
                    pd.MultiIndex.from_frame(first.keys[lost.keys])
                )
                plan_unmet[at] = first.cols
            keys_parts, terms, labels, lower, offset = [], Terms(), [], [], 0
            for k, pick in enumerate(picks):
                local = lost.rows[k]
                if len(local) == 0:
                    continue
                m = pick.guard.min_delivery
                rows = offset + np.arange(len(local))
                terms.add(rows, lost.of(k), -1.0)
                has = plan_unmet[local] >= 0
                terms.add(rows[has], plan_unmet[local[has]], m)
                lower.append((m - 1.0) * volume[local])
                keys = needs.iloc[local][lost.keys].copy()
                keys.insert(0, "closure", pick.guard.name)
                keys_parts.append(keys)
                labels += [
                    f"demand {d} {c}"
                    for d, c in zip(keys["destination"], keys["commodity"], strict=True)
                ]
                offset += len(local)
            if offset:
                floors.append(("demand_floor", keys_parts, terms, np.concatenate(lower), labels))
        if not floors:
            return
        if self.evaluate:  # elastic floors: how far each one fails
            frames = []
            for _, parts, _, _, labels in floors:
                frame = pd.concat(parts, ignore_index=True)[["closure", "period"]]
                frame["row"] = labels
                frames.append(frame)
            slack = lp.add_columns("floor_slack", pd.concat(frames, ignore_index=True))
            lp.add_cost("floor_slack", slack.cols, 100.0 * inputs.closure_penalty)
            first = slack.start
            for _, _, terms, lower, _ in floors:
                terms.add(np.arange(len(lower)), first + np.arange(len(lower)), 1.0)
                first += len(lower)
        for name, parts, terms, lower, _ in floors:
            lp.add_rows(name, pd.concat(parts, ignore_index=True), terms, lower=lower)

    def _excess(self, picks, ids, excess) -> None:
        """e[s,t] - rc_s,t + pc_t >= 0 for the copies with a probability."""
        lp = self.lp
        if len(excess) == 0:
            return
        terms, keys, n = Terms(), [], 0
        drawn_at = 0
        for k, pick in enumerate(picks):
            drawn = len(pick.cols.get("stock_level", ()))
            drawn_cols = np.arange(drawn_at, drawn_at + drawn)
            drawn_at += drawn
            if pick.guard.probability <= 0:
                continue
            for name, block in self.columns.items():
                if COLUMN_ROLES[name] != "copy":
                    continue
                src = block.start + pick.cols[name]
                terms.add(np.full(len(src), n), ids[k][name], -self.cost[src])
                own = block.start + np.flatnonzero(_period_mask(block.keys, pick.period))
                terms.add(np.full(len(own), n), own, self.cost[own])
            for lost in self.lost.values():
                cols = lost.of(k)
                terms.add(np.full(len(cols), n), cols, -lost.penalty[cols - lost.block.start])
                plan_lost = self.columns.get(lost.first)
                if plan_lost is not None and len(plan_lost):
                    mine = _period_mask(plan_lost.keys, pick.period)
                    own = plan_lost.start + np.flatnonzero(mine)
                    terms.add(np.full(len(own), n), own, self.cost[own])
            if drawn:
                terms.add(
                    np.full(drawn, n),
                    self.drawdown.start + drawn_cols,
                    -self.drawdown_cost[drawn_cols],
                )
            terms.add([n], [excess.start + n], 1.0)
            keys.append((pick.guard.name, pick.period))
            n += 1
        lp.add_rows(
            "recourse_cost",
            pd.DataFrame(keys, columns=["closure", "period"]),
            terms,
            lower=0.0,
            upper=INF,
        )


def set_floor_level(lp: LinearProgram, inputs, level: float):
    """Set every copy's min_delivery to `level` in a built program, in place: the plan's
    coefficient in each delivery_floor row (-level on its flows) and each demand_floor row
    (level on its unmet, lower bound (level - 1) x volume). Returns what changed, in the
    program's global numbering, for a live solver: ((rows, cols, values), (rows, lower,
    upper))."""
    rows, cols, vals = [], [], []
    bound_rows, lower, upper = [], [], []
    floors = (("delivery_floor", "flow", -level), ("demand_floor", "unmet", level))
    for name, plan_block, coef in floors:
        floor = lp.rows.get(name)
        block = lp.columns.get(plan_block)
        if floor is None or len(floor) == 0:
            continue
        if block is not None and len(block):
            first = (floor.col >= block.start) & (floor.col < block.stop)
            floor.val[first] = coef
            rows.append(floor.row[first] + floor.start)
            cols.append(floor.col[first])
            vals.append(floor.val[first])
        if name == "demand_floor":
            keys = ["destination", "commodity", "period"]
            at = pd.MultiIndex.from_frame(inputs.needs[keys]).get_indexer(
                pd.MultiIndex.from_frame(floor.keys[keys])
            )
            floor.lower = (level - 1.0) * inputs.needs["volume"].to_numpy(dtype=float)[at]
            bound_rows.append(floor.rows)
            lower.append(floor.lower)
            upper.append(floor.upper)

    def join(parts: list, dtype: type = float) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    return (
        (join(rows, np.int64), join(cols, np.int64), join(vals)),
        (join(bound_rows, np.int64), join(lower), join(upper)),
    )


def define(lp: LinearProgram, inputs, copies: list[tuple[Guard, str]] | None = None) -> None:
    """Add the recourse copies (all of them when `copies` is None) in robust mode."""
    if inputs.settings.get("robust_min_delivery") is None:
        return
    if copies is None:
        copies = all_copies(inputs, guards(inputs))
    RecourseBuilder(lp, inputs).add(copies)


__all__ = [
    "Guard",
    "RecourseBuilder",
    "all_copies",
    "define",
    "guards",
    "parse_closure",
    "set_floor_level",
]

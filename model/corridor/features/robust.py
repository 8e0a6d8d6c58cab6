"""Robust plans: one recourse copy of the program per guarded closure and period (spec 7).

The plan itself is the first stage: flows x, route use y, expansions z, bookings b (and, with
sourcing, offers taken and stock levels). For each guarded closure s (a `Guard`: kind:id,
probability p_s, min_delivery m_s) and each period t, a second-stage copy re-plans period t
with s closed, *given* the first stage:

    copy of every period-t column of the program (flows on routes s does not close, rule
        violations, scope totals), with the plan's bounds and costs
    copy of every period-t row: delivery, capacities (with the plan's z), route use (flow only
        on routes the plan opened: load <= M y), share totals and rules; not copied: minimum
        volumes and lots (no emergency honours them), rules pooling the whole horizon, and
        the default cap in the scopes s takes a usable route from (spec section 5)
    recourse_shortfall[s,c,t] in [0, volume], at the contract's penalty or closure_penalty
    recourse_booking[s,r,t]:   load_s,t[r] - b[r,t] <= 0          (routes with a booking cost)
    delivery_floor[s,c,t]:     sum_r x_s,t[c,r] - m_s * sum_r x[c,r,t] >= 0
    recourse_cost[s,t]:        e[s,t] - rc_s,t + pc_t >= 0,  e >= 0   (only where p_s > 0)

with rc_s,t the copy's period cost (transport, handling, carrying, carbon, shortfall at its
penalty, violations) and pc_t the plan's own period-t cost; the objective gains
``expected_recourse_cost`` = sum_s,t p_s e[s,t]: a closure never earns a saving, so a robust
plan never costs less than the plan without robust mode.

A copy is built by slicing the program: every block declares its role (`COLUMN_ROLES`,
`ROW_ROLES`); a column of another period or of the first stage (y, z, b) is *linked* (the
copy's rows refer to the plan's own column). A new feature must declare its blocks here.

`define(lp, inputs, copies)` adds the copies listed ((guard, period) pairs; all when None):
the extensive form in one program. robust.py solves it, adding copies lazily.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..closures import Closure, closed_flows, parse_closure, rows_in_scopes, touched_scopes
from ..lp import INF, LinearProgram, Terms
from ..rules import DEFAULT_CAP_RULE

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
}
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
            mask &= ~suspended
        rows[name] = np.flatnonzero(mask)
    return _Copy(guard, period, cols, rows, closed)


class RecourseBuilder:
    """Adds recourse copies to a program (see the module docstring).

    With `evaluate`, the copies are built to be judged against a fixed first stage instead:
    each copy's columns carry their period costs, each delivery floor gets a slack
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

    def add(self, copies: list[tuple[Guard, str]]) -> None:
        lp, inputs = self.lp, self.inputs
        if not copies:
            return
        picks = [_select(self.columns, self.row_blocks, inputs, g, t) for g, t in copies]
        flows = inputs.flows
        rows_of = inputs.contract_rows
        # ---- columns: the copied blocks, then shortfall and cost excess
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
        # recourse shortfall: every contract row of the period
        short_keys, short_upper, short_cost, short_rows = [], [], [], []
        penalty = rows_of["penalty"].to_numpy(dtype=float)
        penalty = np.where(np.isnan(penalty), inputs.closure_penalty, penalty)
        volume = rows_of["volume"].to_numpy(dtype=float)
        for pick in picks:
            local = np.flatnonzero((rows_of["period"] == pick.period).to_numpy())
            keys = rows_of.iloc[local][["contract", "period"]].copy()
            keys.insert(0, "closure", pick.guard.name)
            short_keys.append(keys)
            short_upper.append(volume[local])
            short_cost.append(penalty[local])
            short_rows.append(local)
        shortfall = lp.add_columns(
            "recourse_shortfall",
            pd.concat(short_keys, ignore_index=True),
            upper=np.concatenate(short_upper),
        )
        self.short_penalty = np.concatenate(short_cost)
        if self.evaluate:
            lp.add_cost("recourse_shortfall", shortfall.cols, self.short_penalty)
            for name in new_ids[0] if new_ids else ():
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
        delivery_row_of: list[np.ndarray] = []
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
                if name == "delivery":
                    delivery_row_of.append(offset + np.arange(len(local)))
                offset += len(local)
            if offset == 0:
                continue
            if name == "delivery":
                # the recourse shortfall joins each copied delivery row of its contract row
                for k, pick in enumerate(picks):
                    first = shortfall.start + sum(len(x) for x in short_rows[:k])
                    src = block.keys.iloc[pick.rows[name]]
                    pos = pd.MultiIndex.from_frame(src).get_indexer(
                        pd.MultiIndex.from_frame(
                            rows_of.iloc[short_rows[k]][["contract", "period"]]
                        )
                    )
                    ok = pos >= 0
                    terms.add(delivery_row_of[k][pos[ok]], first + np.flatnonzero(ok), 1.0)
            lp.add_rows(
                f"recourse_{name}",
                pd.concat(keys_parts, ignore_index=True),
                terms,
                lower=np.concatenate(lower),
                upper=np.concatenate(upper),
            )
        self._bookings(picks, new_ids)
        self._floors(picks, new_ids, flows)
        if not self.evaluate:
            self._excess(picks, new_ids, shortfall, short_rows, excess)
        self.picks = picks
        self.new_ids = new_ids
        self.shortfall = shortfall
        self.short_rows = short_rows

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
            p = np.searchsorted(src, cols[inside])
            hit = (p < len(src)) & (src[np.minimum(p, len(src) - 1)] == cols[inside])
            mapped = np.where(hit, ids[name][np.minimum(p, len(src) - 1)], -1)
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

    def _floors(self, picks, ids, flows) -> None:
        lp = self.lp
        flow = self.columns["flow"]
        of = flows["contract_row"].to_numpy()
        rows_of = self.inputs.contract_rows
        keys_parts, terms, offset = [], Terms(), 0
        for k, pick in enumerate(picks):
            local = np.flatnonzero((rows_of["period"] == pick.period).to_numpy())
            if len(local) == 0:
                continue
            where = np.full(len(rows_of), -1, dtype=np.int64)
            where[local] = np.arange(len(local))
            copied = pick.cols["flow"]
            terms.add(offset + where[of[copied]], ids[k]["flow"], 1.0)
            plan_flows = np.flatnonzero(where[of] >= 0)
            terms.add(
                offset + where[of[plan_flows]],
                flow.start + plan_flows,
                -pick.guard.min_delivery,
            )
            keys = rows_of.iloc[local][["contract", "period"]].copy()
            keys.insert(0, "closure", pick.guard.name)
            keys_parts.append(keys)
            offset += len(local)
        if offset and self.evaluate:  # elastic floors: how far each one fails
            slack = lp.add_columns("floor_slack", pd.concat(keys_parts, ignore_index=True))
            terms.add(np.arange(offset), slack.cols, 1.0)
            lp.add_cost("floor_slack", slack.cols, 100.0 * self.inputs.closure_penalty)
        if offset:
            lp.add_rows(
                "delivery_floor", pd.concat(keys_parts, ignore_index=True), terms, lower=0.0
            )

    def _excess(self, picks, ids, shortfall, short_rows, excess) -> None:
        """e[s,t] - rc_s,t + pc_t >= 0 for the copies with a probability."""
        lp = self.lp
        if len(excess) == 0:
            return
        terms, keys, n = Terms(), [], 0
        short_first = shortfall.start
        for k, pick in enumerate(picks):
            size = len(short_rows[k])
            if pick.guard.probability <= 0:
                short_first += size
                continue
            for name, block in self.columns.items():
                if COLUMN_ROLES[name] != "copy":
                    continue
                src = block.start + pick.cols[name]
                terms.add(np.full(len(src), n), ids[k][name], -self.cost[src])
                own = block.start + np.flatnonzero(_period_mask(block.keys, pick.period))
                terms.add(np.full(len(own), n), own, self.cost[own])
            first = short_first - shortfall.start
            terms.add(
                np.full(size, n),
                short_first + np.arange(size),
                -self.short_penalty[first : first + size],
            )
            short_first += size
            first_short = self.columns.get("shortfall")
            if first_short is not None and len(first_short):
                mine = _period_mask(first_short.keys, pick.period)
                own = first_short.start + np.flatnonzero(mine)
                terms.add(np.full(len(own), n), own, self.cost[own])
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


def define(lp: LinearProgram, inputs, copies: list[tuple[Guard, str]] | None = None) -> None:
    """Add the recourse copies (all of them when `copies` is None) in robust mode."""
    if inputs.settings.get("robust_min_delivery") is None:
        return
    if copies is None:
        copies = all_copies(inputs, guards(inputs))
    RecourseBuilder(lp, inputs).add(copies)


__all__ = ["Guard", "RecourseBuilder", "all_copies", "define", "guards", "parse_closure"]

"""`Plan`: one program on one HiGHS instance, changed by planner names and solved again.

    plan = corridor.Plan(inputs)
    plan.solve()                                    # a Solution
    plan.results()                                  # the result tables
    plan.set_cost("leg", "AX", factor=1.2)          # +20 % on leg AX's transport cost
    plan.set_capacity("node", "Aktau", 4e6)         # every period (or period="2026")
    plan.set_cap(0.4)                               # the default transit cap (or rule=NAME)
    plan.set_volume("contract", "U-KAP", factor=1.5)  # or commodity (Demand too), all
    plan.set_price("supplier", "Cameco", factor=1.1)  # or one offer
    plan.close("country:CN")                        # a closure (spec section 5)
    plan.solve()                                    # warm: from the last basis or plan
    plan.reset()                                    # back to the workbook as read

Every change edits the program's arrays and the HiGHS model in place (bounds, costs,
coefficients), so a re-solve starts from the previous basis (an LP) or plan (a MIP) instead of
a rebuild; the route-use and lot bounds (big-M) follow capacities and volumes. `cancel()`
stops a running solve from another thread; `SolveOptions.progress` receives the incumbent,
bound and gap of a MIP as it goes. One Plan belongs to one thread at a time; different Plans
may solve in different threads at once.

``Plan(inputs, closures=True)`` gives every contract a shortfall column and every need an
unmet column (bound 0 until a closure or scenario allows it, priced at the row's penalty or
``closure_penalty``): the
stress test, scenarios and sweeps run on such a plan (`whatif.py`).
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pandas as pd

from .build import build
from .closures import (
    Closure,
    closed_flows,
    emptied_minimums,
    known_ids,
    parse_closure,
    rows_in_scopes,
    touched_scopes,
)
from .data import Inputs, expansions_in_effect, flow_volume_bound, offer_bound
from .diagnose import diagnose
from .errors import suggest
from .highs import HighsModel, Solution, SolveOptions
from .lp import INF, LinearProgram
from .report import Results
from .results import extract, no_plan
from .rules import DEFAULT_CAP_RULE, SHARE_BOUNDS


def options_for(
    inputs: Inputs,
    time_limit: float | None = None,
    gap: float | None = None,
    verbose: bool = False,
    highs_options: dict | None = None,
) -> SolveOptions:
    """Solver options: the command line's values win over the workbook's Settings."""
    return SolveOptions(
        time_limit=float(time_limit if time_limit is not None else inputs.settings["time_limit"]),
        mip_gap=float(gap if gap is not None else inputs.settings["mip_gap"]),
        verbose=verbose,
        highs_options=dict(highs_options or {}),
    )


class _Either:
    """Set when any of its events is set (the plan's own cancel, or the caller's)."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class Plan:
    """See the module docstring."""

    def __init__(
        self,
        inputs: Inputs,
        options: SolveOptions | None = None,
        *,
        closures: bool = False,
        tight_big_m: bool = True,
        lp: LinearProgram | None = None,
    ) -> None:
        self.inputs = inputs
        self.options = options or options_for(inputs)
        self.lp = (
            lp if lp is not None else build(inputs, tight_big_m=tight_big_m, closures=closures)
        )
        self.closures = closures
        self.highs = HighsModel(self.lp)
        self.solution: Solution | None = None
        self._cancel = threading.Event()
        self._last_x: np.ndarray | None = None
        # the program as built, for reset(): bounds, costs; changed coefficients by (row, col)
        lower, upper, _ = self.lp.bounds()
        row_lower, row_upper = self.lp.row_bounds()
        self._built = (lower, upper, row_lower, row_upper, self.lp.cost_vector())
        self._closed = np.zeros(len(inputs.flows), dtype=bool)  # flows closed since reset
        self._parts = {name: len(parts) for name, parts in self.lp.costs.items()}
        self._coeffs: dict[tuple[int, int], float] = {}  # (row, col) -> value as built
        self._term_index: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._cost_cols: list[np.ndarray] = []  # columns whose cost a change touched
        self.changes: list[str] = []

    # ------------------------------------------------------------------ solving

    def solve(self, options: SolveOptions | None = None, *, duals: bool = True) -> Solution:
        """Solve the program as it stands; a MIP starts from the last plan found. The solve
        stops when `cancel()` is called or when the options' own `cancel` event is set."""
        options = options or self.options
        self._cancel.clear()
        stop = self._cancel if options.cancel is None else _Either(self._cancel, options.cancel)
        options = replace(options, cancel=stop)
        if self.highs.is_mip and self._last_x is not None:
            self.highs.set_start(self._last_x)
        result = self.highs.run(options)
        self.solution = self.highs.solution(result, duals=duals, options=options)
        if self.solution.x is not None and not result.interrupted:
            self._last_x = self.solution.x
        return self.solution

    def cancel(self) -> None:
        """Stop a running solve (from any thread); it ends with the best plan found."""
        self._cancel.set()

    def results(self) -> Results:
        """The result tables of the last solve, as `run()` gives them: Flows, Contracts,
        Rules and Capacity with their marginal values (from the duals: an LP's own, a MIP's
        with its integer decisions fixed; blank after ``solve(duals=False)``), volumes,
        capacities and caps as the changes left them. Without a plan, Summary and Log only:
        `diagnose()` then says why."""
        if self.solution is None:
            raise RuntimeError("solve the plan first")
        if not self.solution.has_solution:
            return no_plan(self.inputs, self.solution.result, self.options)
        return extract(self.inputs, self.lp, self.solution, self.options)

    def diagnose(self) -> pd.DataFrame:
        """Why the program as it stands has no plan: the Diagnosis table `run()` adds to an
        infeasible run (the least change of contracts, capacities or rules, each with the
        workbook cell to edit; see diagnose.py), computed on the plan with its changes.
        Solves a few LPs of the program's size; call it when `solve()` says infeasible."""
        return diagnose(self.inputs, self.options, self.lp)

    # ------------------------------------------------------------------ low-level edits

    def _col_bounds(self, cols: np.ndarray, lower, upper) -> None:
        cols = np.asarray(cols, dtype=np.int64)
        lower = np.broadcast_to(np.asarray(lower, dtype=float), cols.shape).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=float), cols.shape).copy()
        for block in self.lp.columns.values():
            inside = (cols >= block.start) & (cols < block.stop)
            if inside.any():
                block.lower[cols[inside] - block.start] = lower[inside]
                block.upper[cols[inside] - block.start] = upper[inside]
        self.highs.change_col_bounds(cols, lower, upper)

    def _row_bounds(self, block_name: str, local: np.ndarray, lower, upper) -> None:
        block = self.lp.rows[block_name]
        lower = np.broadcast_to(np.asarray(lower, dtype=float), local.shape).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=float), local.shape).copy()
        block.lower[local] = lower
        block.upper[local] = upper
        self.highs.change_row_bounds(local + block.start, lower, upper)

    def _term_positions(self, block_name: str, local: np.ndarray, cols: np.ndarray):
        """Positions in a row block's triplets of the terms (local row, col); a term the
        block does not have yet (a coefficient that was 0) is added with value 0."""
        block = self.lp.rows[block_name]
        wanted = local.astype(np.int64) * self.lp.n_cols + cols
        for _ in range(2):
            if block_name not in self._term_index:
                keys = block.row * self.lp.n_cols + block.col
                order = np.argsort(keys, kind="stable")
                self._term_index[block_name] = (order, keys[order])
            order, sorted_keys = self._term_index[block_name]
            pos = np.searchsorted(sorted_keys, wanted)
            found = (
                (pos < len(sorted_keys))
                & (sorted_keys[np.minimum(pos, max(len(sorted_keys) - 1, 0))] == wanted)
                if len(sorted_keys)
                else np.zeros(len(wanted), dtype=bool)
            )
            if found.all():
                return order[pos]
            missing = ~found
            self.lp.extend_rows(block_name, local[missing], cols[missing], 0.0)
            del self._term_index[block_name]
        raise AssertionError("unreachable: missing terms were added")

    def _coefficients(self, block_name: str, local: np.ndarray, cols, values) -> None:
        """Set A[row, col] for rows of a block (HiGHS adds a coefficient that was 0)."""
        block = self.lp.rows[block_name]
        local = np.asarray(local, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        values = np.broadcast_to(np.asarray(values, dtype=float), cols.shape).copy()
        pos = self._term_positions(block_name, local, cols)
        for r, c, v in zip(
            (local + block.start).tolist(), cols.tolist(), block.val[pos].tolist(), strict=True
        ):
            self._coeffs.setdefault((r, c), v)
        block.val[pos] = values
        self.highs.change_coeffs(local + block.start, cols, values)

    def _costs(self, term: str, cols: np.ndarray, delta: np.ndarray) -> None:
        """Add `delta` to the objective coefficients of `cols`, as part of cost term `term`
        (so Summary's components stay right); reset() takes such parts away again."""
        cols = np.asarray(cols, dtype=np.int64)
        self.lp.add_cost(term, cols, delta)
        self._cost_cols.append(cols)
        self.highs.change_costs(cols, self.lp.cost_vector()[cols])

    # ------------------------------------------------------------------ planner changes

    def _known(self, kind: str, ident: str | None, kinds: tuple[str, ...]) -> None:
        """A ValueError naming an unknown kind or id (with a near miss), never a silent 0."""
        if kind not in kinds:
            raise ValueError(f"{kind!r} is not one of: {', '.join(kinds)}")
        if kind == "all":
            return
        inputs = self.inputs
        ids = {
            "leg": inputs.legs.index,
            "route": inputs.routes.index,
            "node": inputs.nodes.index,
            "contract": inputs.contract_rows["contract"].unique(),
            "commodity": inputs.commodities.index,
        }[kind]
        if ident not in set(ids):
            hint = suggest(str(ident), [str(i) for i in ids])
            raise ValueError(f"unknown {kind} {ident!r}{hint}")

    def set_cap(self, value: float, rule: str = DEFAULT_CAP_RULE) -> int:
        """Set the max_share of a rule's rows (the default cap by default); returns the
        number of rows changed. The cap multiplies the scope's total in each row
        (``through - cap * total <= 0``), so a new cap is one coefficient per row."""
        table = self.inputs.rules
        rows = table.rows
        hit = np.flatnonzero(((rows["rule"] == rule) & (rows["bound"] == "max_share")).to_numpy())
        if len(hit) == 0:
            if rule == DEFAULT_CAP_RULE:
                return 0  # no default cap in the workbook: nothing to set
            names = sorted(set(rows.loc[rows["bound"] == "max_share", "rule"]))
            raise ValueError(f"no max_share rule {rule!r}{suggest(rule, names)}")
        totals = self.lp.columns["scope_total"]
        scope_cols = totals.locate(table.scopes.iloc[rows["scope"].to_numpy()[hit]])
        self._coefficients("limit_rule", hit, scope_cols, -float(value))
        self.changes.append(f"set_limit rule:{rule} = {value:g}")
        return len(hit)

    def set_cost(self, kind: str, ident: str | None = None, *, factor: float) -> int:
        """Scale transport cost: of one leg, of one route, or of everything (kind "all").
        Returns the number of flow columns whose cost changed."""
        self._known(kind, ident, ("leg", "route", "all"))
        flows, routes, legs = self.inputs.flows, self.inputs.routes, self.inputs.legs
        transport = flows["transport"].to_numpy(dtype=float)
        if kind == "all":
            delta = transport * (factor - 1.0)
        elif kind == "route":
            delta = np.where((flows["route"] == ident).to_numpy(), transport * (factor - 1.0), 0)
        elif kind == "leg":
            # the leg's part of each route's transport cost
            part = {
                r: legs.at[ident, "cost"] / total if total else 0.0
                for r, seq, total in zip(
                    routes.index, routes["legs"], routes["leg_cost"], strict=True
                )
                if ident in seq
            }
            share = flows["route"].map(part).fillna(0.0).to_numpy(dtype=float)
            delta = transport * share * (factor - 1.0)
        else:
            raise ValueError(f"set_cost takes leg, route or all, not {kind!r}")
        local = np.flatnonzero(delta)
        if len(local):
            self._costs("transport_cost", self.lp.columns["flow"].start + local, delta[local])
        self.changes.append(f"scale_cost {kind}{':' + ident if ident else ''} x{factor:g}")
        return len(local)

    def set_capacity(
        self,
        kind: str,
        ident: str | None,
        capacity: float | None = None,
        *,
        factor: float | None = None,
        period: str | None = None,
    ) -> int:
        """Set (or scale by `factor`) the capacity of a node, leg or route, or of every one
        (kind "all"), in every period or one; None lifts it. Returns the rows changed.
        Only a capacity the workbook gives can change: a node, leg or route without one
        (blank) raises ValueError, as do an unknown id and an unknown period."""
        self._known(kind, ident, ("node", "leg", "route", "all"))
        if period is not None and period not in self.inputs.periods:
            raise ValueError(f"unknown period {period!r}{suggest(period, self.inputs.periods)}")
        cap = self.inputs.capacity
        mask = np.ones(len(cap), dtype=bool)
        if kind != "all":
            mask &= ((cap["type"] == kind) & (cap["id"] == ident)).to_numpy()
        if period is not None:
            mask &= (cap["period"] == period).to_numpy()
        local = np.flatnonzero(mask)
        if kind != "all" and (len(local) == 0 or "capacity_limit" not in self.lp.rows):
            when = f" in {period}" if period is not None else ""
            raise ValueError(
                f"{kind} {ident} has no capacity{when} in the workbook: a Plan changes "
                "capacities that exist; give it one in the workbook to vary it"
            )
        if "capacity_limit" not in self.lp.rows:
            return 0
        block = self.lp.rows["capacity_limit"]
        if factor is not None:
            value = block.upper[local] * factor
        else:
            value = np.full(len(local), INF if capacity is None else float(capacity))
        self._row_bounds("capacity_limit", local, -INF, value)
        self._refresh_route_bounds()
        shown = f"x{factor:g}" if factor is not None else f"= {capacity}"
        self.changes.append(f"capacity {kind}{':' + ident if ident else ''} {shown}")
        return len(local)

    def set_volume(self, kind: str, ident: str | None = None, *, factor: float) -> int:
        """Scale contracted volume (of one contract, one commodity, or all) and, for a
        commodity or all, the Demand volumes too. Returns the rows changed (contract
        periods and needs)."""
        self._known(kind, ident, ("contract", "commodity", "all"))
        demand = self.inputs.contract_rows
        if kind == "all":
            mask = np.ones(len(demand), dtype=bool)
        else:
            mask = (demand[kind] == ident).to_numpy()
        local = np.flatnonzero(mask)
        changed = 0
        if "delivery" in self.lp.rows:
            block = self.lp.rows["delivery"]
            volume = block.upper[local] * factor
            self._row_bounds("delivery", local, volume, volume)
            self._scale_slack("shortfall", "delivery", demand.iloc[local][["contract", "period"]])
            changed += len(local)
        needs = self.inputs.needs
        if kind in ("commodity", "all") and "demand_balance" in self.lp.rows:
            hit = np.ones(len(needs), dtype=bool) if kind == "all" else needs["commodity"] == ident
            local = np.flatnonzero(np.asarray(hit))
            block = self.lp.rows["demand_balance"]
            self._row_bounds("demand_balance", local, block.lower[local] * factor, INF)
            keys = ["destination", "commodity", "period"]
            self._scale_slack("unmet", "demand_balance", needs.iloc[local][keys])
            changed += len(local)
        self._refresh_route_bounds()
        self.changes.append(f"scale_volume {kind}{':' + ident if ident else ''} x{factor:g}")
        return changed

    def _scale_slack(self, column: str, row: str, keys) -> None:
        """Keep the upper bound of shortfall (or unmet) columns at their row's new volume,
        where the column may be used at all (a bound of 0 stays 0)."""
        slack = self.lp.columns.get(column)
        if slack is None or len(slack) == 0 or len(keys) == 0:
            return
        block = self.lp.rows[row]
        cols = slack.locate(keys)
        cols = cols[cols >= 0]
        if len(cols) == 0:
            return
        local = cols - slack.start
        volume = block.lower[block.locate(slack.keys.iloc[local]) - block.start]
        allowed = slack.upper[local] > 0
        self._col_bounds(cols, np.zeros(len(cols)), np.where(allowed, volume, 0.0))

    def set_price(self, kind: str, ident: str, *, factor: float) -> int:
        """Scale the price of one offer (kind "offer") or of every offer of one supplier
        (kind "supplier"), in every period. Returns the offer flows whose cost changed."""
        flows = self.inputs.flows
        if kind not in ("offer", "supplier"):
            raise ValueError(f"set_price takes offer or supplier, not {kind!r}")
        column = "offer" if kind == "offer" else "supplier"
        mask = (flows["offer_row"].to_numpy() >= 0) & (flows[column] == ident).to_numpy()
        local = np.flatnonzero(mask)
        if len(local):
            delta = flows["price"].to_numpy(dtype=float)[local] * (factor - 1.0)
            self._costs("purchase_cost", self.lp.columns["flow"].start + local, delta)
        self.changes.append(f"set_price {kind}:{ident} x{factor:g}")
        return len(local)

    def allow_shortfall(self) -> None:
        """Every contract may fall short and every need go unmet (at its penalty or
        closure_penalty): a closure's or scenario's emergency footing (needs
        ``closures=True``)."""
        if not self.closures:
            raise RuntimeError("allow_shortfall needs a Plan built with closures=True")
        for column, row, upper in (
            ("shortfall", "delivery", "upper"),
            ("unmet", "demand_balance", "lower"),
        ):
            slack = self.lp.columns.get(column)
            if slack is None or len(slack) == 0:
                continue
            block = self.lp.rows[row]
            volume = getattr(block, upper)[block.locate(slack.keys) - block.start]
            self._col_bounds(slack.cols, np.zeros(len(slack)), volume)

    def close(
        self, closure: Closure | str, *, keep_caps: bool = False, lift_rules: bool = False
    ) -> dict:
        """Close routes (spec section 5): no flow on them; the default cap suspended in every
        scope that loses a usable route (unless `keep_caps`); with `lift_rules` the other
        share rules of those scopes too. Returns what changed: routes' flows and rows."""
        closure = parse_closure(closure) if isinstance(closure, str) else closure
        ids = known_ids(self.inputs)[closure.kind]
        if closure.ident not in ids:
            hint = suggest(closure.ident, sorted(str(i) for i in ids))
            raise ValueError(f"unknown {closure.kind} {closure.ident!r}{hint}")
        local = closed_flows(self.inputs, closure)
        self._closed[local] = True
        flow = self.lp.columns["flow"]
        if len(local):
            self._col_bounds(flow.start + local, 0.0, 0.0)
        lifted = np.zeros(0, dtype=np.int64)
        if "limit_rule" in self.lp.rows:
            rows = self.inputs.rules.rows
            # a minimum on a value the closure leaves no route for has no row (spec 2, 5)
            which = emptied_minimums(self.inputs, np.flatnonzero(self._closed))
            if not keep_caps:
                scopes = touched_scopes(self.inputs, local)
                lift = (rows["rule"] == DEFAULT_CAP_RULE).to_numpy()
                if lift_rules:
                    lift = lift | rows["bound"].isin(SHARE_BOUNDS).to_numpy()
                which = which | (lift & rows_in_scopes(rows, scopes))
            lifted = np.flatnonzero(which)
            if len(lifted):
                self._row_bounds("limit_rule", lifted, -INF, INF)
        self.changes.append(f"close {closure}")
        return {"flows": local, "lifted_rows": lifted}

    def _volumes(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The contract and need volumes as the program now stands (None: as read)."""
        delivery = self.lp.rows.get("delivery")
        balance = self.lp.rows.get("demand_balance")
        return (
            delivery.upper.copy() if delivery is not None else None,
            balance.lower.copy() if balance is not None else None,
        )

    def _refresh_offer_bounds(self) -> None:
        """Keep each taken offer's big-M (offer_max) at what the current needs allow."""
        block = self.lp.rows.get("offer_max")
        taken = self.lp.columns.get("taken")
        if block is None or taken is None or len(taken) == 0:
            return
        _, need_volume = self._volumes()
        capacity = (
            self.lp.rows["capacity_limit"].upper if "capacity_limit" in self.lp.rows else None
        )
        big_m = offer_bound(self.inputs, need_volume, capacity)
        offers = self.inputs.offer_rows
        local = np.arange(len(block))
        rows = pd.MultiIndex.from_frame(offers[["offer", "period"]]).get_indexer(
            pd.MultiIndex.from_frame(block.keys)
        )
        cols = taken.locate(block.keys[["offer"]])
        linked = cols >= 0
        self._coefficients("offer_max", local[linked], cols[linked], -big_m[rows[linked]])

    def _refresh_route_bounds(self) -> None:
        """Keep each route's big-M (route_open_limit) and most lots (shipments), and each
        taken offer's, at the tightest bound the current capacities and volumes give."""
        self._refresh_offer_bounds()
        if "route_open_limit" not in self.lp.rows and "shipments" not in self.lp.columns:
            return
        inputs = self.inputs
        loads = inputs.route_loads
        flows = inputs.flows
        contract_volume, need_volume = self._volumes()
        capacity = (
            self.lp.rows["capacity_limit"].upper if "capacity_limit" in self.lp.rows else None
        )
        volume = flow_volume_bound(inputs, contract_volume, need_volume, capacity)
        cu = flows["capacity_use"].to_numpy(dtype=float)
        bound = np.bincount(loads.of_flow, weights=cu * volume, minlength=len(loads.keys))
        if "capacity_limit" in self.lp.rows:
            cap = inputs.capacity
            hits = expansions_in_effect(inputs, cap)
            extra = np.bincount(
                hits["row"].to_numpy(),
                weights=(hits["added"] * hits["max_units"]).to_numpy(),
                minlength=len(cap),
            )
            room = self.lp.rows["capacity_limit"].upper + extra
            usage = inputs.usage
            np.minimum.at(
                bound, loads.of_flow[usage["flow"].to_numpy()], room[usage["cap_row"].to_numpy()]
            )
        if "route_open_limit" in self.lp.rows:
            block = self.lp.rows["route_open_limit"]
            use = self.lp.columns["use_route"]
            pairs = loads.keys.merge(block.keys.reset_index(names="r"), how="left")["r"]
            on = np.flatnonzero(pairs.notna().to_numpy())
            local = pairs.to_numpy()[on].astype(np.int64)
            use_cols = use.locate(block.keys.iloc[local][["route"]])
            self._coefficients("route_open_limit", local, use_cols, -bound[on])
        if "shipments" in self.lp.columns:
            ships = self.lp.columns["shipments"]
            pairs = loads.keys.merge(ships.keys.reset_index(names="s"), how="left")["s"]
            on = np.flatnonzero(pairs.notna().to_numpy())
            local = pairs.to_numpy()[on].astype(np.int64)
            size = ships.keys.iloc[local]["route"].map(inputs.routes["lot_size"]).to_numpy(float)
            with np.errstate(over="ignore", divide="ignore"):
                most = bound[on] / size
            upper = np.where(np.isfinite(most), np.ceil(most - 1e-9), INF)
            self._col_bounds(ships.start + local, 0.0, upper)

    def reset(self) -> None:
        """Back to the program as built (bounds, costs, coefficients); the solver keeps its
        last basis, so the next solve still starts warm."""
        lower, upper, row_lower, row_upper, cost = self._built
        self._closed[:] = False
        for block in self.lp.columns.values():
            block.lower[:] = lower[block.start : block.stop]
            block.upper[:] = upper[block.start : block.stop]
        for block in self.lp.rows.values():
            block.lower[:] = row_lower[block.start : block.stop]
            block.upper[:] = row_upper[block.start : block.stop]
        cols = np.arange(self.lp.n_cols)
        self.highs.change_col_bounds(cols, lower, upper)
        self.highs.change_row_bounds(np.arange(self.lp.n_rows), row_lower, row_upper)
        for name, parts in self.lp.costs.items():  # drop the parts changes added
            del parts[self._parts.get(name, 0) :]
        if self._cost_cols:
            changed = np.unique(np.concatenate(self._cost_cols))
            self.highs.change_costs(changed, cost[changed])
            self._cost_cols.clear()
        if self._coeffs:
            keys = list(self._coeffs)
            rows = np.array([k[0] for k in keys], dtype=np.int64)
            cols = np.array([k[1] for k in keys], dtype=np.int64)
            values = np.array([self._coeffs[k] for k in keys])
            for block in self.lp.rows.values():
                inside = (rows >= block.start) & (rows < block.stop)
                if inside.any():
                    local = rows[inside] - block.start
                    pos = self._term_positions(block.name, local, cols[inside])
                    block.val[pos] = values[inside]
            self.highs.change_coeffs(rows, cols, values)
            self._coeffs.clear()
        self.changes.clear()

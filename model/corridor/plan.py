"""`Plan`: one program on one HiGHS instance, changed by planner names and solved again.

    plan = corridor.Plan(inputs)
    plan.solve()                                    # a Solution
    plan.results()                                  # the result tables
    plan.set_cost("leg", "AX", factor=1.2)          # +20 % on leg AX's transport cost
    plan.set_capacity("node", "Aktau", 4e6)         # every period (or period="2026")
    plan.set_cap(0.4)                               # the default transit cap (or rule=NAME)
    plan.set_volume("contract", "U-KAP", factor=1.5)
    plan.close("country:CN")                        # a closure (spec section 5)
    plan.solve()                                    # warm: from the last basis or plan
    plan.reset()                                    # back to the workbook as read

Every change edits the program's arrays and the HiGHS model in place (bounds, costs,
coefficients), so a re-solve starts from the previous basis (an LP) or plan (a MIP) instead of
a rebuild; the route-use and lot bounds (big-M) follow capacities and volumes. `cancel()`
stops a running solve from another thread; `SolveOptions.progress` receives the incumbent,
bound and gap of a MIP as it goes. One Plan belongs to one thread at a time; different Plans
may solve in different threads at once.

``Plan(inputs, closures=True)`` gives every contract a shortfall column (bound 0 until a
closure or scenario allows it, priced at the contract's penalty or ``closure_penalty``): the
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
    known_ids,
    parse_closure,
    rows_in_scopes,
    touched_scopes,
)
from .data import Inputs, expansions_in_effect
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
        """Scale contracted volume: of one contract, one commodity, or all. Returns the
        (contract, period) rows changed."""
        self._known(kind, ident, ("contract", "commodity", "all"))
        demand = self.inputs.contract_rows
        if kind == "all":
            mask = np.ones(len(demand), dtype=bool)
        else:
            mask = (demand[kind] == ident).to_numpy()
        local = np.flatnonzero(mask)
        block = self.lp.rows["delivery"]
        volume = block.upper[local] * factor
        self._row_bounds("delivery", local, volume, volume)
        short = self.lp.columns.get("shortfall")
        if short is not None and len(short):
            rows = short.keys.merge(
                demand.iloc[local][["contract", "period"]].reset_index(names="d"), how="left"
            )
            on = np.flatnonzero(rows["d"].notna().to_numpy())
            if len(on):
                cols = short.start + on
                allowed = short.upper[on] > 0
                new = np.where(allowed, block.upper[rows["d"].to_numpy()[on].astype(int)], 0.0)
                self._col_bounds(cols, np.zeros(len(on)), new)
        self._refresh_route_bounds()
        self.changes.append(f"scale_volume {kind}{':' + ident if ident else ''} x{factor:g}")
        return len(local)

    def allow_shortfall(self) -> None:
        """Every contract may fall short (at its penalty or closure_penalty): a closure's or
        scenario's emergency footing (needs ``closures=True``)."""
        short = self.lp.columns.get("shortfall")
        if not self.closures:
            raise RuntimeError("allow_shortfall needs a Plan built with closures=True")
        if short is None or len(short) == 0:
            return
        volume = self.lp.rows["delivery"].upper
        keys = short.keys
        rows = self.lp.rows["delivery"].locate(keys)
        self._col_bounds(
            short.cols, np.zeros(len(short)), volume[rows - self.lp.rows["delivery"].start]
        )

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
        flow = self.lp.columns["flow"]
        if len(local):
            self._col_bounds(flow.start + local, 0.0, 0.0)
        lifted = np.zeros(0, dtype=np.int64)
        if not keep_caps and "limit_rule" in self.lp.rows:
            rows = self.inputs.rules.rows
            scopes = touched_scopes(self.inputs, local)
            share = rows["bound"].isin(SHARE_BOUNDS).to_numpy()
            which = (rows["rule"] == DEFAULT_CAP_RULE).to_numpy()
            if lift_rules:
                which = which | share
            lifted = np.flatnonzero(which & rows_in_scopes(rows, scopes))
            if len(lifted):
                self._row_bounds("limit_rule", lifted, -INF, INF)
        self.changes.append(f"close {closure}")
        return {"flows": local, "lifted_rows": lifted}

    def _refresh_route_bounds(self) -> None:
        """Keep each route's big-M (route_open_limit) and most lots (shipments) at the
        tightest bound the current capacities and volumes give."""
        if "route_open_limit" not in self.lp.rows and "shipments" not in self.lp.columns:
            return
        inputs = self.inputs
        loads = inputs.route_loads
        flows = inputs.flows
        delivery = self.lp.rows["delivery"]
        volume = delivery.upper[flows["contract_row"].to_numpy()]
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

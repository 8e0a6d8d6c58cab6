"""Why no plan exists, in the planner's terms: the least changes that would allow one.

The program is made elastic: every capacity row, every hard Limits row (the default cap
included), every contract, every Demand row (each period's need) and every hard reserve
floor gets a slack, the integer decisions are relaxed, and an LP minimises

    sum_contracts  CONTRACT_WEIGHT * shortfall / volume     (needs alike)
  + sum_capacity   slack / capacity                 (capacity units, normalised)
  + sum_rules      slack / scope volume (shares)  or  slack / bound (volumes)
  + sum_floors     slack / min_level                (a reserve floor counts as a rule)

The Diagnosis lists, each as its own option (spec section 5):

1. ``unit slip``: values that look like a unit slip (the input's unit-slip warnings, and
   any capacity the least change would multiply a hundredfold), first, since they are the
   likeliest cause;
2. ``least change``: the LP above; its non-zero slacks, each with the cell to edit;
3. ``rules only``, ``capacities only``, ``contracts only``: the same LP with only that kind
   of slack allowed, or a line saying that kind alone cannot make a plan possible;
4. ``tightest cap``: where the default cap is among the changes, the tightest default cap
   with which a plan exists (bisection to 0.001 on the real model, integers included),
   listed right after the unit slips: one cell that fixes the whole workbook.

`diagnose(inputs, options, lp=...)` diagnoses a program as it stands rather than as the
workbook built it (what `Plan.diagnose` does after its changes): volumes, capacities, caps and
lifted rows are read from that program, the cells still point at the workbook.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd

from .build import build
from .data import Inputs, flow_volume_bound
from .errors import quantity
from .highs import HighsModel, SolveOptions
from .lp import INF, Columns, LinearProgram
from .results import rule_limits
from .rules import DEFAULT_CAP_RULE, SCOPE_COLUMNS, SHARE_BOUNDS
from .schema import normalise_name

CONTRACT_WEIGHT = 1000.0
EPS = 1e-7
CAP_GRID = 1000  # the tightest cap is found to 1 / CAP_GRID
COLUMNS = ["option", "kind", "target", "period", "current", "needed", "change", "cell"]
KINDS = ("rule", "capacity", "contract")
# the slacks each option may use: reserve floors change with the rules, needs with contracts
GROUPS = {"rule": ("rule", "floor"), "capacity": ("capacity",), "contract": ("contract", "demand")}
OPTION = {
    "all": "least change",
    "rule": "rules only",
    "capacity": "capacities only",
    "contract": "contracts only",
}


def _row_cell(
    inputs: Inputs, sheet: str, key_column: str, key: object, column: str, extra: dict | None = None
) -> str:
    table = inputs.tables.get(sheet)
    if table is None or column not in table.letters:
        return ""
    frame = table.frame
    hit = frame[frame[key_column] == key]
    for col, value in (extra or {}).items():
        hit = hit[hit[col] == value]
    if hit.empty:
        return ""
    return f"{table.sheet}!{table.cell(column, int(hit['_row'].iloc[0]))}"


def capacity_cell(inputs: Inputs, kind: str, ident: str, period: str) -> str:
    """The cell that sets this capacity: a Capacities row if one applies, else the base."""
    table = inputs.tables.get("Capacities")
    if table is not None:
        frame = table.frame
        for p in (period, None):
            hit = frame[
                (frame["target_type"] == kind)
                & (frame["target"] == ident)
                & (frame["period"].map(lambda v, p=p: v == p))
            ]
            if not hit.empty:
                return f"{table.sheet}!{table.cell('capacity', int(hit['_row'].iloc[0]))}"
    sheet, key = {"node": ("Nodes", "node"), "leg": ("Legs", "leg"), "route": ("Routes", "route")}[
        kind
    ]
    return _row_cell(inputs, sheet, key, ident, "capacity")


def setting_cell(inputs: Inputs, name: str) -> str:
    table = inputs.tables.get("Settings")
    if table is None:
        return ""
    hit = table.frame[table.frame["setting"].map(normalise_name) == name]
    return f"{table.sheet}!{table.cell('value', int(hit['_row'].iloc[0]))}" if len(hit) else ""


def rule_cell(inputs: Inputs, rule: str, bound: str) -> str:
    if rule == DEFAULT_CAP_RULE:
        return setting_cell(inputs, "default_max_transit_share")
    return _row_cell(inputs, "Limits", "rule", rule, bound)


def _fmt(value: float, share: bool) -> str:
    return f"{value:.1%}" if share else quantity(value)


class Elastic:
    """The program (as built, or a copy of `lp`) with slack columns on contracts,
    capacities and hard rules."""

    def __init__(self, inputs: Inputs, lp: LinearProgram | None = None) -> None:
        self.inputs = inputs
        # big-Ms that do not hold the capacities the Diagnosis may stretch (a Plan's program
        # is taken as it stands)
        lp = build(inputs, tight_big_m=False) if lp is None else copy.deepcopy(lp)
        self.lp = lp
        # the limits in force before slacks are added (a Plan may have changed them)
        self.volume = lp.rows["delivery"].upper.copy() if "delivery" in lp.rows else None
        self.capacity = (
            lp.rows["capacity_limit"].upper.copy() if "capacity_limit" in lp.rows else None
        )
        self.limits = rule_limits(lp, inputs.rules.rows) if "limit_rule" in lp.rows else None
        self.slacks: dict[str, Columns] = {}
        self.weights: dict[str, np.ndarray] = {}
        self.rows_of: dict[str, np.ndarray] = {}
        delivery = lp.rows.get("delivery")
        if delivery is not None and len(delivery):
            volume = self.volume
            self._add("contract", delivery.keys, delivery, np.arange(len(delivery)), 1.0)
            self.weights["contract"] = CONTRACT_WEIGHT / np.maximum(volume, EPS)
        balance = lp.rows.get("demand_balance")
        if balance is not None and len(balance):
            volume = inputs.needs["volume"].to_numpy(dtype=float)
            self._add("demand", balance.keys, balance, np.arange(len(balance)), 1.0)
            self.weights["demand"] = CONTRACT_WEIGHT / np.maximum(volume, EPS)
        floor = lp.rows.get("stock_floor")
        if floor is not None and len(floor):
            below = lp.columns.get("stock_below")
            soft = set(below.key_tuples()) if below is not None else set()
            hard = np.array([i for i, k in enumerate(floor.key_tuples()) if k not in soft], int)
            if len(hard):
                self._add("floor", floor.keys.iloc[hard], floor, hard, 1.0)
                self.weights["floor"] = 1.0 / np.maximum(floor.lower[hard], 1.0)
        capacity = lp.rows.get("capacity_limit")
        if capacity is not None and len(capacity):
            self._add("capacity", capacity.keys, capacity, np.arange(len(capacity)), -1.0)
            limit = np.where(np.isinf(self.capacity), 1.0, self.capacity)  # lifted: any
            self.weights["capacity"] = 1.0 / np.maximum(limit, 1.0)
        rules = lp.rows.get("limit_rule")
        if rules is not None and len(rules):
            table = inputs.rules.rows
            hard = np.flatnonzero(table["penalty"].isna().to_numpy())
            if len(hard):
                upper = np.array([b.startswith("max") for b in table["bound"]], dtype=bool)
                sign = np.where(upper[hard], -1.0, 1.0)
                self._add("rule", rules.keys.iloc[hard], rules, hard, sign)
                share = np.isin(table["bound"].to_numpy(dtype=object), SHARE_BOUNDS)
                scale = np.where(
                    share,
                    self._scope_volumes()[table["scope"].to_numpy(dtype=np.int64)],
                    np.nan_to_num(self.limits, nan=1.0),
                )
                self.weights["rule"] = 1.0 / np.maximum(scale[hard], 1.0)
                self.rule_rows = hard
        for block in lp.columns.values():
            block.integer = False  # an LP: the least change in LP terms
        lp.costs = {}
        for kind, block in self.slacks.items():
            lp.add_cost(f"{kind}_gap", block.cols, self.weights[kind])
        self.model = HighsModel(lp)

    def _add(self, kind: str, keys, rows_block, local_rows: np.ndarray, sign) -> None:
        """Slack columns of one kind, one per row of `local_rows`, with coefficient `sign`."""
        block = self.lp.add_columns(f"{kind}_gap", keys)
        self.slacks[kind] = block
        self.rows_of[kind] = local_rows
        self.lp.extend_rows(rows_block.name, local_rows, block.cols, sign)

    def _scope_volumes(self) -> np.ndarray:
        """Contracted volume (share basis) that could flow in each rule scope: a contract's
        volume counts once, whichever of its routes it takes."""
        inputs = self.inputs
        table = inputs.rules
        flows = inputs.flows
        sm = table.scope_members
        f = sm["flow"].to_numpy()
        of = flows["contract_row"].to_numpy()[f]
        # a contract's volume counts once; an offer flow counts what it could carry
        pairs = pd.DataFrame(
            {
                "scope": sm["scope"].to_numpy(),
                "key": np.where(of >= 0, of, -1 - f),
                "row": np.where(of >= 0, _first_flow_of(of, flows), f),
                "w": flows["weight"].to_numpy()[f],
            }
        ).drop_duplicates(["scope", "key"])
        volume = flow_volume_bound(inputs)[pairs["row"].to_numpy()]
        return np.bincount(
            pairs["scope"].to_numpy(),
            weights=pairs["w"].to_numpy() * volume,
            minlength=len(table.scopes),
        )

    def solve(self, allowed: tuple[str, ...], options: SolveOptions) -> np.ndarray | None:
        """Slack values of the least change using only the `allowed` kinds and the kinds
        they group (GROUPS; None: no change of those kinds makes a plan possible)."""
        allowed = tuple(k for kind in allowed for k in GROUPS.get(kind, (kind,)))
        for kind, block in self.slacks.items():
            upper = INF if kind in allowed else 0.0
            self.model.change_col_bounds(
                block.cols, np.zeros(len(block)), np.full(len(block), upper)
            )
        result = self.model.run(options)
        if not result.has_solution:
            return None
        return self.model.values()


def _first_flow_of(of: np.ndarray, flows: pd.DataFrame) -> np.ndarray:
    """For contract rows `of`, a flow of that contract row (its volume bound is the row's)."""
    rows = flows["contract_row"].to_numpy()
    first = np.full(int(rows.max()) + 1 if len(rows) else 0, -1, dtype=np.int64)
    mine = np.flatnonzero(rows >= 0)
    first[rows[mine][::-1]] = mine[::-1]
    return first[np.maximum(of, 0)]


def _report(elastic: Elastic, x: np.ndarray, option: str) -> list[dict]:
    inputs, lp = elastic.inputs, elastic.lp
    out: list[dict] = []
    name = OPTION[option]
    if "contract" in elastic.slacks:
        block = elastic.slacks["contract"]
        gaps = x[block.start : block.stop]
        demand = inputs.contract_rows
        volume = elastic.volume
        for d in np.flatnonzero(gaps > EPS * np.maximum(1.0, volume)):
            rec = demand.loc[d]
            can = float(volume[d] - gaps[d])
            can = 0.0 if can < EPS * max(1.0, float(volume[d])) else can  # not 4.5e-13
            unit = inputs.commodities.at[rec["commodity"], "unit"] or ""
            out.append(
                {
                    "option": name,
                    "kind": "contract",
                    "target": rec["contract"],
                    "period": rec["period"],
                    "current": float(volume[d]),
                    "needed": can,
                    "change": f"contract {rec['contract']} can deliver {quantity(can)} of "
                    f"{quantity(volume[d])} {unit} in {rec['period']}",
                    "cell": inputs.cell_of("Contracts", "volume", int(rec["_row"])),
                }
            )
    if "demand" in elastic.slacks:
        block = elastic.slacks["demand"]
        gaps = x[block.start : block.stop]
        needs = inputs.needs
        for d in np.flatnonzero(gaps > EPS * np.maximum(1.0, needs["volume"].to_numpy())):
            rec = needs.loc[d]
            can = rec["volume"] - gaps[d]
            unit = inputs.commodities.at[rec["commodity"], "unit"] or ""
            out.append(
                {
                    "option": name,
                    "kind": "demand",
                    "target": f"{rec['commodity']} at {rec['destination']}",
                    "period": rec["period"],
                    "current": rec["volume"],
                    "needed": can,
                    "change": f"demand for {rec['commodity']} at {rec['destination']} can be "
                    f"met up to {can:,.6g} of {rec['volume']:,.6g} {unit} in {rec['period']} "
                    "(or give it a shortfall_penalty)",
                    "cell": inputs.cell_of("Demand", "volume", int(rec["_row"])),
                }
            )
    if "floor" in elastic.slacks:
        block = elastic.slacks["floor"]
        gaps = x[block.start : block.stop]
        keys = block.keys
        stocks = inputs.stocks
        for i in np.flatnonzero(gaps > EPS):
            node, k, period = keys.iloc[i]
            rec = stocks[(stocks["node"] == node) & (stocks["commodity"] == k)].iloc[0]
            can = float(rec["min_level"]) - float(gaps[i])
            out.append(
                {
                    "option": name,
                    "kind": "stock",
                    "target": f"{k} at {node}",
                    "period": period,
                    "current": float(rec["min_level"]),
                    "needed": can,
                    "change": f"the reserve floor of {k} at {node} can be held only at "
                    f"{can:,.6g} in {period} (or give it a penalty)",
                    "cell": inputs.cell_of("Stocks", "min_level", int(rec["_row"])),
                }
            )
    if "capacity" in elastic.slacks:
        block = elastic.slacks["capacity"]
        gaps = x[block.start : block.stop]
        cap = inputs.capacity
        for i in np.flatnonzero(gaps > EPS):
            kind, ident, period = cap.at[i, "type"], cap.at[i, "id"], cap.at[i, "period"]
            current = float(elastic.capacity[i])
            gap = float(gaps[i])
            out.append(
                {
                    "option": name,
                    "kind": "capacity",
                    "target": f"{kind} {ident}",
                    "period": period,
                    "current": current,
                    "needed": current + gap,
                    "change": f"{kind} {ident} needs +{quantity(gap)} capacity units in {period} "
                    f"(from {quantity(current)} to {quantity(current + gap)})",
                    "cell": capacity_cell(inputs, kind, ident, period),
                }
            )
    if "rule" in elastic.slacks:
        block = elastic.slacks["rule"]
        gaps = x[block.start : block.stop]
        table = inputs.rules
        rows = table.rows
        flow = lp.columns["flow"]
        fx = x[flow.start : flow.stop]
        wx = inputs.flows["weight"].to_numpy() * fx
        through = table.through(wx)
        totals = table.scope_sums(wx)
        for k in np.flatnonzero(gaps > EPS):
            i = elastic.rule_rows[k]
            r = rows.iloc[i]
            limit = float(elastic.limits[i])
            share = r["bound"] in SHARE_BOUNDS
            if share:
                total = totals[int(r["scope"])]
                needed = through[i] / total if total > EPS else limit
            else:
                needed = limit + gaps[k] if r["bound"].startswith("max") else limit - gaps[k]
            scope = ", ".join(f"{c} {r[c]}" for c in SCOPE_COLUMNS if r[c] != "ALL")
            verb = "raise" if r["bound"].startswith("max") else "lower"
            what = "cap" if r["bound"] == "max_share" else r["bound"].replace("_", " ")
            out.append(
                {
                    "option": name,
                    "kind": "rule",
                    "target": f"{r['rule']}: {r['value']}",
                    "period": r["period"],
                    "current": limit,
                    "needed": float(needed),
                    "change": f"{verb} the {r['value']} {what} ({r['rule']}) for {scope} from "
                    f"{_fmt(limit, share)} to {_fmt(needed, share)}",
                    "cell": rule_cell(inputs, r["rule"], r["bound"]),
                }
            )
    return out


def _cannot(option: str, kind: str) -> dict:
    words = {
        "rule": "rules",
        "capacity": "capacities",
        "contract": "contract volumes and demand",
    }[kind]
    return {
        "option": OPTION[option],
        "kind": "note",
        "target": "",
        "period": "",
        "current": None,
        "needed": None,
        "change": f"changing {words} alone cannot make a plan possible",
        "cell": "",
    }


def _default_cap(inputs: Inputs, lp: LinearProgram) -> tuple[np.ndarray, np.ndarray, float | None]:
    """The default cap's coefficients in the program (global rows, scope-total columns) and
    the cap in force (None without a default cap)."""
    rows = inputs.rules.rows
    hit = np.flatnonzero(
        ((rows["rule"] == DEFAULT_CAP_RULE) & (rows["bound"] == "max_share")).to_numpy()
    )
    if len(hit) == 0 or "limit_rule" not in lp.rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), None
    cols = lp.columns["scope_total"].locate(inputs.rules.scopes.iloc[rows["scope"].to_numpy()[hit]])
    limits = rule_limits(lp, rows)[hit]
    current = float(np.nanmin(limits)) if np.isfinite(limits).any() else None
    return lp.rows["limit_rule"].start + hit, cols, current


def tightest_cap(
    inputs: Inputs, options: SolveOptions, lp: LinearProgram | None = None
) -> float | None:
    """The tightest default cap (to 1/CAP_GRID) with which a plan exists in the program
    (as built, or `lp` as it stands); None if even a lifted cap (1) leaves none."""
    lp = build(inputs) if lp is None else lp
    model = HighsModel(lp)
    rows, cols, current = _default_cap(inputs, lp)

    def feasible(cap: float) -> bool:
        model.change_coeffs(rows, cols, np.full(len(rows), -cap))
        return model.run(options).has_solution

    if not feasible(1.0):
        return None
    bad = math.floor(current * CAP_GRID + 1e-9) if current is not None else 0
    good = CAP_GRID
    while good - bad > 1:
        mid = (good + bad) // 2
        if feasible(mid / CAP_GRID):
            good = mid
        else:
            bad = mid
    return good / CAP_GRID


SLIP_RATIO = 100.0  # a capacity that would have to grow this many times looks like a unit slip


def _slips(inputs: Inputs, rows: list[dict]) -> list[dict]:
    """Suspected unit slips, first: the workbook's unit-slip warnings, and any capacity a
    change would have to multiply by SLIP_RATIO or more (1.5 where 1,500,000 is needed
    reads as kt typed for t)."""
    out: list[dict] = []
    seen: set[str] = set()
    for w in inputs.warnings:
        if getattr(w, "code", "") == "unit-slip":
            cell = w.where if w.cell else ""
            seen.add(cell)
            out.append(
                {
                    "option": "unit slip",
                    "kind": "note",
                    "target": str(w.value) if w.value is not None else "",
                    "period": "",
                    "current": None,
                    "needed": None,
                    "change": w.message,
                    "cell": cell,
                }
            )
    for r in rows:
        if r["kind"] != "capacity" or not r["current"] or r["cell"] in seen:
            continue
        ratio = r["needed"] / r["current"]
        if ratio >= SLIP_RATIO:
            seen.add(r["cell"])
            out.append(
                {
                    **r,
                    "option": "unit slip",
                    "change": f"{r['target']}: the plan needs {quantity(r['needed'])} capacity "
                    f"units in {r['period']} where the workbook says {quantity(r['current'])} "
                    f"({quantity(ratio)} times as much); was it typed in another unit (kt for "
                    "t)?",
                }
            )
    return out


def diagnose(
    inputs: Inputs, options: SolveOptions | None = None, lp: LinearProgram | None = None
) -> pd.DataFrame:
    """The Diagnosis sheet of an infeasible workbook, or of the program `lp` as a Plan
    changed it (see the module docstring): suspected unit slips first, then the tightest
    default cap (where the cap is involved), the least change overall, and the least change
    of each kind alone."""
    opts = options or SolveOptions()
    options = SolveOptions(time_limit=opts.time_limit, highs_options=dict(opts.highs_options))
    elastic = Elastic(inputs, lp)
    x = elastic.solve(tuple(elastic.slacks), options)
    if x is None:
        row = {
            "option": OPTION["all"],
            "kind": "error",
            "target": "",
            "period": "",
            "current": None,
            "needed": None,
            "change": "the diagnosis LP found no least change",
            "cell": "",
        }
        return pd.DataFrame([*_slips(inputs, []), row], columns=COLUMNS)
    rows = _report(elastic, x, "all")
    for kind in KINDS:
        if not set(GROUPS[kind]) & set(elastic.slacks):  # nothing of that kind to change
            rows.append(_cannot(kind, kind))
            continue
        only = elastic.solve((kind,), options)
        rows += _report(elastic, only, kind) if only is not None else [_cannot(kind, kind)]
    first = _slips(inputs, rows)
    touched = any(
        r["kind"] == "rule" and r["target"].startswith(f"{DEFAULT_CAP_RULE}:") for r in rows
    )
    if touched:
        cap = tightest_cap(inputs, opts, lp)
        current = _default_cap(inputs, lp if lp is not None else elastic.lp)[2]
        if current is None:
            current = inputs.settings.get("default_max_transit_share")
        cell = setting_cell(inputs, "default_max_transit_share")
        if cap is None:
            change = "no default cap makes a plan possible: even without it there is none"
        else:
            change = f"the tightest feasible cap is {cap:.1%}: edit {cell or 'the setting'}"
        first.append(
            {
                "option": "tightest cap",
                "kind": "rule",
                "target": "default_max_transit_share",
                "period": "",
                "current": current,
                "needed": cap,
                "change": change,
                "cell": cell,
            }
        )
    return pd.DataFrame([*first, *rows], columns=COLUMNS)

"""Expand `Limits` rows and the default transit cap into one row per constraint, as arrays.

A rule's scope columns pick flows: a specific id filters, ``*`` splits into one scope per id
present, ``ALL`` pools. Its ``value`` names what is measured on each flow (a transit country,
chokepoint, corridor, route, node or origin country of the flow's route, or the flow's
supplier) or ``*`` for each value present on the scope's flows. Each (scope, value) is a
**group**; each group and bound becomes one row:

    through[group] = sum_{i in scope, value on i} w_i x_i
    max_share:  through <= max_share * total[scope]     total[scope] = sum_{i in scope} w_i x_i
    min_share:  through >= min_share * total[scope]
    max_volume: sum cu_i x_i <= max_volume              (capacity units)
    min_volume: sum cu_i x_i >= min_volume

with w = capacity_use (share_basis volume) or value_per_unit (share_basis value).

The result is a `RuleTable`: `rows` (one per constraint), `members` (group -> flows passing
the value), `scopes` and `scope_members` (scope -> every flow in it). Everything is computed
with integer codes and numpy; no Python loop runs per flow or per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import Issues
from .schema import normalise_name

SCOPE_COLUMNS = ("destination", "commodity", "period", "origin", "contract")
BOUNDS = ("max_share", "min_share", "max_volume", "min_volume")
SHARE_BOUNDS = ("max_share", "min_share")
DEFAULT_CAP_RULE = "default_cap"
# measure -> the routes column that lists its values (None: the route itself; "supplier" is a
# property of the flow, not of its route)
MEASURE_COLUMN = {
    "transit_country": "transit",
    "chokepoint": "chokepoints",
    "corridor": "corridor",
    "route": None,
    "node": "nodes",
    "origin_country": "origin_country",
    "supplier": "supplier",
}
ROW_COLUMNS = [
    "rule",
    "measure",
    "bound",
    "limit",
    "penalty",
    *SCOPE_COLUMNS,
    "value",
    "group",
    "scope",
    "_row",
]


def _empty_members(name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {name: pd.Series(dtype=np.int64), "flow": pd.Series(dtype=np.int64)},
    )


@dataclass
class RuleTable:
    """The expanded rules (see the module docstring)."""

    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROW_COLUMNS))
    members: pd.DataFrame = field(default_factory=lambda: _empty_members("group"))
    scopes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCOPE_COLUMNS))
    scope_members: pd.DataFrame = field(default_factory=lambda: _empty_members("scope"))

    @property
    def empty(self) -> bool:
        return self.rows.empty

    def __len__(self) -> int:
        return len(self.rows)

    def group_sums(self, per_flow: np.ndarray) -> np.ndarray:
        """sum over each group's member flows of per_flow (e.g. w * x)."""
        n = int(self.rows["group"].max()) + 1 if len(self.rows) else 0
        g = self.members["group"].to_numpy()
        f = self.members["flow"].to_numpy()
        return np.bincount(g, weights=per_flow[f], minlength=n)

    def scope_sums(self, per_flow: np.ndarray) -> np.ndarray:
        """sum over each scope's flows of per_flow."""
        s = self.scope_members["scope"].to_numpy()
        f = self.scope_members["flow"].to_numpy()
        return np.bincount(s, weights=per_flow[f], minlength=len(self.scopes))

    def through(self, per_flow: np.ndarray) -> np.ndarray:
        """Per row: the sum over the row's group of per_flow."""
        return self.group_sums(per_flow)[self.rows["group"].to_numpy(dtype=np.int64)]


class FlowCodes:
    """Integer codes of the flows' scope columns and measure values, computed once."""

    def __init__(self, flows: pd.DataFrame, routes: pd.DataFrame) -> None:
        self.flows = flows
        self.routes = routes
        self.n = len(flows)
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._values: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._value_codes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.route_pos = routes.index.get_indexer(flows["route"])

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(code per flow, the distinct values) of a scope column."""
        if column not in self._codes:
            codes, uniques = pd.factorize(self.flows[column], sort=False)
            self._codes[column] = (codes.astype(np.int64), np.asarray(uniques, dtype=object))
        return self._codes[column]

    def value_codes(self, measure: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(flow, code, uniques): which values each flow carries for a measure, as integer
        codes into `uniques` (computed on the routes, then spread to their flows)."""
        if measure in self._value_codes:
            return self._value_codes[measure]
        column = MEASURE_COLUMN[measure]
        if column == "supplier":
            supplier = self.flows["supplier"] if "supplier" in self.flows else None
            if supplier is None:
                out = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), _NO_VALUES)
            else:
                has = supplier.notna().to_numpy()
                codes, uniques = pd.factorize(supplier.to_numpy(dtype=object)[has], sort=False)
                out = (np.flatnonzero(has), codes.astype(np.int64), np.asarray(uniques, object))
        else:
            if column is None:
                per_route = [(r,) for r in self.routes.index]
            elif column in ("corridor", "origin_country"):
                per_route = [(v,) for v in self.routes[column]]
            else:
                per_route = [tuple(v) if v else () for v in self.routes[column]]
            lengths = np.fromiter(map(len, per_route), dtype=np.int64, count=len(per_route))
            flat = np.asarray([v for vs in per_route for v in vs], dtype=object)
            flat_codes, uniques = pd.factorize(flat, sort=False)
            flat_codes = flat_codes.astype(np.int64)
            starts = np.concatenate(([0], np.cumsum(lengths)))
            counts = lengths[self.route_pos]
            flow = np.repeat(np.arange(self.n, dtype=np.int64), counts)
            # position of each (flow, k-th value) in `flat`
            offset = np.arange(len(flow)) - np.repeat(np.cumsum(counts) - counts, counts)
            code = (
                flat_codes[starts[self.route_pos][flow] + offset] if len(flow) else flat_codes[:0]
            )
            out = (flow, code, np.asarray(uniques, dtype=object))
        self._value_codes[measure] = out
        return out

    def values(self, measure: str) -> tuple[np.ndarray, np.ndarray]:
        """(flow, value) pairs: which values each flow carries for a measure."""
        if measure not in self._values:
            flow, code, uniques = self.value_codes(measure)
            self._values[measure] = (flow, uniques[code])
        return self._values[measure]

    def code_of(self, column: str, value: object) -> int:
        """The code of a value in a scope column (-2, matching no flow, when absent)."""
        uniques = self.codes(column)[1]
        hit = np.flatnonzero(uniques == value) if len(uniques) else np.zeros(0, dtype=np.int64)
        return int(hit[0]) if len(hit) else -2


_NO_VALUES = np.zeros(0, dtype=object)


def first_seen(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each key, position of each code's first key): codes numbered in order of
    first appearance (a hash table, no sort)."""
    codes, _ = pd.factorize(keys, sort=False)
    codes = codes.astype(np.int64)
    if len(codes) == 0:
        return codes, np.zeros(0, dtype=np.int64)
    # codes are handed out in order, so a code first appears where the running maximum grows
    top = np.maximum.accumulate(codes)
    new = np.empty(len(codes), dtype=bool)
    new[0] = True
    new[1:] = top[1:] > top[:-1]
    return codes, np.flatnonzero(new)


def _group_by(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): positions sorted by code (stable), and where each code's run starts
    (n + 1 entries)."""
    small = np.int16 if n < np.iinfo(np.int16).max else np.int64  # int16: a radix sort
    order = np.argsort(codes.astype(small), kind="stable")
    starts = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=n))))
    return order, starts


def _combine(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One int64 key per element from several code arrays (mixed radix)."""
    key = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    for c, size in zip(codes, sizes, strict=True):
        key = key * max(size, 1) + c
    return key


class _Builder:
    """Accumulates groups, rows and scopes over all rules (as arrays; frames at the end)."""

    def __init__(self, fc: FlowCodes) -> None:
        self.fc = fc
        self.rows: list[pd.DataFrame] = []
        self.members: list[tuple[np.ndarray, np.ndarray]] = []  # (group, flow)
        self.n_groups = 0
        self.scope_ids: dict[tuple, int] = {}
        self.scope_members: list[np.ndarray] = []  # flows of each scope, by scope id

    def scope_id(self, scope: tuple, flows: np.ndarray) -> int:
        sid = self.scope_ids.get(scope)
        if sid is None:
            sid = self.scope_ids[scope] = len(self.scope_ids)
            self.scope_members.append(flows)
        return sid

    def table(self) -> RuleTable:
        rows = (
            pd.concat(self.rows, ignore_index=True)
            if self.rows
            else pd.DataFrame(columns=ROW_COLUMNS)
        )
        rows["penalty"] = rows["penalty"].astype(float)
        rows["limit"] = rows["limit"].astype(float)
        rows["group"] = rows["group"].astype(np.int64)
        rows["scope"] = rows["scope"].astype(np.int64)
        members = (
            pd.DataFrame(
                {
                    "group": np.concatenate([g for g, _ in self.members]),
                    "flow": np.concatenate([f for _, f in self.members]),
                }
            )
            if self.members
            else _empty_members("group")
        )
        scopes = pd.DataFrame(list(self.scope_ids), columns=list(SCOPE_COLUMNS))
        if self.scope_members:
            sizes = [len(f) for f in self.scope_members]
            scope_members = pd.DataFrame(
                {
                    "scope": np.repeat(np.arange(len(sizes), dtype=np.int64), sizes),
                    "flow": np.concatenate(self.scope_members).astype(np.int64),
                }
            )
        else:
            scope_members = _empty_members("scope")
        return RuleTable(rows, members, scopes, scope_members)


def _scope_mask(fc: FlowCodes, rule: dict) -> np.ndarray:
    mask = np.ones(fc.n, dtype=bool)
    for col in SCOPE_COLUMNS:
        if rule[col] not in ("*", "ALL"):
            mask &= fc.codes(col)[0] == fc.code_of(col, rule[col])
    return mask


def expand_rule(
    builder: _Builder,
    rule: dict,
    issues: Issues | None,
    where: str = "",
    strict: bool = True,
    keep_group=None,
) -> int:
    """Add the groups and rows of one rule; returns the number of rows added.

    `keep_group(scope_values: dict[col, array], values: array) -> bool array` drops groups
    (the default cap uses it for countries a rule replaces)."""
    fc = builder.fc
    mask = _scope_mask(fc, rule)
    split = [c for c in SCOPE_COLUMNS if rule[c] == "*"]
    flow, code, uniques = fc.value_codes(rule["measure"])
    sel = mask[flow] if len(flow) else np.zeros(0, dtype=bool)
    if rule["value"] != "*":
        hit = np.flatnonzero(uniques == rule["value"]) if len(uniques) else []
        sel &= code == (hit[0] if len(hit) else -2)
    flow, code = flow[sel], code[sel]
    bounds = [b for b in BOUNDS if rule.get(b) is not None and not pd.isna(rule.get(b))]
    name = rule["rule"]
    if len(flow) == 0:
        if issues is not None:
            _report_empty(rule, fc, mask, split, bounds, issues, where, strict)
        return 0
    # each flow's scope as one integer (mixed radix over the split columns), then each
    # (flow, value) pair's group key: scope * values + value
    s_sizes = [len(fc.codes(c)[1]) for c in split]
    scope_key = _combine([fc.codes(c)[0] for c in split], s_sizes)
    keys = scope_key[flow] * max(len(uniques), 1) + code if split else code
    # groups (scope, value) numbered in order of first appearance
    group_of, first = first_seen(keys)
    n_groups = len(first)
    scope_vals = {c: fc.flows[c].to_numpy(dtype=object)[flow[first]] for c in split}
    group_value = uniques[code[first]]
    keep = (
        np.ones(n_groups, dtype=bool) if keep_group is None else keep_group(scope_vals, group_value)
    )
    if issues is not None and rule["value"] != "*" and split:
        n_scopes = len(np.unique(scope_key[mask]))
        n_with = len(np.unique(scope_key[flow]))
        if n_with < n_scopes:
            issues.warn(
                "Limits",
                where,
                "value",
                rule["value"],
                f"rule {name}: {n_scopes - n_with} of {n_scopes} scopes have no route "
                f"carrying {rule['value']}; they get no constraint",
                "rule-partial",
            )
    if not keep.any():
        return 0
    kept = np.flatnonzero(keep)
    new_id = np.full(n_groups, -1, dtype=np.int64)
    new_id[kept] = np.arange(len(kept)) + builder.n_groups
    member_group = new_id[group_of]
    in_kept = member_group >= 0
    builder.members.append((member_group[in_kept], flow[in_kept]))
    # the scope of each kept group, and its flows (all flows of the scope, carrying or not)
    scoped = np.flatnonzero(mask)
    fixed = {c: ("ALL" if rule[c] == "ALL" else rule[c]) for c in SCOPE_COLUMNS}
    scope_columns = {c: np.full(len(kept), fixed[c], dtype=object) for c in SCOPE_COLUMNS}
    for c in split:
        scope_columns[c] = scope_vals[c][kept]
    if split:
        s_code, s_uniques = pd.factorize(scope_key[scoped], sort=False)
        g_key = scope_key[flow[first[kept]]]
        unique_keys, first_group, group_scope = np.unique(
            g_key, return_index=True, return_inverse=True
        )
        scope_of_unique = pd.Index(s_uniques).get_indexer(unique_keys)
        s_order = s_starts = None  # grouped below, only when a new scope needs its flows
    else:
        first_group = np.zeros(1, dtype=np.int64)
        group_scope = np.zeros(len(kept), dtype=np.int64)
    sid_of_unique = np.empty(len(first_group), dtype=np.int64)
    for u, k in enumerate(first_group.tolist()):
        scope = tuple(scope_columns[c][k] for c in SCOPE_COLUMNS)
        sid = builder.scope_ids.get(scope)
        if sid is None:
            if split:
                if s_order is None:
                    s_order, s_starts = _group_by(s_code.astype(np.int64), len(s_uniques))
                j = scope_of_unique[u]
                members = scoped[s_order[s_starts[j] : s_starts[j + 1]]]
            else:
                members = scoped
            sid = builder.scope_id(scope, members.astype(np.int64))
        sid_of_unique[u] = sid
    scope_ids = sid_of_unique[group_scope]
    builder.n_groups += len(kept)
    parts = []
    for bound in bounds:
        frame = pd.DataFrame(
            {
                "rule": name,
                "measure": rule["measure"],
                "bound": bound,
                "limit": float(rule[bound]),
                "penalty": rule.get("penalty"),
                **{c: scope_columns[c] for c in SCOPE_COLUMNS},
                "value": group_value[kept],
                "group": new_id[kept],
                "scope": scope_ids,
                "_row": rule.get("_row"),
            }
        )
        parts.append(frame)
    # rows of one group stay together, in bound order (min and max of a scope side by side)
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.sort_values("group", kind="stable")[ROW_COLUMNS]
    builder.rows.append(rows)
    return len(rows)


def _report_empty(
    rule: dict,
    fc: FlowCodes,
    mask: np.ndarray,
    split: list[str],
    bounds: list[str],
    issues: Issues,
    where: str,
    strict: bool = True,
) -> None:
    name, value = rule["rule"], rule["value"]
    if not mask.any():
        why = (
            "its scope has no flow (no contract matches its destination, commodity, period, "
            "origin and contract columns)"
        )
    else:
        flow, values = fc.values(rule["measure"])
        present = sorted({str(v) for v in values[mask[flow]]})
        near = [p for p in present if normalise_name(p) == normalise_name(value)]
        hint = (
            f" (did you mean {near[0]!r}?)"
            if near
            else (f"; values on its routes: {', '.join(present[:10])}" if present else "")
        )
        why = f"no eligible route in its scope carries {value}{hint}"
    if strict and any(b in ("min_share", "min_volume") for b in bounds) and not split:
        issues.error(
            "Limits",
            where,
            "rule",
            name,
            f"rule {name} constrains nothing: {why}; a minimum could never be honoured",
            "rule-empty",
        )
    else:
        issues.warn(
            "Limits", where, "rule", name, f"rule {name} constrains nothing: {why}", "rule-empty"
        )


def default_cap_rule(cap: float) -> dict:
    """The default transit cap as a rule: each transit country of each destination x
    commodity x period, origins and contracts pooled."""
    return {
        "rule": DEFAULT_CAP_RULE,
        "measure": "transit_country",
        "value": "*",
        "destination": "*",
        "commodity": "*",
        "period": "*",
        "origin": "ALL",
        "contract": "ALL",
        "max_share": cap,
        "penalty": None,
        "_row": None,
    }


def cap_overrides(limits: pd.DataFrame) -> dict[str, list[dict]]:
    """Country -> the transit_country rules with a max_share that replace the default cap for
    it (value names the country; origin and contract pooled)."""
    out: dict[str, list[dict]] = {}
    for r in limits.to_dict("records"):
        if (
            r["measure"] == "transit_country"
            and r["max_share"] is not None
            and not pd.isna(r["max_share"])
            and r["value"] != "*"
            and r["origin"] == "ALL"
            and r["contract"] == "ALL"
        ):
            out.setdefault(r["value"], []).append(r)
    return out


def _keep_uncovered(overrides: dict[str, list[dict]]):
    """keep_group for the default cap: drop (scope, country) a rule covers."""

    def keep(scope_vals: dict[str, np.ndarray], values: np.ndarray) -> np.ndarray:
        out = np.ones(len(values), dtype=bool)
        for country, rules in overrides.items():
            hit = values == country
            if not hit.any():
                continue
            for r in rules:
                covered = hit.copy()
                for c in ("destination", "commodity", "period"):
                    if r[c] not in ("*", "ALL"):
                        covered &= scope_vals[c] == r[c]
                out &= ~covered
        return out

    return keep


def expand_rules(
    flows: pd.DataFrame,
    routes: pd.DataFrame,
    limits: pd.DataFrame,
    settings: dict[str, object],
    commodities: pd.DataFrame,
    issues: Issues,
    *,
    cell_of=None,
    strict: bool = True,
    default_cap: float | None | str = "setting",
) -> RuleTable:
    """All constraint rows of the Limits sheet and the default cap.

    `cell_of(rule_row_number) -> 'Limits!A5'` names a rule's cell in messages.
    `default_cap` overrides the setting (None: no default cap)."""
    fc = FlowCodes(flows, routes)
    builder = _Builder(fc)
    for rule in limits.to_dict("records"):
        where = cell_of(rule["_row"]) if cell_of is not None else ""
        expand_rule(builder, rule, issues, where, strict)
    cap = settings.get("default_max_transit_share") if default_cap == "setting" else default_cap
    if cap is not None:
        if settings.get("share_basis") == "value":
            zero = sorted(
                set(flows["commodity"]) & set(commodities.index[commodities["value_per_unit"] <= 0])
            )
            if zero:
                issues.error(
                    "Settings",
                    "",
                    "default_max_transit_share",
                    cap,
                    f"share_basis is value but commodity {', '.join(zero)} has "
                    "value_per_unit 0; give it a value or use share_basis volume",
                    "value-basis",
                )
        expand_rule(
            builder,
            default_cap_rule(float(cap)),
            None,
            keep_group=_keep_uncovered(cap_overrides(limits)),
        )
    return builder.table()

"""Expand `Limits` rows and the default transit cap into one row per constraint.

A rule's scope columns pick flows: a specific id filters, ``*`` splits into one scope per
id present, ``ALL`` pools. Its ``value`` names what is measured on each flow's route
(a transit country, chokepoint, corridor, route or node) or ``*`` for each value present on
the scope's eligible routes. Each (scope, value, bound) becomes one row:

    through[scope, value] = sum_{i in scope, value on route(i)} w_i x_i
    max_share:  through <= max_share * total[scope]     total[scope] = sum_{i in scope} w_i x_i
    min_share:  through >= min_share * total[scope]
    max_volume: sum cu_i x_i <= max_volume              (capacity units)
    min_volume: sum cu_i x_i >= min_volume

with w = capacity_use (share_basis volume) or value_per_unit (share_basis value).
"""

from __future__ import annotations

import pandas as pd

from .errors import Issues
from .schema import normalise_name

SCOPE_COLUMNS = ("destination", "commodity", "period", "origin", "contract")
BOUNDS = ("max_share", "min_share", "max_volume", "min_volume")
DEFAULT_CAP_RULE = "default_cap"
MEASURE_COLUMN = {
    "transit_country": "transit",
    "chokepoint": "chokepoints",
    "corridor": "corridor",
    "route": None,
    "node": "nodes",
}
ROW_COLUMNS = [
    "rule",
    "measure",
    "bound",
    "limit",
    "penalty",
    *SCOPE_COLUMNS,
    "value",
    "through",
    "scope",
    "_row",
]


def route_values(routes: pd.DataFrame, measure: str) -> pd.DataFrame:
    """(route, value) pairs: which countries, chokepoints... each route carries."""
    column = MEASURE_COLUMN[measure]
    if column is None:
        return pd.DataFrame({"route": routes.index, "value": routes.index})
    series = routes[column]
    if column == "corridor":
        return pd.DataFrame({"route": routes.index, "value": series.to_numpy()})
    exploded = series.explode().dropna()
    return pd.DataFrame({"route": exploded.index, "value": exploded.to_numpy()})


def expand_rule(
    flows: pd.DataFrame,
    routes: pd.DataFrame,
    rule: dict,
    issues: Issues | None,
    where: str = "",
    strict: bool = True,
) -> list[dict]:
    """The constraint rows of one rule (see the module docstring)."""
    scoped = flows
    for col in SCOPE_COLUMNS:
        if rule[col] not in ("*", "ALL"):
            scoped = scoped[scoped[col] == rule[col]]
    split = [c for c in SCOPE_COLUMNS if rule[c] == "*"]
    values = route_values(routes, rule["measure"])
    if rule["value"] != "*":
        values = values[values["value"] == rule["value"]]
    carried = scoped[["route", *split]].reset_index(names="flow").merge(values, on="route")
    bounds = [b for b in BOUNDS if rule.get(b) is not None and not pd.isna(rule.get(b))]
    name = rule["rule"]
    if carried.empty:
        if issues is not None:
            _report_empty(rule, scoped, routes, split, bounds, issues, where, strict)
        return []
    if issues is not None and rule["value"] != "*" and split:
        n_scopes = scoped.groupby(split, sort=False).ngroups
        n_with = carried.groupby(split, sort=False).ngroups
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
    rows = []
    keys = [*split, "value"]
    flow = carried["flow"].to_numpy()
    for key, positions in carried.groupby(keys, sort=False).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        scope = {c: "ALL" if rule[c] == "ALL" else rule[c] for c in SCOPE_COLUMNS}
        scope.update(dict(zip(split, key[:-1], strict=True)))
        for bound in bounds:
            rows.append(
                {
                    "rule": name,
                    "measure": rule["measure"],
                    "bound": bound,
                    "limit": float(rule[bound]),
                    "penalty": rule.get("penalty"),
                    **scope,
                    "value": key[-1],
                    "through": flow[positions],
                    "scope": tuple(scope[c] for c in SCOPE_COLUMNS),
                    "_row": rule.get("_row"),
                }
            )
    return rows


def _report_empty(
    rule: dict,
    scoped: pd.DataFrame,
    routes: pd.DataFrame,
    split: list[str],
    bounds: list[str],
    issues: Issues,
    where: str,
    strict: bool = True,
) -> None:
    name, value = rule["rule"], rule["value"]
    if scoped.empty:
        why = (
            "its scope has no flow (no contract matches its destination, commodity, period, "
            "origin and contract columns)"
        )
    else:
        present = sorted(
            set(route_values(routes.loc[scoped["route"].unique()], rule["measure"])["value"])
        )
        near = [p for p in present if normalise_name(p) == normalise_name(value)]
        hint = (
            f" (did you mean {near[0]!r}?)"
            if near
            else (f"; values on its routes: {', '.join(map(str, present[:10]))}" if present else "")
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


def _covers(rule: dict, scope: tuple[str, str, str]) -> bool:
    return all(
        rule[c] in ("*", "ALL") or rule[c] == s
        for c, s in zip(("destination", "commodity", "period"), scope, strict=True)
    )


def default_cap_rows(
    flows: pd.DataFrame, routes: pd.DataFrame, limits: pd.DataFrame, cap: float
) -> list[dict]:
    """max_share `cap` on each transit country of each destination x commodity x period."""
    overrides = [
        r
        for r in limits.to_dict("records")
        if r["measure"] == "transit_country"
        and r["max_share"] is not None
        and not pd.isna(r["max_share"])
        and r["value"] != "*"
        and r["origin"] == "ALL"
        and r["contract"] == "ALL"
    ]
    by_country: dict[str, list[dict]] = {}
    for r in overrides:
        by_country.setdefault(r["value"], []).append(r)
    rule = {
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
    rows = expand_rule(flows, routes, rule, None)
    return [
        row
        for row in rows
        if not any(
            _covers(o, (row["destination"], row["commodity"], row["period"]))
            for o in by_country.get(row["value"], ())
        )
    ]


def expand_rules(inputs, issues: Issues, strict: bool = True) -> pd.DataFrame:
    """All constraint rows of the Limits sheet and the default cap, as one frame."""
    flows, routes = inputs.flows, inputs.routes
    rows: list[dict] = []
    for rule in inputs.limits.to_dict("records"):
        where = (
            inputs.tables["Limits"].cell("rule", rule["_row"]) if "Limits" in inputs.tables else ""
        )
        rows.extend(expand_rule(flows, routes, rule, issues, where, strict))
    cap = inputs.settings.get("default_max_transit_share")
    if cap is not None:
        if inputs.settings["share_basis"] == "value":
            zero = sorted(
                set(flows["commodity"])
                & set(inputs.commodities.index[inputs.commodities["value_per_unit"] <= 0])
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
        rows.extend(default_cap_rows(flows, routes, inputs.limits, float(cap)))
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    frame["penalty"] = frame["penalty"].astype(float)
    return frame


def scope_members(flows: pd.DataFrame, scopes: list[tuple[str, ...]]) -> dict[tuple, object]:
    """scope tuple (ids, 'ALL' where pooled) -> positions of the flows in it."""
    out: dict[tuple, object] = {}
    patterns: dict[tuple[bool, ...], list[tuple]] = {}
    for scope in scopes:
        patterns.setdefault(tuple(s != "ALL" for s in scope), []).append(scope)
    for pattern, members in patterns.items():
        cols = [c for c, keep in zip(SCOPE_COLUMNS, pattern, strict=True) if keep]
        if not cols:
            for scope in members:
                out[scope] = flows.index.to_numpy()
            continue
        index = flows.groupby(cols, sort=False).indices
        for scope in members:
            key = tuple(s for s, keep in zip(scope, pattern, strict=True) if keep)
            out[scope] = index.get(key if len(key) > 1 else key[0], [])
    return out

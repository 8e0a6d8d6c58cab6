"""One closure vocabulary (spec section 5), as facts about the inputs.

A closure is ``kind:id``:

=====================  =====================================================================
``country:X``          every route with X among its countries (origin and destination
                       included: closing an origin country also stops its offers)
``transit_country:X``  routes on which X is a transit country
``origin_country:X``   routes that start in X, and X's offers
``chokepoint:X``       routes through the chokepoint
``corridor:X``         routes of the corridor
``node:X``, ``leg:X``, ``route:X``   routes through the node or leg, or the route itself
=====================  =====================================================================

`closed_flows` says which flow variables a closure removes; `touched_scopes` which
(destination, commodity, period) scopes lose a usable route (the default cap is suspended
there: a diversification policy for normal times would otherwise forbid the one corridor
left). Used by the stress test, scenarios and robust plans alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import validate
from .data import Inputs
from .io.cells import CellError

SCOPE_KEYS = ["destination", "commodity", "period"]


@dataclass(frozen=True)
class Closure:
    kind: str
    ident: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.ident}"


def parse_closure(text: str, ids: dict[str, set[str] | None] | None = None) -> Closure:
    """'country:RU' -> Closure('country', 'RU'); ValueError naming what is wrong (the
    workbook's checks use the same parser: validate.parse_closure)."""
    try:
        kind, ident = validate.parse_closure(str(text), ids or {})
    except CellError as exc:
        raise ValueError(str(exc)) from None
    return Closure(kind, ident)


def known_ids(inputs: Inputs) -> dict[str, set[str]]:
    """The ids each closure kind may name (inactive routes too)."""
    legs = inputs.legs
    table = inputs.tables.get("Routes")
    routes = table.frame if table is not None else inputs.routes.reset_index(names="route")
    pairs = zip(routes["route"], routes["corridor"], strict=True)
    corridors = {c if isinstance(c, str) else r for r, c in pairs}
    countries = set(inputs.nodes["country"]) | {
        c for values in legs["countries"] if values for c in values
    }
    return {
        "country": countries,
        "transit_country": countries,
        "origin_country": countries,
        "chokepoint": {t for values in legs["chokepoints"] if values for t in values},
        "corridor": corridors,
        "node": set(inputs.nodes.index),
        "leg": set(legs.index),
        "route": set(routes["route"]),
    }


def closed_routes(inputs: Inputs, closure: Closure) -> set[str]:
    """Active routes the closure removes."""
    routes = inputs.routes
    kind, ident = closure.kind, closure.ident
    if kind == "corridor":
        return set(routes.index[routes["corridor"] == ident])
    if kind == "route":
        return {ident} & set(routes.index)
    if kind == "origin_country":
        return set(routes.index[routes["origin_country"] == ident])
    column = {
        "country": "countries",
        "transit_country": "transit",
        "chokepoint": "chokepoints",
        "node": "nodes",
        "leg": "legs",
    }[kind]
    return {r for r, values in routes[column].items() if ident in values}


def closed_flows(inputs: Inputs, closure: Closure) -> np.ndarray:
    """Positions of the flow variables the closure removes (those on its routes; and an
    origin country's or country's offers, whose flows all start in it)."""
    routes = closed_routes(inputs, closure)
    return np.flatnonzero(inputs.flows["route"].isin(routes).to_numpy())


def banned_flows(inputs: Inputs) -> np.ndarray:
    """Flows a hard max_share 0 rule bans in their scope (never usable)."""
    table = inputs.rules
    if table.empty:
        return np.zeros(0, dtype=np.int64)
    rows = table.rows
    ban = rows[(rows["bound"] == "max_share") & (rows["limit"] <= 0) & rows["penalty"].isna()][
        "group"
    ].to_numpy()
    members = table.members
    return np.unique(members["flow"].to_numpy()[np.isin(members["group"].to_numpy(), ban)])


def touched_scopes(inputs: Inputs, flows: np.ndarray) -> pd.DataFrame:
    """(destination, commodity, period) scopes that lose a usable route when `flows` close:
    a closed flow that no hard max_share 0 rule bans in its scope."""
    usable = np.setdiff1d(flows, banned_flows(inputs))
    frame = inputs.flows.iloc[usable][SCOPE_KEYS]
    return frame.drop_duplicates().reset_index(drop=True)


def rows_in_scopes(rows: pd.DataFrame, scopes: pd.DataFrame) -> np.ndarray:
    """Rule rows whose destination, commodity and period cover one of `scopes` (a pooled
    column, ALL, covers every value)."""
    if scopes.empty or rows.empty:
        return np.zeros(len(rows), dtype=bool)
    hit = np.zeros(len(rows), dtype=bool)
    cols = {c: rows[c].to_numpy(dtype=object) for c in SCOPE_KEYS}
    for scope in scopes.itertuples(index=False):
        match = np.ones(len(rows), dtype=bool)
        for c, value in zip(SCOPE_KEYS, scope, strict=True):
            match &= (cols[c] == value) | (cols[c] == "ALL")
        hit |= match
    return hit


MINIMUM_BOUNDS = ("min_share", "min_volume")


def emptied_minimums(inputs: Inputs, flows: np.ndarray) -> np.ndarray:
    """Rule rows with a minimum (min_share, min_volume) whose value no flow of the scope
    carries once `flows` close: a rule is expanded over the routes that stay open, and a
    scope whose routes do not carry the value gets no row (spec sections 2 and 5), so a
    closure never demands cargo through what it closed."""
    rules = inputs.rules
    if rules.empty or len(flows) == 0:
        return np.zeros(len(rules), dtype=bool)
    closed = np.zeros(len(inputs.flows), dtype=bool)
    closed[flows] = True
    group = rules.members["group"].to_numpy(dtype=np.int64)
    member = rules.members["flow"].to_numpy(dtype=np.int64)
    n = int(rules.rows["group"].max()) + 1
    carriers = np.bincount(group[~closed[member]], minlength=n)
    row_group = rules.rows["group"].to_numpy(dtype=np.int64)
    minimum = rules.rows["bound"].isin(MINIMUM_BOUNDS).to_numpy()
    return minimum & (carriers[row_group] == 0)

"""Inputs: validated tables plus every derived fact the model needs, computed once with pandas.

No Pyomo here. The derived facts:

- ``routes``: origin, destination, nodes, countries, transit countries, chokepoints and the
  sums of leg cost, node handling cost, days and CO2 of each route;
- ``contract_rows``: one row per contract and period (volume, shortfall penalty or NaN);
- ``flows``: one row per flow variable (contract x eligible route x period) with its
  capacity use, share weight and unit cost split into transport, handling, carrying, carbon;
- ``capacity``: one row per (type, id, period) whose capacity is finite in that period,
  with the base capacity after the Capacities sheet;
- ``usage``: which flows load which capacity row (flow, capacity row, coefficient);
- ``expansions``: with the index of the first period in effect.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import rules, validate
from .errors import InputIssue, Issues
from .io.cells import Table
from .rules import RuleTable
from .schema import INPUT_SHEETS, REQUIRED_SHEETS

DEFAULT_PERIOD = "P1"


@dataclass(frozen=True)
class Inputs:
    """Everything the model reads, validated. Build with `read_workbook` or `from_frames`."""

    settings: dict[str, object]
    periods: list[str]
    commodities: pd.DataFrame  # index commodity
    nodes: pd.DataFrame  # index node
    legs: pd.DataFrame  # index leg
    routes: pd.DataFrame  # index route, active routes only, with derived columns
    contracts: pd.DataFrame  # the Contracts rows as typed
    contract_rows: pd.DataFrame  # contract, period, commodity, origin, destination, volume, penalty
    flows: pd.DataFrame  # one row per flow variable
    capacity: pd.DataFrame  # type, id, period, capacity (finite only)
    usage: pd.DataFrame  # flow, cap_row, coef
    limits: pd.DataFrame  # the Limits rows as typed
    expansions: pd.DataFrame  # index expansion
    tables: dict[str, Table] = field(default_factory=dict)
    warnings: list[InputIssue] = field(default_factory=list)
    source: str = ""
    sha256: str = ""
    rules: RuleTable = field(default_factory=RuleTable)  # Limits and default cap, expanded
    # The v1.2 sheets as typed (see `table_frame`; empty with the sheet's columns when the
    # sheet is absent); every row valid. Disruptions adds the closure's `kind` and `id`.
    demand_rows: pd.DataFrame = field(default_factory=lambda: table_frame({}, "Demand"))
    offers: pd.DataFrame = field(default_factory=lambda: table_frame({}, "Offers"))
    stocks: pd.DataFrame = field(default_factory=lambda: table_frame({}, "Stocks"))
    disruptions: pd.DataFrame = field(default_factory=lambda: _disruptions_frame({}))

    @property
    def period_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.periods)}

    def cell_of(self, sheet: str, column: str, row: int) -> str:
        """'Legs!F7' for a table row, '' when the sheet did not come from a table."""
        table = self.tables.get(sheet)
        return f"{table.sheet}!{table.cell(column, row)}" if table is not None else ""

    def with_changes(self, **changes: object) -> Inputs:
        """A copy with some fields replaced (derived caches are recomputed on demand)."""
        return replace(self, **changes)

    def without_robust(self) -> Inputs:
        """The same workbook with robust mode off (robust_min_delivery blank)."""
        return self.with_changes(settings={**self.settings, "robust_min_delivery": None})

    @cached_property
    def closure_penalty(self) -> float:
        """Money per commodity unit of cargo a closure loses where the row has no penalty:
        the setting, else 10 x the highest landed unit cost of any flow (spec section 5)."""
        value = self.settings.get("closure_penalty")
        if value is not None:
            return float(value)
        landed = self.flows["unit_cost"].to_numpy(dtype=float)
        if "price" in self.flows:
            landed = landed + self.flows["price"].fillna(0.0).to_numpy(dtype=float)
        highest = float(landed.max()) if len(landed) else 0.0
        return 10.0 * max(highest, 1.0)

    @cached_property
    def route_loads(self) -> RouteLoads:
        """Which flows load each (route, period) and the tightest bound on that load."""
        return route_loads(self)


@dataclass(frozen=True)
class RouteLoads:
    """Loads of (route, period) pairs that have flows, in capacity units.

    `keys` (route, period); `of_flow` the pair of each flow; `bound` the tightest bound the
    data give on the pair's load: the smallest capacity (plus every possible expansion) of
    the route, its legs and its nodes in that period, and the volume that can reach it."""

    keys: pd.DataFrame
    of_flow: np.ndarray
    bound: np.ndarray


def expansions_in_effect(inputs: Inputs, targets: pd.DataFrame) -> pd.DataFrame:
    """Expansions in effect for each (type, id, period) row of `targets`: the row's position
    (`row`), the expansion's position (`expansion`), `added` capacity per unit, `max_units`."""
    exp = inputs.expansions
    columns = {"row": np.int64, "expansion": np.int64, "added": float, "max_units": float}
    if exp.empty or targets.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    order = inputs.period_index
    left = pd.DataFrame(
        {
            "row": np.arange(len(targets)),
            "type": targets["type"].to_numpy(),
            "id": targets["id"].to_numpy(),
            "t": targets["period"].map(order).to_numpy(),
        }
    )
    right = pd.DataFrame(
        {
            "expansion": np.arange(len(exp)),
            "type": exp["target_type"].to_numpy(),
            "id": exp["target"].to_numpy(),
            "first": exp["first_index"].to_numpy(),
            "added": exp["added_capacity"].to_numpy(dtype=float),
            "max_units": exp["max_units"].to_numpy(dtype=float),
        }
    )
    both = left.merge(right, on=["type", "id"])
    both = both[both["first"] <= both["t"]]
    return both[list(columns)].reset_index(drop=True)


def route_loads(inputs: Inputs) -> RouteLoads:
    """See RouteLoads."""
    f = inputs.flows
    codes, keys = pd.MultiIndex.from_arrays([f["route"], f["period"]]).factorize()
    codes = np.asarray(codes, dtype=np.int64)
    keys = keys.to_frame(index=False, name=["route", "period"])
    cu = f["capacity_use"].to_numpy(dtype=float)
    reach = cu * flow_volume_bound(inputs)
    bound = np.bincount(codes, weights=reach, minlength=len(keys))
    cap, usage = inputs.capacity, inputs.usage
    if len(cap) and len(usage):
        hits = expansions_in_effect(inputs, cap)
        extra = np.bincount(
            hits["row"].to_numpy(),
            weights=(hits["added"] * hits["max_units"]).to_numpy(),
            minlength=len(cap),
        )
        room = cap["capacity"].to_numpy(dtype=float) + extra
        np.minimum.at(bound, codes[usage["flow"].to_numpy()], room[usage["cap_row"].to_numpy()])
    return RouteLoads(keys, codes, bound)


def flow_volume_bound(inputs: Inputs) -> np.ndarray:
    """The most each flow can carry (commodity units): its contract's volume in the period."""
    return inputs.contract_rows["volume"].to_numpy(dtype=float)[
        inputs.flows["contract_row"].to_numpy()
    ]


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def route_facts(
    routes: pd.DataFrame, legs: pd.DataFrame, nodes: pd.DataFrame, include_origin: bool
) -> pd.DataFrame:
    """Add origin, destination, nodes, countries, transit, chokepoints and cost sums."""
    out = routes.copy()
    leg_from, leg_to = legs["from"].to_dict(), legs["to"].to_dict()
    country = nodes["country"].to_dict()
    handling = nodes["handling_cost"].to_dict()
    leg_countries, leg_choke = legs["countries"].to_dict(), legs["chokepoints"].to_dict()
    route_nodes, countries, transit, chokes = [], [], [], []
    for seq in out["legs"]:
        path = (leg_from[seq[0]], *(leg_to[leg] for leg in seq))
        route_nodes.append(path)
        names: list[str] = [country[n] for n in path]
        for leg in seq:
            names.extend(leg_countries[leg] or ())
        ordered = tuple(dict.fromkeys(names))
        countries.append(ordered)
        drop = {country[path[-1]]} | (set() if include_origin else {country[path[0]]})
        transit.append(tuple(c for c in ordered if c not in drop))
        chokes.append(tuple(dict.fromkeys(t for leg in seq for t in (leg_choke[leg] or ()))))
    out["origin"] = [p[0] for p in route_nodes]
    out["origin_country"] = [country[p[0]] for p in route_nodes]
    out["destination"] = [p[-1] for p in route_nodes]
    out["nodes"] = route_nodes
    out["countries"] = countries
    out["transit"] = transit
    out["chokepoints"] = chokes
    out["corridor"] = [
        c if c is not None else r for c, r in zip(out["corridor"], out.index, strict=True)
    ]
    by_leg = out["legs"].explode()
    sums = legs.loc[by_leg.to_numpy(), ["cost", "days", "co2"]].astype(float)
    sums = sums.set_axis(by_leg.index).groupby(level=0, sort=False).sum()
    out["leg_cost"] = sums["cost"].reindex(out.index).to_numpy()
    out["days"] = sums["days"].reindex(out.index).to_numpy()
    out["co2"] = sums["co2"].reindex(out.index).to_numpy()
    out["handling"] = [float(sum(handling[n] for n in p)) for p in route_nodes]
    return out


def allowed_pairs(
    routes: pd.DataFrame, commodities: pd.DataFrame, legs: pd.DataFrame
) -> set[tuple[str, str]]:
    """(route, commodity) pairs the route allows: its list decides alone, else the modes."""
    mode = legs["mode"].to_dict()
    known = set(commodities.index)
    com_modes = [(k, set(m) if m else None) for k, m in commodities["modes"].items()]
    # routes with the same set of leg modes allow the same commodities: decide once per set
    by_modes: dict[frozenset[str], list[str]] = {}
    pairs = set()
    for route, listed, seq in zip(routes.index, routes["commodities"], routes["legs"], strict=True):
        if listed:
            pairs.update((route, k) for k in listed if k in known)
            continue
        leg_modes = frozenset(mode[leg] for leg in seq)
        ks = by_modes.get(leg_modes)
        if ks is None:
            ks = by_modes[leg_modes] = [
                k for k, modes in com_modes if modes is None or leg_modes <= modes
            ]
        pairs.update((route, k) for k in ks)
    return pairs


def expand_contracts(
    contracts: pd.DataFrame, periods: list[str], setting_penalty: float | None
) -> pd.DataFrame:
    """One row per contract and period; penalty NaN where delivery must be in full."""
    frame = contracts.copy()
    frame["period"] = [[p] if p is not None else list(periods) for p in frame["period"]]
    frame = frame.explode("period", ignore_index=True)
    penalty = []
    for value in frame["shortfall_penalty"]:
        if value is None:
            penalty.append(np.nan if setting_penalty is None else float(setting_penalty))
        elif value == "none":
            penalty.append(np.nan)
        else:
            penalty.append(float(value))
    frame["penalty"] = penalty
    order = {p: i for i, p in enumerate(periods)}
    frame["_t"] = frame["period"].map(order)
    frame = frame.sort_values(["_t", "_row"], kind="stable").drop(columns="_t")
    return frame.reset_index(drop=True)


def build_flows(
    contract_rows: pd.DataFrame,
    routes: pd.DataFrame,
    commodities: pd.DataFrame,
    allowed: set[tuple[str, str]],
    settings: dict[str, object],
) -> pd.DataFrame:
    """Flow variables: each contract row x each eligible route, with unit costs and weights.

    Ordered by contract row, then route id. Joined with integer codes (no merge of string
    columns): a million flows take well under a second."""
    pos, route_pos = validate.eligible_pairs(contract_rows, routes, allowed, by_name=True)
    rows = contract_rows.index.to_numpy()[pos]
    k = commodities.index.get_indexer(contract_rows["commodity"].to_numpy(dtype=object)[pos])
    cu = commodities["capacity_use"].to_numpy()[k]
    cf = commodities["cost_factor"].to_numpy()[k]
    vpu = commodities["value_per_unit"].to_numpy()[k]

    def take(column: str) -> np.ndarray:
        return contract_rows[column].to_numpy(dtype=object)[pos]

    def per_route(column: str) -> np.ndarray:
        return routes[column].to_numpy()[route_pos]

    flows = pd.DataFrame(
        {
            "contract": take("contract"),
            "route": routes.index.to_numpy(dtype=object)[route_pos],
            "period": take("period"),
            "commodity": take("commodity"),
            "origin": take("origin"),
            "destination": take("destination"),
            "contract_row": rows,
            "capacity_use": cu,
            "value_per_unit": vpu,
            "transport": cu * cf * per_route("leg_cost"),
            "handling": cu * cf * per_route("handling"),
            "carbon": cu * float(settings["carbon_price"]) * per_route("co2"),
            "carrying": vpu * float(settings["carrying_cost_rate"]) * per_route("days") / 365.0,
        },
        copy=False,  # fresh arrays: no copy into blocks
    )
    flows["unit_cost"] = flows[["transport", "handling", "carbon", "carrying"]].sum(axis=1)
    flows["weight"] = (cu if settings["share_basis"] == "volume" else vpu).copy()  # own memory
    return flows


def build_capacity(
    inputs_parts: dict[str, pd.DataFrame], overrides: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Capacity in effect per (type, id, period) before expansions; NaN = unlimited."""
    frames = []
    for kind, frame in inputs_parts.items():
        base = pd.DataFrame(
            {
                "type": kind,
                "id": frame.index,
                "capacity": frame["capacity"].astype(float).to_numpy(),
            }
        )
        frames.append(base.merge(pd.DataFrame({"period": periods}), how="cross"))
    cap = pd.concat(frames, ignore_index=True)
    if len(overrides):
        ov = overrides.rename(columns={"target_type": "type", "target": "id"})
        every = ov[ov["period"].isna()].drop(columns="period")
        one = ov[ov["period"].notna()]
        for part, keys in ((every, ["type", "id"]), (one, ["type", "id", "period"])):
            if len(part):
                cap = cap.merge(
                    part[[*keys, "capacity"]].rename(columns={"capacity": "_new"}),
                    on=keys,
                    how="left",
                    indicator=True,
                )
                hit = cap["_merge"] == "both"
                cap.loc[hit, "capacity"] = cap.loc[hit, "_new"].astype(float)
                cap = cap.drop(columns=["_new", "_merge"])
    return cap


def build_usage(flows: pd.DataFrame, routes: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """(flow, cap_row, coef): a flow loads every node and leg of its route and the route.

    Ordered by flow, then the route's nodes, legs and the route itself. Joined with integer
    codes: each (route, period) gets its capacity rows once, each flow those of its pair."""
    if flows.empty or capacity.empty:
        return pd.DataFrame(
            {
                "flow": pd.Series(dtype=np.int64),
                "cap_row": pd.Series(dtype=np.int64),
                "coef": pd.Series(dtype=float),
            }
        )
    # members (route, type, id) in order: every route's nodes, every route's legs, the routes
    n_routes = len(routes)
    m_route, m_type, m_id = [], [], []
    for t, column in enumerate(("nodes", "legs")):
        lengths = routes[column].map(len).to_numpy(dtype=np.int64)
        m_route.append(np.repeat(np.arange(n_routes), lengths))
        m_type.append(np.full(int(lengths.sum()), t))
        m_id.append(np.fromiter((i for seq in routes[column] for i in seq), object, lengths.sum()))
    m_route.append(np.arange(n_routes))
    m_type.append(np.full(n_routes, 2))
    m_id.append(routes.index.to_numpy(dtype=object))
    m_route, m_type = np.concatenate(m_route), np.concatenate(m_type)
    types = {"node": 0, "leg": 1, "route": 2}
    c_type = capacity["type"].map(types).to_numpy(dtype=np.int64)
    ids, id_uniques = pd.factorize(np.concatenate([*m_id, capacity["id"].to_numpy(dtype=object)]))
    n_ids = max(len(id_uniques), 1)
    m_key = m_type * n_ids + ids[: len(m_route)]
    c_key = c_type * n_ids + ids[len(m_route) :]
    # member x capacity row with the same (type, id): member order, then capacity order
    m_pos, c_row = validate.join_codes(m_key, c_key)
    periods, period_uniques = pd.factorize(
        np.concatenate(
            [capacity["period"].to_numpy(dtype=object), flows["period"].to_numpy(dtype=object)]
        )
    )
    n_t = max(len(period_uniques), 1)
    pair = m_route[m_pos] * n_t + periods[: len(capacity)][c_row]
    f_route = routes.index.get_indexer(flows["route"].to_numpy(dtype=object))
    f_pair = f_route * n_t + periods[len(capacity) :]
    flow, hit = validate.join_codes(np.where(f_route >= 0, f_pair, -1), pair)
    return pd.DataFrame(
        {
            "flow": flow,
            "cap_row": c_row[hit],
            "coef": flows["capacity_use"].to_numpy()[flow],
        },
        copy=False,  # fresh arrays: no copy into one block
    )


def _first_of_each(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame.index.duplicated()]


def unserved_penalty(flows: pd.DataFrame, routes: pd.DataFrame) -> float:
    """A shortfall penalty per commodity unit above every other cost a unit could incur."""
    per_unit = float(flows["unit_cost"].max()) if len(flows) else 0.0
    lump = float(routes["fixed_cost"].sum() + (routes["lot_cost"]).sum())
    return 10.0 * (1.0 + per_unit + lump)


def table_frame(tables: dict[str, Table], name: str, index: str | None = None) -> pd.DataFrame:
    """A typed sheet as a frame: number columns as float (NaN = blank), the rest as objects."""
    spec = INPUT_SHEETS[name]
    if name in tables:
        frame = tables[name].frame.copy()
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in [*spec.column_names, "_row"]})
    for col in spec.columns:
        if col.kind in ("number", "int", "share"):
            frame[col.name] = frame[col.name].astype(float)
    return frame.set_index(index, drop=False).rename_axis(None) if index else frame


# The sheets that define each kind of id (a reference to a kind whose sheet could not be
# read is not judged: the sheet's own error is the one to fix).
ID_SHEETS = (
    ("Periods", "period"),
    ("Commodities", "commodity"),
    ("Nodes", "node"),
    ("Legs", "leg"),
    ("Routes", "route"),
    ("Contracts", "contract"),
)


def prepare(
    tables: dict[str, Table],
    issues: Issues,
    source: str = "",
    sha256: str = "",
    what_if: bool = False,
) -> Inputs:
    """Typed tables -> Inputs: validate across sheets, derive, raise InputError on any error.

    `what_if` (closures and scenarios): a contract left without routes is a warning, not an
    error, every contract may fall short (at its penalty or at `unserved_penalty`), and a
    minimum rule that constrains nothing only warns; the unit-slip and dropped-route
    warnings, said once for the workbook, are not repeated.
    """
    settings = validate.parse_settings(tables.get("Settings"), issues)
    for name, what, column in (
        ("Periods", "period", "period"),
        ("Commodities", "commodity", "commodity"),
        ("Nodes", "node", "node"),
        ("Legs", "leg", "leg"),
        ("Routes", "route", "route"),
        ("Limits", "rule", "rule"),
        ("Expansions", "expansion", "expansion"),
    ):
        if name in tables:
            validate.check_unique(tables[name], column, issues, what)
    periods = list(dict.fromkeys(table_frame(tables, "Periods")["period"])) or [DEFAULT_PERIOD]
    # a repeated id is reported above; its first row stands so the other checks still run
    commodities = _first_of_each(table_frame(tables, "Commodities", "commodity"))
    nodes = _first_of_each(table_frame(tables, "Nodes", "node"))
    legs = _first_of_each(table_frame(tables, "Legs", "leg"))
    routes_all = _first_of_each(table_frame(tables, "Routes", "route"))
    contracts = table_frame(tables, "Contracts")
    limits = table_frame(tables, "Limits")
    expansions = _first_of_each(table_frame(tables, "Expansions", "expansion"))
    overrides = table_frame(tables, "Capacities")
    demand_rows = table_frame(tables, "Demand")
    offers = table_frame(tables, "Offers")
    stocks = table_frame(tables, "Stocks")
    disruptions = _disruptions_frame(tables)
    t = tables.get
    sourcing = t("Demand") is not None and t("Offers") is not None
    needed = {n for n in REQUIRED_SHEETS if n != "Contracts" or not sourcing}
    unread = {  # missing, unreadable, or a needed sheet with no rows: reported on its own
        kind
        for name, kind in ID_SHEETS
        if (t(name) is None and name in needed)
        or (t(name) is not None and not t(name).complete)
        or (name in needed and t(name) is not None and t(name).frame.empty)
    }
    known = {  # ids that parsed (a failed id cell is None and already reported)
        kind: {v for v in values if isinstance(v, str)}
        for kind, values in (
            ("node", nodes.index),
            ("leg", legs.index),
            ("route", routes_all.index),
            ("commodity", commodities.index),
            ("period", periods),
            ("contract", contracts["contract"]),
            ("offer", offers["offer"]),
        )
    }

    for table, column, kind in (
        (t("Legs"), "from", "node"),
        (t("Legs"), "to", "node"),
        (t("Routes"), "legs", "leg"),
        (t("Routes"), "commodities", "commodity"),
        (t("Contracts"), "commodity", "commodity"),
        (t("Contracts"), "origin", "node"),
        (t("Contracts"), "destination", "node"),
        (t("Contracts"), "period", "period"),
        (t("Contracts"), "routes", "route"),
        (t("Capacities"), "period", "period"),
        (t("Expansions"), "first_period", "period"),
        (t("Demand"), "destination", "node"),
        (t("Demand"), "commodity", "commodity"),
        (t("Demand"), "period", "period"),
        (t("Offers"), "commodity", "commodity"),
        (t("Offers"), "origin", "node"),
        (t("Offers"), "period", "period"),
        (t("Offers"), "destinations", "node"),
        (t("Stocks"), "node", "node"),
        (t("Stocks"), "commodity", "commodity"),
    ):
        if table is not None and kind not in unread:
            validate.check_refs(table, column, known[kind], issues, kind)
    label_places = {"country": [], "chokepoint": [], "corridor": [], "supplier": []}
    for table, column, what in (
        (t("Nodes"), "country", "country"),
        (t("Legs"), "countries", "country"),
        (t("Legs"), "chokepoints", "chokepoint"),
        (t("Routes"), "corridor", "corridor"),
        (t("Contracts"), "supplier", "supplier"),
        (t("Offers"), "supplier", "supplier"),
    ):
        if table is not None:
            label_places[what].extend(
                (table, column, v, r)
                for v, r in zip(table.frame[column], table.frame["_row"], strict=True)
            )
    for what, places in label_places.items():
        validate.check_labels(places, issues, what)
    # Rows with broken references are set aside so the checks below still run on the rest,
    # and every error reaches the planner in one pass.
    legs = legs[legs["from"].isin(known["node"]) & legs["to"].isin(known["node"])]
    sound = validate.check_routes(t("Routes"), legs, issues) if t("Routes") is not None else set()
    routes_all = routes_all[routes_all.index.isin(sound)]
    contracts = contracts[
        contracts["commodity"].isin(known["commodity"])
        & contracts["origin"].isin(known["node"])
        & contracts["destination"].isin(known["node"])
        & (contracts["period"].isna() | contracts["period"].isin(known["period"]))
        & contracts["volume"].notna()
    ]
    if t("Contracts") is not None:
        validate.check_contract_rows(t("Contracts"), issues)
    if t("Capacities") is not None:
        validate.check_capacity_rows(t("Capacities"), known, issues, skip=unread)
    for rec in expansions.to_dict("records"):
        if (
            rec["target"] is not None
            and rec["target_type"] is not None
            and rec["target_type"] not in unread
            and rec["target"] not in known[rec["target_type"]]
        ):
            issues.error(
                "Expansions",
                tables["Expansions"].cell("target", rec["_row"]),
                "target",
                rec["target"],
                f"unknown {rec['target_type']}",
                "unknown-ref",
            )
    if t("Limits") is not None:
        # the Limits contract column may name a contract or an offer
        scopes = {**known, "contract": known["contract"] | known["offer"]}
        validate.check_limits(t("Limits"), scopes, issues, skip=unread)
    # sourcing (Demand, Offers, Stocks) and robust plans (Disruptions)
    if t("Demand") is not None:
        validate.check_demand(t("Demand"), issues)
    pairs = validate.demand_pairs(t("Demand"), known)
    if t("Offers") is not None:
        validate.check_offers(t("Offers"), t("Contracts"), pairs, known, issues)
    if t("Stocks") is not None:
        validate.check_stocks(t("Stocks"), pairs, known, issues)
    validate.check_sourcing_sheets(tables, issues)
    if t("Disruptions") is not None:
        parsed = validate.check_disruptions(
            t("Disruptions"), settings, t("Settings"), _closure_ids(tables, known, unread), issues
        )
        if parsed:
            disruptions["kind"] = [k for k, _ in parsed]
            disruptions["id"] = [i for _, i in parsed]
            disruptions["closure"] = [
                f"{k}:{i}" if k is not None else c
                for (k, i), c in zip(parsed, disruptions["closure"], strict=True)
            ]
    for name in ("Commodities", "Nodes", "Legs", "Routes", "Contracts", "Offers"):
        table = t(name)
        if (
            table is None
            or not table.complete
            or not table.frame.empty
            or (name == "Contracts" and sourcing)
            or (name == "Offers" and (not sourcing or len(t("Contracts") or ())))
            or any(e.sheet == table.sheet for e in issues.errors)
        ):
            continue
        also = " and there are no Contracts" if name == "Offers" else ""
        issues.error(
            table.sheet,
            "",
            "",
            None,
            f"the {name} sheet has no rows{also}; there is nothing to plan",
            "empty-sheet",
        )
    if issues.errors and not (len(legs) and len(routes_all) and (len(contracts) or len(offers))):
        issues.raise_if_any(source)

    def derive() -> Inputs:
        active = routes_all[routes_all["active"].astype(bool)]
        routes = route_facts(active, legs, nodes, bool(settings["include_origin_country"]))
        allowed = allowed_pairs(routes, commodities, legs)
        _check_contract_routes(
            tables.get("Contracts"), contracts, routes_all, routes, allowed, issues
        )
        contract_rows = expand_contracts(contracts, periods, settings["shortfall_penalty"])
        flows = build_flows(contract_rows, routes, commodities, allowed, settings)
        if what_if:
            contract_rows["penalty"] = contract_rows["penalty"].fillna(
                unserved_penalty(flows, routes)
            )
        served = set(flows["contract_row"])
        report = issues.warn if what_if else issues.error
        too_slow = (
            validate.check_contract_max_days(
                tables["Contracts"], contracts, routes, allowed, issues, report
            )
            if "Contracts" in tables
            else set()
        )
        unserved = contract_rows[
            ~contract_rows.index.isin(served) & ~contract_rows["_row"].isin(too_slow)
        ]
        for rec in unserved.to_dict("records"):
            report(
                "Contracts",
                tables["Contracts"].cell("contract", rec["_row"]),
                "contract",
                rec["contract"],
                f"no eligible route from {rec['origin']} to {rec['destination']} for "
                f"{rec['commodity']} in {rec['period']} (check the routes' legs, "
                "commodities, modes and active columns)",
                "no-route",
            )
        if not what_if:  # said once for the workbook, not again for every what-if
            validate.check_unit_slips(
                tables,
                contracts,
                commodities,
                routes,
                {"node": nodes, "leg": legs, "route": routes},
                overrides,
                allowed,
                issues,
            )
            ends = [
                contracts.loc[contracts["routes"].isna(), ["origin", "destination", "commodity"]]
            ]
            if len(offers) and len(demand_rows):
                ends.append(validate.offer_destinations(offers, demand_rows))
            if t("Routes") is not None:
                validate.check_mode_drops(
                    t("Routes"), routes, legs, commodities, pd.concat(ends), issues
                )
            if t("Offers") is not None:
                validate.check_offer_routes(
                    t("Offers"), offers, demand_rows, routes, allowed, issues
                )
        capacity = build_capacity({"node": nodes, "leg": legs, "route": routes}, overrides, periods)
        order = {p: i for i, p in enumerate(periods)}
        expansions_in_effect = expansions.copy()
        expansions_in_effect["first_index"] = [
            order.get(p, 0) if p is not None else 0 for p in expansions["first_period"]
        ]
        capacity = capacity[capacity["capacity"].notna()].reset_index(drop=True)
        usage = build_usage(flows, routes, capacity)
        used = np.unique(usage["cap_row"].to_numpy())  # rows no flow can load need no constraint
        capacity = capacity.loc[used].reset_index(drop=True)
        usage["cap_row"] = np.searchsorted(used, usage["cap_row"].to_numpy())
        if settings["share_basis"] == "value" and len(limits):
            _check_value_basis(tables.get("Limits"), limits, commodities, flows, issues)

        limits_table = tables.get("Limits")
        rule_table = rules.expand_rules(
            flows,
            routes,
            limits,
            settings,
            commodities,
            issues,
            cell_of=(lambda row: limits_table.cell("rule", row))
            if limits_table is not None
            else None,
            strict=not what_if,
        )
        return Inputs(
            settings=settings,
            periods=periods,
            commodities=commodities,
            nodes=nodes,
            legs=legs,
            routes=routes,
            contracts=contracts,
            contract_rows=contract_rows,
            flows=flows,
            capacity=capacity,
            usage=usage,
            limits=limits,
            expansions=expansions_in_effect,
            tables=tables,
            warnings=issues.warnings,
            source=source,
            sha256=sha256,
            rules=rule_table,
            demand_rows=demand_rows,
            offers=offers,
            stocks=stocks,
            disruptions=disruptions,
        )

    try:
        inputs = derive()
    except Exception:
        # a crash on rows already reported as wrong is their consequence, not a bug to show
        issues.raise_if_any(source)
        raise
    issues.raise_if_any(source)
    return inputs


def _disruptions_frame(tables: dict[str, Table]) -> pd.DataFrame:
    """The Disruptions rows as typed, plus the closure's parsed `kind` and `id`."""
    frame = table_frame(tables, "Disruptions")
    frame["kind"] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    frame["id"] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame


def _closure_ids(
    tables: dict[str, Table], known: dict[str, set[str]], unread: set[str]
) -> dict[str, set[str] | None]:
    """The ids each closure kind may name (None where their sheet could not be read)."""
    frames = {name: tables[name].frame for name in ("Nodes", "Legs", "Routes") if name in tables}

    def labels(name: str, column: str) -> set[str]:
        if name not in frames:
            return set()
        values = frames[name][column]
        return {x for v in values if v is not None for x in (v if isinstance(v, tuple) else (v,))}

    countries = labels("Nodes", "country") | labels("Legs", "countries")
    routes = frames.get("Routes")
    corridors = (
        {
            c if c is not None else r
            for r, c in zip(routes["route"], routes["corridor"], strict=True)
        }
        if routes is not None
        else set()
    )
    every_country = None if {"node", "leg"} & unread else countries
    return {
        "country": every_country,
        "transit_country": every_country,
        "origin_country": None if "node" in unread else labels("Nodes", "country"),
        "chokepoint": None if "leg" in unread else labels("Legs", "chokepoints"),
        "corridor": None if "route" in unread else {c for c in corridors if c is not None},
        "node": None if "node" in unread else known["node"],
        "leg": None if "leg" in unread else known["leg"],
        "route": None if "route" in unread else known["route"],
    }


def _check_contract_routes(
    table: Table | None,
    contracts: pd.DataFrame,
    routes_all: pd.DataFrame,
    routes: pd.DataFrame,
    allowed: set[tuple[str, str]],
    issues: Issues,
) -> None:
    """A listed route must join the contract's ends; inactive or disallowed ones are dropped."""
    if table is None:
        return
    for rec in contracts[contracts["routes"].notna()].to_dict("records"):
        for r in rec["routes"] or ():
            if r not in routes_all.index:
                continue
            cell = table.cell("routes", rec["_row"])
            if r not in routes.index:
                issues.warn(
                    "Contracts",
                    cell,
                    "routes",
                    r,
                    f"route {r} is inactive; dropped from contract {rec['contract']}",
                    "route-dropped",
                )
                continue
            ends = (routes.at[r, "origin"], routes.at[r, "destination"])
            if ends != (rec["origin"], rec["destination"]):
                issues.error(
                    "Contracts",
                    cell,
                    "routes",
                    r,
                    f"route {r} runs {ends[0]} -> {ends[1]}, not {rec['origin']} -> "
                    f"{rec['destination']} as contract {rec['contract']} needs",
                    "route-mismatch",
                )
            elif (r, rec["commodity"]) not in allowed:
                issues.warn(
                    "Contracts",
                    cell,
                    "routes",
                    r,
                    f"route {r} does not allow {rec['commodity']}; dropped from "
                    f"contract {rec['contract']}",
                    "route-dropped",
                )


def _check_value_basis(
    table: Table | None,
    limits: pd.DataFrame,
    commodities: pd.DataFrame,
    flows: pd.DataFrame,
    issues: Issues,
) -> None:
    """With share_basis value, commodities in a share rule's scope need value_per_unit > 0."""
    zero = set(commodities.index[commodities["value_per_unit"] <= 0])
    for rec in limits.to_dict("records"):
        if pd.isna(rec["max_share"]) and pd.isna(rec["min_share"]):
            continue
        scope = flows
        for col in ("destination", "commodity", "origin", "contract"):
            if rec[col] not in ("*", "ALL", None):
                scope = scope[scope[col] == rec[col]]
        bad = sorted(set(scope["commodity"]) & zero)
        if bad and table is not None:
            issues.error(
                "Limits",
                table.cell("rule", rec["_row"]),
                "rule",
                rec["rule"],
                f"share_basis is value but commodity {', '.join(bad)} in this rule's "
                "scope has value_per_unit 0; give it a value or use share_basis volume",
                "value-basis",
            )

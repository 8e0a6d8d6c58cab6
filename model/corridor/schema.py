"""The workbook contract: one spec per input sheet and per results sheet.

This module is the single source of truth for sheet and column names, types, defaults,
units and help text. It drives the reader (`io.read`), the cell parser (`io.cells`), the
template and its Guide sheet (`io.template`) and the results Guide (`io.write`).

Column kinds
------------
``id``        the sheet's own id (text, unique up to case and spacing)
``ref``       a reference to an id of kind ``ref`` (node, leg, route, commodity, period,
              contract); exact match, near misses are suggested
``refs``      a list of such references (``,``-separated; route legs use ``>``)
``label``     free label (country, chokepoint, corridor) with the id casing rule
``labels``    a ``,``-separated list of labels
``number``    a float with optional bounds; ``int`` a whole number
``share``     ``0.4`` or ``40%``, between 0 and 1
``bool``      yes/no, true/false, 1/0, x
``choice``    one of ``choices`` (matched case-insensitively)
``text``      free text, kept as typed
``any``       kept as read; parsed later by the setting it belongs to
``key``       an id that may repeat (a contract split by period, a setting name)
``scope``     an id, ``*`` or ``ALL`` (Limits scope columns)
``penalty``   a number >= 0 or ``none`` (a contract's shortfall penalty)
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

MODES = ("rail", "road", "sea", "ferry", "pipeline", "river", "air")
MEASURES = (
    "transit_country",
    "chokepoint",
    "corridor",
    "route",
    "node",
    "origin_country",
    "supplier",
)
# One closure vocabulary (spec section 5): `kind:id` in stress, scenarios and Disruptions.
CLOSURE_KINDS = (
    "country",
    "transit_country",
    "origin_country",
    "chokepoint",
    "corridor",
    "node",
    "leg",
    "route",
)
ROBUST_KINDS = ("transit_country", "origin_country", "chokepoint", "corridor")
SCENARIO_CHANGES = (
    "close",
    "scale_capacity",
    "scale_cost",
    "scale_volume",
    "set_limit",
    "set_price",
)
TARGET_TYPES = ("node", "leg", "route")
BIG_NUMBER = 1e20  # values at or above this are rejected as "not a real number"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "number"
    required: bool = False
    default: object = None
    unit: str = ""
    help: str = ""
    ref: str | None = None  # the id kind a ref/refs/scope column points at
    minimum: float | None = None
    positive: bool = False  # strictly greater than `minimum`
    choices: tuple[str, ...] = ()
    separator: str = ","


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    help: str = ""
    id_kind: str | None = None  # the kind of id this sheet defines (first column)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: str = "number", **kw) -> Column:
    return Column(name, kind, **kw)


NONNEG = {"minimum": 0.0}

INPUT_SHEETS: dict[str, SheetSpec] = {
    s.name: s
    for s in (
        SheetSpec(
            "Settings",
            (
                _c("setting", "key", required=True, help="Setting name (see the Guide)"),
                _c("value", "any", help="Setting value; blank takes the default"),
            ),
            help="Run-wide options, one per row.",
        ),
        SheetSpec(
            "Periods",
            (
                _c("period", "id", required=True, help="Period id; row order is time order"),
                _c("days", "number", unit="days", help="Length (informational)", **NONNEG),
            ),
            help="Planning periods in time order. Without this sheet there is one period, P1.",
            id_kind="period",
        ),
        SheetSpec(
            "Commodities",
            (
                _c("commodity", "id", required=True, help="Commodity id"),
                _c("unit", "text", help="Unit the commodity is counted in (t, kt, bbl, tU)"),
                _c(
                    "value_per_unit",
                    default=0.0,
                    unit="money/unit",
                    help="Cargo value, for value-based shares and carrying cost",
                    **NONNEG,
                ),
                _c(
                    "capacity_use",
                    default=1.0,
                    unit="capacity units/unit",
                    positive=True,
                    minimum=0.0,
                    help="Capacity units one commodity unit uses",
                ),
                _c(
                    "cost_factor",
                    default=1.0,
                    positive=True,
                    minimum=0.0,
                    help="Multiplies transport and handling cost (e.g. hazardous cargo)",
                ),
                _c("modes", "refs", ref="mode", help="Allowed leg modes; blank = all"),
            ),
            required=True,
            help="What moves.",
            id_kind="commodity",
        ),
        SheetSpec(
            "Nodes",
            (
                _c("node", "id", required=True, help="Node id (mine, border crossing, port)"),
                _c("country", "label", required=True, help="Country the node lies in"),
                _c("name", "text", help="Display name"),
                _c("kind", "text", help="Free text: mine, border, port..."),
                _c(
                    "capacity",
                    unit="capacity units/period",
                    help="Throughput per period; blank = unlimited",
                    **NONNEG,
                ),
                _c(
                    "handling_cost",
                    default=0.0,
                    unit="money/capacity unit",
                    help="Cost per capacity unit passing the node",
                    **NONNEG,
                ),
                _c("latitude", help="Degrees north, for the map"),
                _c("longitude", help="Degrees east, for the map"),
            ),
            required=True,
            help="Places: origins, crossings, ports, destinations.",
            id_kind="node",
        ),
        SheetSpec(
            "Legs",
            (
                _c("leg", "id", required=True, help="Leg id"),
                _c("from", "ref", required=True, ref="node", help="Start node (legs are directed)"),
                _c("to", "ref", required=True, ref="node", help="End node"),
                _c("mode", "choice", required=True, choices=MODES, help="Transport mode"),
                _c(
                    "cost", default=0.0, unit="money/capacity unit", help="Transport cost", **NONNEG
                ),
                _c("days", default=0.0, unit="days", help="Transit time", **NONNEG),
                _c(
                    "capacity",
                    unit="capacity units/period",
                    help="Capacity per period; blank = unlimited",
                    **NONNEG,
                ),
                _c(
                    "countries",
                    "labels",
                    help="Countries crossed besides the two end nodes' countries",
                ),
                _c("chokepoints", "labels", help="Tags such as Suez, Bosporus, Malacca"),
                _c("co2", default=0.0, unit="CO2 units/capacity unit", help="Emissions", **NONNEG),
            ),
            required=True,
            help="Directed links between nodes.",
            id_kind="leg",
        ),
        SheetSpec(
            "Routes",
            (
                _c("route", "id", required=True, help="Route id"),
                _c(
                    "legs",
                    "refs",
                    required=True,
                    ref="leg",
                    separator=">",
                    help="Legs in order, L1 > L2 > L3",
                ),
                _c("corridor", "label", help="Corridor label; default = the route id"),
                _c(
                    "fixed_cost",
                    default=0.0,
                    unit="money/horizon",
                    help="Paid once if the route is used; 0 = none",
                    **NONNEG,
                ),
                _c(
                    "min_volume",
                    default=0.0,
                    unit="capacity units/period",
                    help="Minimum flow in every period if used; 0 = none",
                    **NONNEG,
                ),
                _c(
                    "capacity",
                    unit="capacity units/period",
                    help="Capacity per period; blank = unlimited",
                    **NONNEG,
                ),
                _c(
                    "lot_size",
                    default=0.0,
                    unit="capacity units/shipment",
                    help="Shipment size; blank or 0 = continuous",
                    **NONNEG,
                ),
                _c(
                    "lot_cost",
                    default=0.0,
                    unit="money/shipment",
                    help="Cost per shipment",
                    **NONNEG,
                ),
                _c(
                    "commodities",
                    "refs",
                    ref="commodity",
                    help="Allowed commodities; blank = all whose modes allow every leg",
                ),
                _c("active", "bool", default=True, help="yes/no; inactive routes are ignored"),
                _c(
                    "booking_cost",
                    unit="money/capacity unit/period",
                    help="Robust plans: cost per capacity unit booked per period; blank = the "
                    "route needs no booking",
                    **NONNEG,
                ),
            ),
            required=True,
            help="Multi-leg paths a contract may use.",
            id_kind="route",
        ),
        SheetSpec(
            "Contracts",
            (
                _c(
                    "contract",
                    "key",
                    required=True,
                    help="Contract id; several rows may split it by period",
                ),
                _c("commodity", "ref", required=True, ref="commodity", help="What is sold"),
                _c("origin", "ref", required=True, ref="node", help="Where it is loaded"),
                _c("destination", "ref", required=True, ref="node", help="Where it is delivered"),
                _c(
                    "volume",
                    required=True,
                    unit="commodity units/period",
                    positive=True,
                    minimum=0.0,
                    help="Contracted volume in each period",
                ),
                _c("period", "ref", ref="period", help="Blank = every period; else one period"),
                _c(
                    "shortfall_penalty",
                    "penalty",
                    unit="money/commodity unit",
                    help="Penalty per undelivered unit; blank = the setting; none = must deliver",
                ),
                _c("routes", "refs", ref="route", help="Optional list restricting the routes"),
                _c(
                    "supplier",
                    "label",
                    help="Who sells it (for supplier rules); blank = none",
                ),
                _c(
                    "max_days",
                    unit="days",
                    help="Routes slower than this (sum of leg days) are not eligible",
                    **NONNEG,
                ),
            ),
            required=True,
            help="Contracted volumes to deliver (optional when Demand and Offers are given).",
            id_kind="contract",
        ),
        SheetSpec(
            "Limits",
            (
                _c("rule", "id", required=True, help="A unique rule name"),
                _c(
                    "measure",
                    "choice",
                    required=True,
                    choices=MEASURES,
                    help="What the rule limits",
                ),
                _c(
                    "value",
                    "text",
                    default="*",
                    help="A country/tag/corridor/route/node/supplier, or * for each one separately",
                ),
                _c(
                    "destination",
                    "scope",
                    default="*",
                    ref="node",
                    help="Node id; * = each separately; ALL = pooled",
                ),
                _c(
                    "commodity",
                    "scope",
                    default="*",
                    ref="commodity",
                    help="Commodity id; * = each separately; ALL = pooled",
                ),
                _c(
                    "period",
                    "scope",
                    default="*",
                    ref="period",
                    help="Period id; * = each separately; ALL = whole horizon",
                ),
                _c(
                    "origin",
                    "scope",
                    default="ALL",
                    ref="node",
                    help="Node id; ALL = pooled (default); * = each separately",
                ),
                _c(
                    "contract",
                    "scope",
                    default="ALL",
                    ref="contract",
                    help="Contract or offer id; ALL = pooled (default); * = each separately",
                ),
                _c("max_share", "share", unit="share", help="Upper bound on the share"),
                _c("min_share", "share", unit="share", help="Lower bound on the share"),
                _c("max_volume", unit="capacity units", help="Upper bound on the flow", **NONNEG),
                _c("min_volume", unit="capacity units", help="Lower bound on the flow", **NONNEG),
                _c(
                    "penalty",
                    unit="money/unit of violation",
                    help="Blank = hard rule; else cost per unit of violation",
                    **NONNEG,
                ),
            ),
            help="Dependency and diversification rules.",
            id_kind="rule",
        ),
        SheetSpec(
            "Capacities",
            (
                _c(
                    "target_type",
                    "choice",
                    required=True,
                    choices=TARGET_TYPES,
                    help="node, leg or route",
                ),
                _c("target", "key", required=True, help="Id of the node, leg or route"),
                _c("period", "ref", ref="period", help="Blank = every period"),
                _c("capacity", unit="capacity units/period", help="Blank = unlimited", **NONNEG),
            ),
            help="Period-specific capacities replacing the base (outages, ramp-ups).",
        ),
        SheetSpec(
            "Expansions",
            (
                _c("expansion", "id", required=True, help="Expansion id"),
                _c(
                    "target_type",
                    "choice",
                    required=True,
                    choices=TARGET_TYPES,
                    help="node, leg or route",
                ),
                _c("target", "key", required=True, help="Id of the node, leg or route"),
                _c(
                    "added_capacity",
                    required=True,
                    unit="capacity units/period/unit built",
                    positive=True,
                    minimum=0.0,
                    help="Capacity each unit adds",
                ),
                _c(
                    "cost",
                    default=0.0,
                    unit="money/unit built",
                    help="Whole-horizon cost",
                    **NONNEG,
                ),
                _c("max_units", "int", default=1, help="Most units that can be built", **NONNEG),
                _c("first_period", "ref", ref="period", help="First period in effect"),
            ),
            help="Capacity that can be built at a price.",
            id_kind="expansion",
        ),
        SheetSpec(
            "Scenarios",
            (
                _c("scenario", "key", required=True, help="Scenario name; rows combine"),
                _c(
                    "change",
                    "choice",
                    required=True,
                    choices=SCENARIO_CHANGES,
                    help="What the row changes",
                ),
                _c("target", "text", required=True, help="kind:id or all"),
                _c(
                    "value",
                    "any",
                    help="A factor (1.2 means +20 %, 0.5 halves) or, for set_limit, the new "
                    "max_share",
                ),
            ),
            help="What-if variants solved by `corridor scenarios`.",
        ),
        SheetSpec(
            "Demand",
            (
                _c("destination", "ref", required=True, ref="node", help="Where it is needed"),
                _c("commodity", "ref", required=True, ref="commodity", help="What is needed"),
                _c("period", "ref", ref="period", help="Blank = every period; else one period"),
                _c(
                    "volume",
                    required=True,
                    unit="commodity units/period",
                    help="What the destination needs in each period",
                    **NONNEG,
                ),
                _c(
                    "shortfall_penalty",
                    "penalty",
                    unit="money/commodity unit",
                    help="Penalty per unit of unmet demand; blank = the setting; none = must be "
                    "met",
                ),
                _c(
                    "max_days",
                    unit="days",
                    help="Offers reach this row only on routes of at most this many days",
                    **NONNEG,
                ),
            ),
            help="What each destination needs; signed Contracts count toward it, Offers fill "
            "the rest.",
        ),
        SheetSpec(
            "Offers",
            (
                _c(
                    "offer",
                    "key",
                    required=True,
                    help="Offer id; several rows may split it by period",
                ),
                _c("supplier", "label", required=True, help="Who sells"),
                _c("commodity", "ref", required=True, ref="commodity", help="What is sold"),
                _c("origin", "ref", required=True, ref="node", help="Where it is loaded"),
                _c("period", "ref", ref="period", help="Blank = every period; else one period"),
                _c(
                    "price",
                    default=0.0,
                    unit="money/commodity unit",
                    help="Purchase price at the origin",
                    **NONNEG,
                ),
                _c(
                    "max_volume",
                    unit="commodity units/period",
                    help="Most the supplier sells per period; blank = unlimited",
                    **NONNEG,
                ),
                _c(
                    "min_volume",
                    default=0.0,
                    unit="commodity units/period",
                    help="Least bought in each period if the offer is taken; 0 = none",
                    **NONNEG,
                ),
                _c(
                    "fixed_cost",
                    default=0.0,
                    unit="money/horizon",
                    help="Paid once if the offer is taken; 0 = none",
                    **NONNEG,
                ),
                _c(
                    "destinations",
                    "refs",
                    ref="node",
                    help="Destinations it may serve; blank = every one with demand for it",
                ),
                _c(
                    "max_days",
                    unit="days",
                    help="Only routes of at most this many days",
                    **NONNEG,
                ),
            ),
            help="Volumes suppliers would sell; corridor chooses which to buy.",
        ),
        SheetSpec(
            "Stocks",
            (
                _c("node", "ref", required=True, ref="node", help="Destination node holding it"),
                _c("commodity", "ref", required=True, ref="commodity", help="What is stored"),
                _c(
                    "initial",
                    default=0.0,
                    unit="commodity units",
                    help="Level at the start of the first period",
                    **NONNEG,
                ),
                _c(
                    "min_level",
                    default=0.0,
                    unit="commodity units",
                    help="Reserve floor in every period (e.g. 60 days of use)",
                    **NONNEG,
                ),
                _c(
                    "max_level",
                    unit="commodity units",
                    help="Storage capacity; blank = unlimited",
                    **NONNEG,
                ),
                _c(
                    "holding_cost",
                    default=0.0,
                    unit="money/commodity unit/period",
                    help="Charged on each period's closing level",
                    **NONNEG,
                ),
                _c(
                    "penalty",
                    unit="money/commodity unit/period",
                    help="Per unit below min_level per period; blank = a hard floor",
                    **NONNEG,
                ),
                _c(
                    "replacement_cost",
                    unit="money/commodity unit",
                    help="Robust plans: cost of buying back stock a closure uses; blank = "
                    "value_per_unit, or the highest landed unit cost where that is 0",
                    **NONNEG,
                ),
            ),
            help="Strategic stocks at destinations.",
        ),
        SheetSpec(
            "Disruptions",
            (
                _c(
                    "closure",
                    "text",
                    required=True,
                    help="kind:id closed for one period (country:RU, chokepoint:Bosporus...)",
                ),
                _c(
                    "probability",
                    "share",
                    default=0.0,
                    unit="share",
                    help="Chance the closure happens in any one period",
                ),
                _c(
                    "min_delivery",
                    "share",
                    unit="share",
                    help="Share of the plan's delivery that must still arrive; blank = the "
                    "setting robust_min_delivery",
                ),
            ),
            help="Robust plans: exactly the closures to guard against.",
        ),
    )
}

REQUIRED_SHEETS = [s.name for s in INPUT_SHEETS.values() if s.required]


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # text, share, number, bool, choice, int
    default: object
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = 0.0


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("currency", "text", "USD", "Label for every money column", minimum=None),
        Setting(
            "default_max_transit_share",
            "share",
            None,
            "Cap on any one transit country's share per destination, commodity, period",
        ),
        Setting(
            "share_basis",
            "choice",
            "volume",
            "volume (capacity units) or value (value_per_unit)",
            ("volume", "value"),
        ),
        Setting(
            "shortfall_penalty",
            "number",
            None,
            "Penalty per undelivered commodity unit; blank = deliver in full",
        ),
        Setting(
            "carrying_cost_rate",
            "number",
            0.0,
            "Annual rate on cargo value in transit (value x days / 365)",
        ),
        Setting("carbon_price", "number", 0.0, "Money per unit of CO2"),
        Setting(
            "include_origin_country",
            "bool",
            False,
            "Count the origin's country as a transit country",
        ),
        Setting("time_limit", "number", 60.0, "Seconds for the solver"),
        Setting("mip_gap", "number", 1e-4, "Relative optimality gap at which HiGHS stops"),
        Setting(
            "closure_penalty",
            "number",
            None,
            "Money per commodity unit of cargo a closure loses where the row has no penalty; "
            "blank = 10 x the highest landed unit cost of any flow",
        ),
        Setting(
            "robust_min_delivery",
            "share",
            None,
            "Robust plans: share of what the plan delivers to each contract and demand row "
            "that must still arrive in a period with one guarded closure; blank = off",
        ),
        Setting(
            "robust_against",
            "list",
            ("transit_country",),
            "Robust plans without a Disruptions sheet: guard against closing each "
            "transit_country, origin_country, chokepoint and/or corridor (comma-separated)",
            choices=ROBUST_KINDS,
        ),
        Setting(
            "report_currency",
            "text",
            None,
            "A second currency for money columns (e.g. JPY); blank = none",
            minimum=None,
        ),
        Setting(
            "exchange_rate",
            "number",
            None,
            "Units of report_currency per unit of currency",
        ),
    )
}


@dataclass(frozen=True)
class ResultColumn:
    name: str
    help: str
    unit: str = ""
    fmt: str = "text"  # text, money, number, share, int, bool


def _r(name: str, help: str, fmt: str = "number", unit: str = "") -> ResultColumn:
    return ResultColumn(name, help, unit, fmt)


# The closure report of spec section 5: one row per closure (or scenario) and commodity,
# commodity ALL for the row that totals money only. Stress, Scenarios and Robustness share it.
CLOSURE_REPORT: tuple[ResultColumn, ...] = (
    _r("closure", "What was closed (kind:id), or the scenario", "text"),
    _r("commodity", "Commodity; ALL on the row that totals money only", "text"),
    _r("unit", "The commodity's unit", "text"),
    _r(
        "stopped",
        "The base plan's volume on the closed routes, nothing rerouted",
        "number",
        "commodity units",
    ),
    _r("stopped_share", "stopped / the base plan's delivery of the commodity", "share"),
    _r("delivered", "Delivered after re-planning", "number", "commodity units"),
    _r("delivered_share", "delivered / the base plan's delivery of the commodity", "share"),
    _r("shortfall", "Cargo the re-plan loses (contracts and demand)", "number", "commodity units"),
    _r(
        "shortfall_value",
        "The shortfall at the penalty the re-plan used (contract penalty or closure_penalty)",
        "money",
        "money",
    ),
    _r(
        "logistics_cost_change",
        "Every cost but lost cargo (shortfall, unmet demand) and penalties (rule violations, "
        "soft floors): re-plan minus base (commodity's flows, purchases included; on ALL, the "
        "whole plan)",
        "money",
        "money",
    ),
    _r(
        "total_cost_change",
        "Objective minus the base objective, lost cargo and violations included (ALL row; "
        "on a commodity row, its logistics change plus its shortfall value)",
        "money",
        "money",
    ),
)

SUMMARY_COLUMNS = (
    _r("item", "What the row reports", "text"),
    _r("value", "Its value, in the unit of the row", "general"),
    _r("unit", "The unit: the currency, a commodity's unit, share, seconds", "text"),
)

RESULT_SHEETS: dict[str, tuple[ResultColumn, ...]] = {
    "Summary": SUMMARY_COLUMNS,
    "Flows": (
        _r("contract", "Contract id (blank for an offer's flow)", "text"),
        _r("period", "Period", "text"),
        _r("commodity", "Commodity", "text"),
        _r("origin", "Origin node", "text"),
        _r("destination", "Destination node", "text"),
        _r("route", "Route used", "text"),
        _r("corridor", "Corridor of the route", "text"),
        _r("transit_countries", "Transit countries of the route, comma-separated", "text"),
        _r("volume", "Volume on the route", "number", "commodity units"),
        _r(
            "unit_cost",
            "Logistics cost per commodity unit on this route (transport, handling, carrying, "
            "carbon)",
            "money",
            "money/commodity unit",
        ),
        _r("cost", "volume x unit_cost", "money", "money"),
        _r("offer", "Offer id (blank for a contract's flow)", "text"),
        _r(
            "price",
            "Purchase price per unit (blank for a contract's flow)",
            "money",
            "money/commodity unit",
        ),
        _r("days", "Transit time of the route", "number", "days"),
    ),
    "Contracts": (
        _r("contract", "Contract id", "text"),
        _r("period", "Period", "text"),
        _r("commodity", "Commodity", "text"),
        _r("volume", "Contracted volume", "number", "commodity units"),
        _r("delivered", "Volume delivered", "number", "commodity units"),
        _r("shortfall", "Volume not delivered", "number", "commodity units"),
        _r("shortfall_cost", "Penalty paid for the shortfall", "money", "money"),
        _r("routes_used", "Routes carrying the contract in the period", "text"),
    ),
    "Purchases": (
        _r("offer", "Offer id", "text"),
        _r("supplier", "Supplier", "text"),
        _r("commodity", "Commodity", "text"),
        _r("origin", "Origin node", "text"),
        _r("period", "Period", "text"),
        _r("volume", "Volume bought", "number", "commodity units"),
        _r("price", "Price per unit", "money", "money/commodity unit"),
        _r("cost", "price x volume", "money", "money"),
        _r("taken", "yes when the offer is taken (its decision, or it sells anything)", "text"),
        _r(
            "fixed_cost",
            "The offer's fixed cost, paid once when it is taken (on its first row); with cost, "
            "it makes up purchase_cost",
            "money",
            "money",
        ),
        _r(
            "reduced_cost",
            "For what is not bought: how much the price must fall before it is; for an offer "
            "not taken its fixed cost counts too, spread over what it could sell (0 where "
            "bought); from the LP duals with integer decisions held as planned; local; blank "
            "when not computed or the offer could never sell its minimum",
            "money",
            "money/commodity unit",
        ),
        _r(
            "breakeven_price",
            "price - reduced_cost: the price at which it would be bought (blank where bought)",
            "money",
            "money/commodity unit",
        ),
    ),
    "Demand": (
        _r("destination", "Destination node", "text"),
        _r("commodity", "Commodity", "text"),
        _r("period", "Period", "text"),
        _r("volume", "What the destination needs", "number", "commodity units"),
        _r("from_contracts", "Served by contract deliveries", "number", "commodity units"),
        _r("from_offers", "Served by offers bought", "number", "commodity units"),
        _r("from_stock", "Drawn from stock (net of stock added)", "number", "commodity units"),
        _r("unmet", "Not met", "number", "commodity units"),
        _r("unmet_cost", "Penalty for the unmet demand", "money", "money"),
        _r(
            "marginal_cost",
            "Cost of meeting one more unit of this demand (the dual of its balance; at most its "
            "penalty); from the LP duals with integer decisions held as planned; valid for "
            "small changes only; blank when not computed",
            "money",
            "money/commodity unit",
        ),
    ),
    "Stocks": (
        _r("node", "Node holding the stock", "text"),
        _r("commodity", "Commodity", "text"),
        _r("period", "Period", "text"),
        _r("opening", "Level at the start of the period", "number", "commodity units"),
        _r("arrivals", "Added in the period", "number", "commodity units"),
        _r("used", "Drawn in the period", "number", "commodity units"),
        _r("closing", "Level at the end of the period", "number", "commodity units"),
        _r("min_level", "Reserve floor", "number", "commodity units"),
        _r("below_min", "Amount below the floor (soft floors)", "number", "commodity units"),
        _r(
            "marginal_cost",
            "Cost of one more unit of reserve floor in this period (at most a soft floor's "
            "penalty); from the LP duals with integer decisions held as planned; valid for "
            "small changes only; blank when not computed",
            "money",
            "money/commodity unit",
        ),
    ),
    "Exposure": (
        _r("destination", "Destination node", "text"),
        _r("commodity", "Commodity", "text"),
        _r("period", "Period", "text"),
        _r(
            "measure",
            "transit_country, chokepoint, corridor, origin_country, supplier, or "
            "hhi_corridor (one row per scope)",
            "text",
        ),
        _r("value", "The country, chokepoint, corridor or supplier", "text"),
        _r("flow_through", "Delivered flow passing the value (share basis)", "number"),
        _r("total", "Delivered flow of the scope (share basis)", "number"),
        _r(
            "share",
            "flow_through / total; for hhi_corridor the Herfindahl index of the corridor "
            "shares (1 = one corridor, 0.5 = two equal)",
            "share",
        ),
    ),
    "Exposure matrix": (
        _r("destination", "Destination node", "text"),
        _r("commodity", "Commodity", "text"),
        _r("period", "Period", "text"),
        _r("cap", "The tightest transit-country cap on this row (blank = none)", "share"),
        _r(
            "<country>",
            "One column per transit country: its share of the row's delivered flow; green "
            "below the cap, amber within 5 points of it, red at the cap",
            "share",
        ),
    ),
    "Rules": (
        _r("rule", "Limits rule name; default_cap for the default transit cap", "text"),
        _r("destination", "Scope: destination (ALL = pooled)", "text"),
        _r("commodity", "Scope: commodity", "text"),
        _r("period", "Scope: period", "text"),
        _r("origin", "Scope: origin", "text"),
        _r("contract", "Scope: contract or offer", "text"),
        _r("value", "What the rule limits in this row", "text"),
        _r("bound", "max_share, min_share, max_volume or min_volume", "text"),
        _r("limit", "The bound's value (a share, or capacity units)", "number"),
        _r("through", "Flow passing the value (share basis; capacity units for volumes)", "number"),
        _r("total", "Scope's delivered flow (share basis)", "number"),
        _r("share", "through / total", "share"),
        _r("binding", "yes when the bound holds with equality", "text"),
        _r("violation", "Amount beyond the bound (soft rules)", "number"),
        _r(
            "marginal_value",
            "Saving if the bound were loosened by one percentage point of share (max_share "
            "raised or min_share lowered by 0.01), or by one capacity unit for max_volume and "
            "min_volume; from the LP duals with integer decisions held as planned; valid for "
            "small changes only; blank when not computed",
            "money",
            "money per percentage point (shares) or per capacity unit (volumes)",
        ),
    ),
    "Capacity": (
        _r("type", "node, leg or route", "text"),
        _r("id", "Its id", "text"),
        _r("period", "Period", "text"),
        _r("used", "Capacity units used", "number", "capacity units"),
        _r(
            "capacity",
            "Capacity in effect (base or replaced, plus expansions)",
            "number",
            "capacity units",
        ),
        _r("utilization", "used / capacity", "share"),
        _r("binding", "yes when used reaches capacity", "text"),
        _r(
            "marginal_value",
            "Saving per extra capacity unit in this period (0 when not binding); from the LP "
            "duals with integer decisions held as planned; valid for small changes only; "
            "blank when not computed",
            "money",
            "money per capacity unit",
        ),
    ),
    "Routes": (
        _r("route", "Route id", "text"),
        _r("corridor", "Corridor", "text"),
        _r("used", "yes if the route carries flow or is opened", "text"),
        _r("volume", "Flow over the horizon", "number", "capacity units"),
        _r("shipments", "Shipments (lots) over the horizon", "int"),
        _r("fixed_cost", "Fixed cost paid", "money", "money"),
    ),
    "Expansions": (
        _r("expansion", "Expansion id", "text"),
        _r("target_type", "node, leg or route", "text"),
        _r("target", "Its id", "text"),
        _r("units", "Units built", "int"),
        _r("added_capacity", "Capacity added per period", "number", "capacity units"),
        _r("cost", "Cost of the units built", "money", "money"),
        _r(
            "used_above_base",
            "Most capacity units used above the base capacity in a period (a robust plan: in "
            "the plan or in any guarded closure)",
            "number",
            "capacity units",
        ),
    ),
    "Booking": (
        _r("route", "Route id", "text"),
        _r("period", "Period", "text"),
        _r("booked", "Capacity booked (blank where the route needs no booking)", "number"),
        _r("base_load", "The plan's own load on the route", "number", "capacity units"),
        _r(
            "highest_closure_load",
            "The highest load on the route in any guarded closure",
            "number",
            "capacity units",
        ),
        _r("booking_cost", "Cost of the capacity booked", "money", "money"),
    ),
    "Robustness": (
        CLOSURE_REPORT[0],
        _r("period", "Period in which the closure happens", "text"),
        *CLOSURE_REPORT[1:],
        _r("probability", "Chance of the closure in any one period", "share"),
        _r("min_delivery", "Share of the plan's delivery that must still arrive", "share"),
        _r(
            "binding",
            "yes where this closure's delivery floors hold the plan (non-zero dual with the "
            "integer decisions fixed)",
            "text",
        ),
    ),
    "Diagnosis": (
        _r(
            "option",
            "Which least change: overall, rules only, capacities only, contracts "
            "only, tightest cap, unit slip",
            "text",
        ),
        _r(
            "kind",
            "contract, demand, capacity, rule, stock (a reserve floor), closure or note",
            "text",
        ),
        _r("target", "What to change", "text"),
        _r("period", "Period", "text"),
        _r("current", "Its value now", "general"),
        _r("needed", "The value that makes a plan possible", "general"),
        _r("change", "The change in words", "text"),
        _r("cell", "The cell to edit", "text"),
    ),
    "Stress": (
        *CLOSURE_REPORT,
        _r("status", "Solver status of the re-plan", "text"),
        _r("routes_closed", "Routes the closure removes", "text"),
        _r(
            "cap_suspended",
            "Commodities whose default transit cap the closure suspended (where it took a "
            "usable route); elsewhere the cap held",
            "text",
        ),
    ),
    "Scenarios": (
        _r("scenario", "Scenario name", "text"),
        *CLOSURE_REPORT[1:],
        _r("status", "Solver status", "text"),
        _r("changes", "The scenario's changes", "text"),
    ),
    "Map": (
        _r("leg", "Leg id", "text"),
        _r("corridor", "Corridor of the routes using it", "text"),
        _r("volume", "Flow over the horizon", "number", "capacity units"),
    ),
    "Custom rows": (
        _r("row", "The name the caller gave the constraint", "text"),
        _r("index", "Its index", "text"),
        _r("body", "Value of the constraint's expression", "number"),
        _r("lower", "Lower bound", "number"),
        _r("upper", "Upper bound", "number"),
        _r(
            "dual",
            "Change of the total cost per unit the bound is raised (from the LP duals with "
            "integer decisions held as planned)",
            "number",
        ),
    ),
    "Compare costs": (
        _r("item", "Total cost, a cost component, or one commodity's cost", "text"),
        _r("a", "In workbook A", "money", "money"),
        _r("b", "In workbook B", "money", "money"),
        _r("difference", "B minus A", "money", "money"),
    ),
    "Compare delivery": (
        _r("commodity", "Commodity", "text"),
        _r("unit", "Its unit", "text"),
        _r("contracted", "Contracted over the horizon", "number", "commodity units"),
        _r("a", "Delivered in A", "number", "commodity units"),
        _r("b", "Delivered in B", "number", "commodity units"),
        _r("difference", "B minus A", "number", "commodity units"),
        _r("a_share", "A's delivery / contracted", "share"),
        _r("b_share", "B's delivery / contracted", "share"),
    ),
    "Compare exposure": (
        _r("commodity", "Commodity", "text"),
        _r("country", "Transit country", "text"),
        _r("a", "Share of the commodity's delivered volume through the country in A", "share"),
        _r("b", "The same in B", "share"),
        _r("difference", "B minus A (in share points)", "share"),
    ),
    "Compare flows": (
        _r("contract_or_offer", "Contract (or offer) id", "text"),
        _r("commodity", "Commodity", "text"),
        _r("period", "Period", "text"),
        _r("route", "Route", "text"),
        _r("a", "Volume in A", "number", "commodity units"),
        _r("b", "Volume in B", "number", "commodity units"),
        _r("difference", "B minus A", "number", "commodity units"),
    ),
    "Log": (
        _r("level", "warning or info", "text"),
        _r("where", "Sheet and cell", "text"),
        _r("message", "What happened", "text"),
    ),
    "Frontier": (
        _r(
            "cap",
            "The swept cap (max_share) at this point; on the first row, the highest capped "
            "share of the uncapped plan",
            "share",
        ),
        _r("total_cost", "Objective of the plan under this cap", "money", "money"),
        _r("premium", "total_cost minus that of the uncapped plan", "money", "money"),
        _r(
            "cost_<commodity>",
            "One column per commodity: the cost of its flows (logistics and purchases)",
            "money",
            "money",
        ),
        _r(
            "premium_<commodity>",
            "One column per commodity: its cost minus its cost in the uncapped plan",
            "money",
            "money",
        ),
        _r(
            "max_share_<country>",
            "One column per transit country: its highest share of any destination x "
            "commodity x period in this plan",
            "share",
        ),
        _r(
            "point",
            "uncapped (the cap lifted), step, or tightest (the tightest feasible cap found, "
            "to 0.001; the next lower cap admits no plan)",
            "text",
        ),
        _r("status", "optimal, or feasible when the solver stopped at its time limit", "text"),
    ),
    "Price of robustness": (
        _r(
            "item",
            "Total cost, a cost component, the corridors used and booked, or the highest "
            "transit-country share of a commodity",
            "text",
        ),
        _r("unit", "The currency on money rows", "text"),
        _r("without", "The plan without robust mode", "general"),
        _r("robust", "The robust plan", "general"),
        _r("difference", "robust minus without (money rows)", "money", "money"),
    ),
    "Robustness sweep": (
        _r("min_delivery", "The floor set on every guarded closure", "share"),
        _r("total_cost", "Objective of the robust plan at this floor", "money", "money"),
        _r("premium", "total_cost minus that at the lowest floor", "money", "money"),
        _r("status", "optimal, feasible (time limit) or infeasible (no plan)", "text"),
    ),
}

# The spec's sheets first, in its order; later features' sheets after them (spec section 4).
RESULT_ORDER = (
    "Summary",
    "Flows",
    "Contracts",
    "Exposure",
    "Rules",
    "Capacity",
    "Routes",
    "Expansions",
    "Purchases",
    "Demand",
    "Stocks",
    "Exposure matrix",
    "Booking",
    "Robustness",
    "Diagnosis",
    "Stress",
    "Scenarios",
    "Frontier",
    "Price of robustness",
    "Robustness sweep",
    "Map",
    "Custom rows",
    "Compare costs",
    "Compare delivery",
    "Compare exposure",
    "Compare flows",
    "Log",
)
RESULT_SHEETS = {name: RESULT_SHEETS[name] for name in RESULT_ORDER}


# Summary items in order, with the format of their value and their unit ("currency" stands
# for the run's currency). Per-commodity rows follow the value rows:
# contracted:<commodity>, delivered:<commodity> (contract deliveries and offer arrivals),
# shortfall:<commodity> in the commodity's unit; with a Demand sheet, for each commodity it
# asks for, also demand:<commodity>, bought:<commodity> (offer purchases) and
# unmet:<commodity>.
COST_COMPONENTS = (
    "transport_cost",
    "handling_cost",
    "carrying_cost",
    "carbon_cost",
    "fixed_cost",
    "lot_cost",
    "expansion_cost",
    "shortfall_cost",
    "violation_cost",
    "purchase_cost",
    "holding_cost",
    "stock_penalty_cost",
    "unmet_cost",
    "booking_cost",
    "expected_recourse_cost",
)
SUMMARY_FORMATS: dict[str, tuple[str, str]] = {
    "status": ("text", ""),
    "objective": ("money", "currency"),
    "best_bound": ("money", "currency"),
    "gap": ("share", "share"),
    "solve_seconds": ("number", "seconds"),
    **{c: ("money", "currency") for c in COST_COMPONENTS},
    "contracted": ("money", "currency"),
    "delivered": ("money", "currency"),
    "shortfall": ("money", "currency"),
    "input_file": ("text", ""),
    "input_sha256": ("text", ""),
    "corridor_version": ("text", ""),
    "highs_version": ("text", ""),
    "time_of_run": ("text", ""),
}
SUMMARY_ITEMS = tuple(SUMMARY_FORMATS)
PER_COMMODITY_ITEMS = ("contracted", "delivered", "shortfall", "demand", "bought", "unmet")


def normalise_name(text: object) -> str:
    """Sheet, column and setting names: case-insensitive, trimmed, space = underscore."""
    return "_".join(str(text).strip().lower().replace("_", " ").split())


def canonical_sheet(name: str) -> str | None:
    """The spec name of an input sheet, or None for a sheet corridor ignores."""
    key = normalise_name(name)
    for spec_name in INPUT_SHEETS:
        if normalise_name(spec_name) == key:
            return spec_name
    return None


# ---------------------------------------------------------------------------- as data

SCHEMA_VERSION = "1.2"  # the version of the workbook contract this module implements

# The unit of each setting's value (Setting carries none); "" where the value has no unit.
SETTING_UNITS: dict[str, str] = {
    "currency": "",
    "default_max_transit_share": "share",
    "share_basis": "",
    "shortfall_penalty": "money/commodity unit",
    "carrying_cost_rate": "1/year",
    "carbon_price": "money/CO2 unit",
    "include_origin_country": "",
    "time_limit": "seconds",
    "mip_gap": "share",
    "closure_penalty": "money/commodity unit",
    "robust_min_delivery": "share",
    "robust_against": "",
    "report_currency": "",
    "exchange_rate": "report_currency/currency",
}


def _plain(value: object) -> object:
    """A default as JSON has it: tuples become lists, everything else stays."""
    return list(value) if isinstance(value, tuple) else value


def schema() -> dict[str, object]:
    """The workbook contract as plain data: for a tool that writes input workbooks or reads
    results without importing the rest of corridor.

    Everything in the answer is a dict, list, str, float, int, bool or None, so
    ``json.dumps(schema())`` works and ``json.loads`` gives the same dict back. A fresh dict
    is built on each call; changing it changes nothing in corridor.

    - ``schema_version``: the contract's version ("1.2").
    - ``input_sheets``: sheet name -> ``required`` (the sheet must exist), ``help``,
      ``id_kind`` (the kind of id its first column defines, or None) and ``columns``, a list
      in sheet order of: ``name``, ``kind`` (see this module's docstring), ``required``,
      ``default`` (None = blank), ``unit``, ``help``, ``ref`` (the id kind a ref, refs or
      scope column points at), ``choices``, ``minimum``, ``positive`` (strictly above
      ``minimum``) and ``separator`` (of a list cell).
    - ``settings``: setting name -> ``kind``, ``default``, ``unit``, ``help``, ``choices``,
      ``minimum``.
    - ``result_sheets``: sheet name -> ``columns``: ``name``, ``format`` (text, money,
      number, share, int, general), ``unit`` and ``help``. A name in angle brackets
      (``<country>``, ``cost_<commodity>``) stands for one column per country or commodity.
    - ``summary_items``: Summary item -> ``format`` and ``unit`` ("currency" stands for the
      run's currency); ``per_commodity_items`` are repeated as ``item:<commodity>`` in the
      commodity's own unit; ``cost_components`` are the objective's parts.
    - ``vocabularies``: modes, limit measures, closure kinds, robust kinds, scenario changes
      and capacity target types.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "input_sheets": {
            sheet.name: {
                "required": sheet.required,
                "help": sheet.help,
                "id_kind": sheet.id_kind,
                "columns": [
                    {
                        "name": c.name,
                        "kind": c.kind,
                        "required": c.required,
                        "default": _plain(c.default),
                        "unit": c.unit,
                        "help": c.help,
                        "ref": c.ref,
                        "choices": list(c.choices),
                        "minimum": c.minimum,
                        "positive": c.positive,
                        "separator": c.separator,
                    }
                    for c in sheet.columns
                ],
            }
            for sheet in INPUT_SHEETS.values()
        },
        "settings": {
            s.name: {
                "kind": s.kind,
                "default": _plain(s.default),
                "unit": SETTING_UNITS.get(s.name, ""),
                "help": s.help,
                "choices": list(s.choices),
                "minimum": s.minimum,
            }
            for s in SETTINGS.values()
        },
        "result_sheets": {
            name: {
                "columns": [
                    {"name": c.name, "format": c.fmt, "unit": c.unit, "help": c.help}
                    for c in columns
                ]
            }
            for name, columns in RESULT_SHEETS.items()
        },
        "summary_items": {
            item: {"format": fmt, "unit": unit} for item, (fmt, unit) in SUMMARY_FORMATS.items()
        },
        "per_commodity_items": list(PER_COMMODITY_ITEMS),
        "cost_components": list(COST_COMPONENTS),
        "vocabularies": {
            "modes": list(MODES),
            "measures": list(MEASURES),
            "closure_kinds": list(CLOSURE_KINDS),
            "robust_kinds": list(ROBUST_KINDS),
            "scenario_changes": list(SCENARIO_CHANGES),
            "target_types": list(TARGET_TYPES),
        },
    }


class _CallableModule(types.ModuleType):
    """`corridor.schema` is this module (`from corridor.schema import INPUT_SHEETS` keeps
    working) and calling it is calling `schema()`: the package exports the name ``schema``
    and a submodule of the same name would otherwise shadow the function once imported."""

    def __call__(self) -> dict[str, object]:
        return schema()


sys.modules[__name__].__class__ = _CallableModule

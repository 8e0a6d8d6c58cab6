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

from dataclasses import dataclass

MODES = ("rail", "road", "sea", "ferry", "pipeline", "river", "air")
MEASURES = ("transit_country", "chokepoint", "corridor", "route", "node")
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
            ),
            required=True,
            help="Contracted volumes to deliver.",
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
                    help="A country/tag/corridor/route/node, or * for each one separately",
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
                    help="Contract id; ALL = pooled (default); * = each separately",
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
                    choices=("close", "scale_capacity", "scale_cost", "scale_volume", "set_limit"),
                    help="What the row changes",
                ),
                _c("target", "text", required=True, help="kind:id or all"),
                _c("value", help="Factor or new max_share"),
            ),
            help="What-if variants solved by `corridor scenarios`.",
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


RESULT_SHEETS: dict[str, tuple[ResultColumn, ...]] = {
    "Summary": (
        _r("item", "What the row reports", "text"),
        _r("value", "Its value (money in the currency, volumes in capacity units)", "general"),
    ),
    "Flows": (
        _r("contract", "Contract id", "text"),
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
            "Variable cost per commodity unit on this route",
            "money",
            "money/commodity unit",
        ),
        _r("cost", "volume x unit_cost", "money", "money"),
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
    "Exposure": (
        _r("destination", "Destination node", "text"),
        _r("commodity", "Commodity", "text"),
        _r("period", "Period", "text"),
        _r("measure", "transit_country, chokepoint, corridor, or hhi", "text"),
        _r("value", "The country, chokepoint or corridor", "text"),
        _r("flow_through", "Delivered flow passing the value (share basis)", "number"),
        _r("total", "Delivered flow of the scope (share basis)", "number"),
        _r(
            "share", "flow_through / total; for hhi the Herfindahl index of transit shares", "share"
        ),
    ),
    "Rules": (
        _r("rule", "Limits rule name; default_cap for the default transit cap", "text"),
        _r("destination", "Scope: destination (ALL = pooled)", "text"),
        _r("commodity", "Scope: commodity", "text"),
        _r("period", "Scope: period", "text"),
        _r("origin", "Scope: origin", "text"),
        _r("contract", "Scope: contract", "text"),
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
        _r("shipments", "Shipments (lots) over the horizon", "number"),
        _r("fixed_cost", "Fixed cost paid", "money", "money"),
    ),
    "Expansions": (
        _r("expansion", "Expansion id", "text"),
        _r("target_type", "node, leg or route", "text"),
        _r("target", "Its id", "text"),
        _r("units", "Units built", "number"),
        _r("added_capacity", "Capacity added per period", "number", "capacity units"),
        _r("cost", "Cost of the units built", "money", "money"),
        _r(
            "used_above_base",
            "Most capacity units used above the base capacity in a period",
            "number",
            "capacity units",
        ),
    ),
    "Stress": (
        _r("kind", "country, chokepoint or corridor closed", "text"),
        _r("closed", "What was closed", "text"),
        _r(
            "stopped_volume",
            "Flow that would stop with nothing rerouted",
            "number",
            "capacity units",
        ),
        _r("stopped_share", "stopped_volume / delivered in the plan", "share"),
        _r(
            "delivered_after",
            "Delivered by the re-optimised plan with it closed",
            "number",
            "capacity units",
        ),
        _r("delivered_share_after", "delivered_after / contracted", "share"),
        _r(
            "cost_after",
            "Cost of the re-optimised plan (contract penalties included)",
            "money",
            "money",
        ),
        _r("extra_cost", "cost_after minus the plan's cost", "money", "money"),
        _r("contracts_short", "Contracts delivered in part: delivered share of each", "text"),
        _r("status", "Solver status of the re-optimised plan", "text"),
        _r("routes_closed", "Routes the closure removes", "text"),
    ),
    "Scenarios": (
        _r("scenario", "Scenario name; base is the workbook as it is", "text"),
        _r("status", "Solver status", "text"),
        _r("cost", "Total cost", "money", "money"),
        _r("delivered", "Delivered", "number", "capacity units"),
        _r("delivered_share", "delivered / contracted", "share"),
        _r(
            "max_share_<country>",
            "One column per transit country: its highest share of any "
            "destination x commodity x period",
            "share",
        ),
        _r("cost_vs_base", "cost minus the base plan's", "money", "money"),
        _r("delivered_vs_base", "delivered minus the base plan's", "number", "capacity units"),
        _r("contracted", "Contracted volume", "number", "capacity units"),
        _r("contracts_short", "Contracts delivered in part: delivered share of each", "text"),
        _r("changes", "The scenario's changes", "text"),
    ),
    "Map": (
        _r("leg", "Leg id", "text"),
        _r("corridor", "Corridor of the routes using it", "text"),
        _r("volume", "Flow over the horizon", "number", "capacity units"),
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
            "max_share_<country>",
            "One column per transit country: its highest share of any destination x "
            "commodity x period in this plan",
            "share",
        ),
        _r("delivered", "Volume delivered", "number", "capacity units"),
        _r(
            "point",
            "uncapped (the cap lifted), step, or tightest (the tightest feasible cap found, "
            "to 0.001; the next lower cap admits no plan)",
            "text",
        ),
        _r("status", "optimal, or feasible when the solver stopped at its time limit", "text"),
    ),
}

SUMMARY_ITEMS = (
    "status",
    "objective",
    "best_bound",
    "gap",
    "solve_seconds",
    "transport_cost",
    "handling_cost",
    "carrying_cost",
    "carbon_cost",
    "fixed_cost",
    "lot_cost",
    "expansion_cost",
    "shortfall_cost",
    "violation_cost",
    "contracted",
    "delivered",
    "shortfall",
    "input_file",
    "input_sha256",
    "corridor_version",
    "highs_version",
    "time_of_run",
)
COST_COMPONENTS = SUMMARY_ITEMS[5:14]


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

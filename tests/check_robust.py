"""Independent checks of a robust plan (workbook contract section 7), for tests/check.py.

In robust mode (Settings `robust_min_delivery` set) a plan must survive every guarded
closure, one period at a time. From the input workbook and the plan's first-stage decisions
as the results workbook reports them (Routes.used, Expansions.units, Booking.booked,
Purchases.taken, the Stocks levels) this module re-derives:

- **Booking**: for every route with a `booking_cost` and period with a flow variable on it,
  `booked` >= 0 and the plan's own load (capacity units) within it; the Summary's
  `booking_cost` = sum booked x booking_cost.
- **The guarded closures**: the Disruptions sheet's rows or, without it, every value of the
  `robust_against` kinds (default transit_country) that a usable route carries (one with a
  flow variable); a copy for every period in which the closure removes a flow variable.
- **The recourse of each copy**: an LP of that one period, built here and solved with
  scipy's `linprog` (HiGHS through scipy: not corridor's code path). Flows on the routes the
  closure leaves open (none on a route with a use decision, fixed_cost or min_volume, that
  the plan does not use), within capacities (with the plan's expansion units) and bookings;
  offers only if taken (a spot offer, without min_volume or fixed_cost, is always there:
  corridor's documented choice), within max_volume, no offer minimum; stock drawn from the
  plan's opening level down to zero (no reserve floor), within max_level; contract shortfall
  and unmet demand up to their volume at the row's penalty or `closure_penalty`; the
  Limits rules expanded over the open routes, rules pooling the horizon (period ALL)
  dropped, the default cap suspended in the (destination, commodity, period) scopes from
  which the closure removes a usable route (one no hard max_share 0 rule bans there).
  Floors: each contract row receives >= min_delivery x the plan's delivery to it in the
  period; each demand row is served (volume - unmet) >= min_delivery x what the plan serves
  it. Its cost: the period's variable costs (logistics unit cost and offer price of each
  flow, shortfall and unmet at their penalties, rule violations) plus replacement_cost x
  what its closing stock ends below the plan's closing level. A floor that cannot hold is a
  problem naming the closure, the period, the row and by how much it fails.
- **expected_recourse_cost** = sum over copies of probability x max(0, least recourse
  cost - the plan's own cost of that period (the same terms at the plan's values; holding
  costs excluded)).
- **Robustness**: a row per copy (commodity ALL) whose `total_cost_change` is the least
  recourse cost minus the plan's period cost, with the guard's probability and
  min_delivery; per commodity, `stopped` (the plan's volume on the closed routes) exactly,
  and `delivered` and `shortfall` within the range they take over every least-cost
  recourse (the least-cost recourse need not be unique: only its cost is pinned down).

Where the spec leaves a choice this follows corridor's documented reading (data.py,
features/robust.py): closure_penalty = the setting, else 10 x max(1, the highest landed
unit cost (logistics + price) of any flow variable); a Stocks row's replacement_cost
defaults to the commodity's value_per_unit, or where that is 0 to the highest landed unit
cost of the commodity's flow variables (of any flow variable if it has none).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from check_inputs import (
    BOUNDS,
    INF,
    SCOPE_COLS,
    SCOPE_DEFAULTS,
    Plan,
    Row,
    Var,
    _bool,
    _close,
    _exceeds,
    _id,
    _is,
    _key,
    _num,
    _scopes,
)

Key = tuple[str, str, str]  # (contract or offer, route, period)
Flows = dict[Key, float]
ROBUST_COMPONENTS = ("booking_cost", "expected_recourse_cost")


# ----------------------------------------------------------------------------- closures
@dataclass(frozen=True)
class Guard:
    """A guarded closure with its probability and delivery floor."""

    kind: str
    ident: str
    probability: float
    min_delivery: float

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.ident}"


def guards(plan: Plan, keys: list[Key]) -> list[Guard]:
    """The Disruptions sheet's rows, or every robust_against value of a usable route."""
    floor = plan.robust_min_delivery
    if plan.disruptions is not None:
        out = []
        for r in plan.disruptions:
            text = _id(r.get("closure"))
            if text is None:
                continue
            kind, ident = (part.strip() for part in text.split(":", 1))
            probability = _num(r.get("probability"), 0.0)
            out.append(Guard(_key(kind), ident, probability, _num(r.get("min_delivery"), floor)))
        return out
    usable = sorted({rid for _, rid, _ in keys})
    out = []
    for kind in plan.robust_against:
        values = set().union(*(plan.routes[rid].values(kind) for rid in usable))
        out += [Guard(kind, value, 0.0, floor) for value in sorted(values)]
    return out


def closed_routes(plan: Plan, guard: Guard) -> set[str]:
    """Active routes the closure removes (section 5's vocabulary)."""
    ident = guard.ident
    out = set()
    for rid, r in plan.routes.items():
        hit = {
            "country": ident in r.countries,
            "transit_country": ident in r.transit,
            "origin_country": r.origin_country == ident,
            "chokepoint": ident in r.chokepoints,
            "corridor": r.corridor == ident,
            "node": ident in r.nodes,
            "leg": ident in r.legs,
            "route": rid == ident,
        }[guard.kind]
        if hit and r.active:
            out.add(rid)
    return out


# ----------------------------------------------------------------------------- Limits rows
@dataclass
class Limit:
    """One expanded Limits (or default cap) constraint: sum coefs x <= rhs (+ a violation at
    `penalty` where the rule is soft)."""

    label: str
    period: str  # the scope's period (ALL where the rule pools the horizon)
    coefs: dict[Key, float]
    rhs: float
    penalty: float | None
    carriers: list[Key]  # the flow variables passing the value
    ban: bool  # a hard max_share 0: its carriers are not usable in their scope


def unit_var(plan: Plan, key: Key) -> Var:
    """The flow variable `key` with one commodity unit of flow (cu and w per unit)."""
    ident, rid, t = key
    k = plan.commodity_of(ident)
    c, route = plan.comm[k], plan.routes[rid]
    w = c["value"] if plan.basis == "value" else c["use"]
    return Var(
        ident, rid, t, k, route.nodes[0], route.nodes[-1], c["use"], w, plan.supplier_of(ident)
    )


def limits(
    plan: Plan, keys: list[Key], *, pooled: bool = True, suspended: set | frozenset = frozenset()
) -> list[Limit]:
    """The Limits rules and the default cap expanded over the flow variables `keys`;
    without `pooled`, rules whose period is ALL are left out (a recourse copy); the default
    cap is left out in the `suspended` (destination, commodity, period) scopes."""
    variables = [unit_var(plan, key) for key in keys]

    def key_of(v: Var) -> Key:
        return (v.contract, v.route, v.period)

    out: list[Limit] = []
    exempt = []  # (country, scope spec) of transit_country rules with a max_share
    for rule in plan.limits:
        name, measure = _id(rule.get("rule")), _key(rule.get("measure"))
        value = _id(rule.get("value")) or "*"
        spec = {col: _id(rule.get(col)) or SCOPE_DEFAULTS.get(col, "ALL") for col in SCOPE_COLS}
        bounds = {b: _num(rule[b]) for b in BOUNDS if rule.get(b) is not None}
        penalty = _num(rule.get("penalty"))
        if measure == "transit_country" and "max_share" in bounds and value != "*":
            if _is(spec["origin"], "all") and _is(spec["contract"], "all"):
                exempt.append((value, spec))
        if not pooled and _is(spec["period"], "all"):
            continue
        for scope, members in _scopes(variables, spec).items():
            present = set().union(*(m.values(plan, measure) for m in members))
            for val in sorted(present) if value == "*" else [value] if value in present else []:
                carry = [m for m in members if val in m.values(plan, measure)]
                for bound, limit in bounds.items():
                    coefs: dict[Key, float] = defaultdict(float)
                    sign = 1.0 if bound.startswith("max") else -1.0
                    if bound.endswith("share"):
                        for m in carry:
                            coefs[key_of(m)] += sign * m.w
                        for m in members:
                            coefs[key_of(m)] -= sign * limit * m.w
                        rhs = 0.0
                    else:
                        for m in carry:
                            coefs[key_of(m)] += sign * m.cu
                        rhs = sign * limit
                    where = ", ".join(f"{c} {s}" for c, s in zip(SCOPE_COLS, scope, strict=True))
                    out.append(
                        Limit(
                            f"rule {name} ({where}) value {val}: {bound} {limit:g}",
                            scope[2],
                            dict(coefs),
                            rhs,
                            penalty,
                            [key_of(m) for m in carry],
                            bound == "max_share" and limit <= 0 and penalty is None,
                        )
                    )
    if plan.cap_share is None:
        return out
    cap = plan.cap_share
    for (dest, k, t, *_), members in _scopes(
        variables, dict(SCOPE_DEFAULTS, contract="ALL")
    ).items():
        if (dest, k, t) in suspended:
            continue
        own = {"destination": dest, "commodity": k, "period": t}
        for country in sorted(set().union(*(plan.routes[m.route].transit for m in members))):
            if any(
                c == country and all(s[col] in ("*", own[col]) or _is(s[col], "all") for col in own)
                for c, s in exempt
            ):
                continue
            coefs = defaultdict(float)
            carry = [m for m in members if country in plan.routes[m.route].transit]
            for m in carry:
                coefs[key_of(m)] += m.w
            for m in members:
                coefs[key_of(m)] -= cap * m.w
            out.append(
                Limit(
                    f"default cap on {country} (destination {dest}, commodity {k}, period {t})",
                    t,
                    dict(coefs),
                    0.0,
                    None,
                    [key_of(m) for m in carry],
                    cap <= 0,
                )
            )
    return out


# ----------------------------------------------------------------------------- a small LP
class LP:
    """Columns and rows as Python lists, solved by scipy's linprog (HiGHS)."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def col(self, cost: float = 0.0, lower: float = 0.0, upper: float = INF) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        return len(self.cost) - 1

    def row(self, coefs: dict[int, float], lower: float = -INF, upper: float = INF) -> int:
        self.rows.append((dict(coefs), lower, upper))
        return len(self.rows) - 1

    def solve(self, cost: list[float] | None = None, upper: list[float] | None = None):
        """linprog's result (status 0 = optimal, 2 = infeasible) for `cost` (default the
        columns' own) and column upper bounds `upper` (default their own)."""
        eq: list[tuple[dict[int, float], float]] = []
        ub: list[tuple[dict[int, float], float]] = []
        for coefs, lo, hi in self.rows:
            if lo == hi:
                eq.append((coefs, lo))
                continue
            if hi < INF:
                ub.append((coefs, hi))
            if lo > -INF:
                ub.append(({c: -v for c, v in coefs.items()}, -lo))
        n = len(self.cost)

        def matrix(rows):
            if not rows:
                return None, None
            r = [i for i, (coefs, _) in enumerate(rows) for _ in coefs]
            c = [j for coefs, _ in rows for j in coefs]
            v = [x for coefs, _ in rows for x in coefs.values()]
            return coo_matrix((v, (r, c)), shape=(len(rows), n)).tocsr(), [b for _, b in rows]

        a_ub, b_ub = matrix(ub)
        a_eq, b_eq = matrix(eq)
        bounds = np.column_stack([self.lower, upper if upper is not None else self.upper])
        return linprog(
            np.asarray(cost if cost is not None else self.cost, dtype=float),
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=bounds,
            method="highs",
        )


# ----------------------------------------------------------------------------- the plan
def landed_cost(plan: Plan, key: Key) -> float:
    """Logistics unit cost of a flow variable plus, for an offer's flow, the offer's price."""
    ident, rid, t = key
    unit = sum(plan.unit_costs(plan.commodity_of(ident), rid).values())
    if ident in plan.offers and (ident, t) in plan.offer_periods:
        unit += _num(plan.offer_periods[ident, t].get("price"), 0.0)
    return unit


@dataclass
class Context:
    """The plan's first stage and the facts every recourse copy shares."""

    plan: Plan
    flows: Flows
    keys: list[Key]  # every flow variable
    units: dict[str, float]  # expansion units built
    shut_routes: set[str]  # routes with a use decision the plan does not use
    not_taken: set[str]  # offers with a taken decision the plan did not take
    levels: dict[tuple[str, str, str], tuple[float, float]]  # stock -> (opening, closing)
    closure_penalty: float
    replacement: dict[tuple[str, str], float]  # stock -> replacement cost
    booked: dict[tuple[str, str], float] = field(default_factory=dict)  # (route, period)
    delivered: dict[tuple[str, str], float] = field(default_factory=dict)  # contract row
    unmet: dict[tuple[str, str, str], float] = field(default_factory=dict)  # need
    banned: set[Key] = field(default_factory=set)  # carriers of a hard max_share 0
    plan_violations: dict[str, float] = field(default_factory=dict)  # period -> cost

    def __post_init__(self) -> None:
        self.by_period: dict[str, list[Key]] = defaultdict(list)
        for key in self.keys:
            self.by_period[key[2]].append(key)

    def landed(self, key: Key) -> float:
        return landed_cost(self.plan, key)


def _shut_routes(plan: Plan, keys: list[Key], flows: Flows, res: dict[str, list[Row]]) -> set[str]:
    """Routes with a use decision (a fixed_cost or min_volume, and a flow variable) that the
    Routes sheet reports unused (without the sheet: that carry nothing)."""
    used = {_id(r["route"]): _bool(r.get("used"), False) for r in res.get("routes", [])}
    carried = {rid for (_, rid, _), vol in flows.items() if vol > 0}
    return {
        rid
        for rid in {rid for _, rid, _ in keys}
        if (plan.routes[rid].fixed_cost > 0 or plan.routes[rid].min_volume > 0)
        and not used.get(rid, rid in carried)
    }


def _not_taken(plan: Plan, flows: Flows, res: dict[str, list[Row]]) -> set[str]:
    """Offers with a taken decision (a fixed_cost or a min_volume) that the plan did not
    take (Purchases.taken, or selling anything)."""
    taken = {_id(r["offer"]) for r in res.get("purchases", []) if _bool(r.get("taken"), False)}
    taken |= {ident for (ident, _, _), vol in flows.items() if ident in plan.offers and vol > 0}
    out = set()
    for oid, first in plan.offers.items():
        rows = [r for (o, _), r in plan.offer_periods.items() if o == oid]
        committed = _num(first.get("fixed_cost"), 0.0) > 0 or any(
            _num(r.get("min_volume"), 0.0) > 0 for r in rows
        )
        if committed and oid not in taken:
            out.add(oid)
    return out


def _stock_levels(plan: Plan, res: dict[str, list[Row]]) -> dict:
    """(node, commodity, period) -> (opening, closing): closings from the Stocks sheet,
    each period opening at the last closing (initial at first)."""
    closing = {
        (_id(r["node"]), _id(r["commodity"]), _id(r["period"])): _num(r.get("closing"), 0.0)
        for r in res.get("stocks", [])
    }
    levels = {}
    for (node, k), st in plan.stocks.items():
        level = st["initial"]
        for t in plan.periods:
            end = closing.get((node, k, t), level)
            levels[node, k, t] = (level, end)
            level = end
    return levels


def _prices(plan: Plan, keys: list[Key]) -> tuple[float, dict[tuple[str, str], float]]:
    """closure_penalty and each stock's replacement cost (see the module docstring)."""
    landed = {key: landed_cost(plan, key) for key in keys}
    highest = max(landed.values(), default=0.0)
    setting = plan.closure_penalty_setting
    penalty = setting if setting is not None else 10.0 * max(highest, 1.0)
    per_commodity: dict[str, float] = {}
    for key, unit in landed.items():
        k = plan.commodity_of(key[0])
        per_commodity[k] = max(per_commodity.get(k, -INF), unit)
    replacement = {}
    for (node, k), st in plan.stocks.items():
        value = plan.comm[k]["value"]
        default = value if value > 0 else per_commodity.get(k, highest)
        replacement[node, k] = st["replacement"] if st["replacement"] is not None else default
    return penalty, replacement


def context(
    plan: Plan, flows: Flows, res: dict[str, list[Row]], units: dict[str, float]
) -> Context:
    """The plan's first stage as the results report it, and what it delivers."""
    keys = plan.variable_keys()
    penalty, replacement = _prices(plan, keys)
    ctx = Context(
        plan=plan,
        flows=flows,
        keys=keys,
        units=units,
        shut_routes=_shut_routes(plan, keys, flows, res),
        not_taken=_not_taken(plan, flows, res),
        levels=_stock_levels(plan, res),
        closure_penalty=penalty,
        replacement=replacement,
    )
    served: dict[tuple[str, str, str], float] = defaultdict(float)
    for (ident, rid, t), vol in flows.items():
        if ident in plan.contracts:
            ctx.delivered[ident, t] = ctx.delivered.get((ident, t), 0.0) + vol
        served[plan.routes[rid].nodes[-1], plan.commodity_of(ident), t] += vol
    for (node, k, t), (opening, end) in ctx.levels.items():
        served[node, k, t] += opening - end  # drawn, net of what is added
    for need, (volume, _, _) in plan.needs.items():
        ctx.unmet[need] = max(0.0, volume - served.get(need, 0.0))
    rows = limits(plan, keys)
    ctx.banned = {key for lim in rows if lim.ban for key in lim.carriers}
    for lim in rows:
        if lim.penalty is not None:
            lhs = sum(v * flows.get(key, 0.0) for key, v in lim.coefs.items())
            over = lim.penalty * max(0.0, lhs - lim.rhs)
            ctx.plan_violations[lim.period] = ctx.plan_violations.get(lim.period, 0.0) + over
    return ctx


def plan_period_cost(ctx: Context, t: str) -> float:
    """The plan's own variable cost of period t: flows at landed cost, shortfall and unmet
    demand at their penalties, rule violations (holding costs left out)."""
    plan = ctx.plan
    cost = sum(ctx.landed(key) * vol for key, vol in ctx.flows.items() if key[2] == t)
    for (cid, tt), (volume, penalty) in plan.demand.items():
        if tt == t and penalty is not None:
            cost += penalty * max(0.0, volume - ctx.delivered.get((cid, t), 0.0))
    for (d, k, tt), (_, penalty, _) in plan.needs.items():
        if tt == t and penalty is not None:
            cost += penalty * ctx.unmet[d, k, t]
    return cost + ctx.plan_violations.get(t, 0.0)


# ----------------------------------------------------------------------------- a recourse
@dataclass
class Recourse:
    """The recourse LP of one guarded closure in one period."""

    guard: Guard
    period: str
    closed: set[str]
    lp: LP = field(default_factory=LP)
    constant: float = 0.0  # stock drawn in a period where it cannot move
    floors: list[tuple[int, int, str, float]] = field(default_factory=list)  # row, slack, label
    delivered: dict[str, dict[int, float]] = field(default_factory=dict)  # per commodity
    lost: dict[str, dict[int, float]] = field(default_factory=dict)  # per commodity

    def floor(self, coefs: dict[int, float], lower: float, label: str, need: float) -> None:
        """A floor row with an elastic slack (upper bound 0 until a floor fails)."""
        slack = self.lp.col(0.0, 0.0, 0.0)
        row = self.lp.row({**coefs, slack: 1.0}, lower=lower)
        self.floors.append((row, slack, label, need))


def build_recourse(ctx: Context, guard: Guard, t: str) -> Recourse:
    """The recourse LP (see the module docstring)."""
    plan = ctx.plan
    rec = Recourse(guard, t, closed_routes(plan, guard))
    lp, m, penalty_of = rec.lp, guard.min_delivery, ctx.closure_penalty
    open_keys = [key for key in ctx.by_period.get(t, []) if key[1] not in rec.closed]
    col: dict[Key, int] = {}
    by_ident: dict[str, dict[int, float]] = defaultdict(dict)
    by_need: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    rec.delivered = defaultdict(dict)
    rec.lost = defaultdict(dict)
    for key in open_keys:
        ident, rid, _ = key
        shut = rid in ctx.shut_routes or ident in ctx.not_taken
        col[key] = c = lp.col(ctx.landed(key), upper=0.0 if shut else INF)
        k = plan.commodity_of(ident)
        by_ident[ident][c] = 1.0
        by_need[plan.routes[rid].nodes[-1], k][c] = 1.0
        rec.delivered[k][c] = 1.0
    for (cid, tt), (volume, penalty) in plan.demand.items():
        if tt != t:
            continue
        short = lp.col(penalty if penalty is not None else penalty_of, upper=volume)
        lp.row({**by_ident[cid], short: 1.0}, volume, volume)
        need = m * ctx.delivered.get((cid, t), 0.0)
        rec.floor(by_ident[cid], need, f"delivery floor of contract {cid}", need)
        rec.lost[plan.commodity_of(cid)][short] = 1.0
    for (d, k, tt), (volume, penalty, _) in plan.needs.items():
        if tt != t:
            continue
        unmet = lp.col(penalty if penalty is not None else penalty_of, upper=volume)
        balance = {**by_need[d, k], unmet: 1.0}
        st = plan.stocks.get((d, k))
        if st is not None:
            opening, closing = ctx.levels[d, k, t]
            draw = lp.col(0.0, lower=opening - st["max"], upper=opening)  # level in 0..max
            below = lp.col(ctx.replacement[d, k])  # >= the plan's closing - the recourse's
            lp.row({draw: 1.0, below: -1.0}, upper=opening - closing)
            balance[draw] = 1.0
        lp.row(balance, lower=volume)
        need = m * (volume - ctx.unmet[d, k, t])
        rec.floor({unmet: -1.0}, need - volume, f"demand floor of {k} at {d}", need)
        rec.lost[k][unmet] = 1.0
    for (node, k), _ in plan.stocks.items():
        if (node, k, t) not in plan.needs:  # the stock cannot move: as the plan has it
            opening, closing = ctx.levels[node, k, t]
            rec.constant += ctx.replacement[node, k] * max(0.0, closing - opening)
    for (oid, tt), r in plan.offer_periods.items():
        top = _num(r.get("max_volume"))
        if tt == t and top is not None and by_ident[oid]:
            lp.row(by_ident[oid], upper=top)
    loads: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    booked: dict[str, dict[int, float]] = defaultdict(dict)
    for key, c in col.items():
        route = plan.routes[key[1]]
        cu = plan.comm[plan.commodity_of(key[0])]["use"]
        for kind, ids in (("node", route.nodes), ("leg", route.legs), ("route", [route.id])):
            for ident in ids:
                loads[kind, ident][c] = cu
        if route.booking_cost is not None:
            booked[route.id][c] = cu
    for (kind, ident), coefs in loads.items():
        cap = plan.capacity(kind, ident, t, ctx.units)
        if cap < INF:
            lp.row(coefs, upper=cap)
    for rid, coefs in booked.items():
        lp.row(coefs, upper=ctx.booked.get((rid, t), 0.0))
    touched = {
        (plan.routes[rid].nodes[-1], plan.commodity_of(ident), tt)
        for ident, rid, tt in ctx.by_period.get(t, [])
        if rid in rec.closed and (ident, rid, tt) not in ctx.banned
    }
    for lim in limits(plan, open_keys, pooled=False, suspended=touched):
        coefs = {col[key]: v for key, v in lim.coefs.items()}
        if lim.penalty is not None:
            coefs[lp.col(lim.penalty)] = -1.0
        lp.row(coefs, upper=lim.rhs)
    return rec


@dataclass
class Outcome:
    """A solved recourse: its least cost, or why it has none."""

    cost: float | None
    x: np.ndarray | None
    problems: list[str]


def solve_recourse(rec: Recourse, tol: float) -> Outcome:
    """The least-cost recourse; where none exists, the floors that cannot hold (from the
    recourse that leaves the least total shortfall below the floors)."""
    lp = rec.lp
    res = lp.solve()
    where = f"robust: {rec.guard.name} in period {rec.period}"
    if res.status == 0:
        return Outcome(float(res.fun) + rec.constant, res.x, [])
    if res.status != 2:
        return Outcome(None, None, [f"{where}: the recourse LP is not solved ({res.message})"])
    upper = list(lp.upper)
    cost = [0.0] * len(lp.cost)
    for _, slack, _, _ in rec.floors:
        upper[slack], cost[slack] = INF, 1.0
    elastic = lp.solve(cost, upper)
    if elastic.status != 0:
        return Outcome(
            None, None, [f"{where}: no recourse exists even with the delivery floors relaxed"]
        )
    problems = [
        f"{where}: the {label} cannot hold: it needs {need:g} but the recourse falls "
        f"{elastic.x[slack]:g} short"
        for _, slack, label, need in rec.floors
        if elastic.x[slack] > tol * max(1.0, need)
    ]
    return Outcome(None, None, problems or [f"{where}: the recourse LP is infeasible"])


def value_range(rec: Recourse, best: float, coefs: dict[int, float]) -> tuple[float, float]:
    """(least, most) of sum coefs x over the recourses within 1e-7 of the least cost."""
    lp = rec.lp
    bound = best - rec.constant
    row = lp.row(dict(enumerate(lp.cost)), upper=bound + 1e-7 * max(1.0, abs(bound)))
    try:
        out = []
        for sign in (1.0, -1.0):
            cost = [0.0] * len(lp.cost)
            for c, v in coefs.items():
                cost[c] = sign * v
            res = lp.solve(cost)
            out.append(sign * float(res.fun) if res.status == 0 else sign * -INF)
        return out[0], out[1]
    finally:
        lp.rows.pop(row)


# ----------------------------------------------------------------------------- the checks
def _check_booking(ctx: Context, rows: list[Row], comp: dict[str, float], tol: float) -> list[str]:
    """Booked capacity >= 0, the plan's own load within it and so the highest closure load
    the sheet reports; its base_load and booking_cost columns; the booking_cost component."""
    plan = ctx.plan
    reported = {(_id(r["route"]), _id(r["period"])): r for r in rows}
    pairs = {(rid, t) for _, rid, t in ctx.keys if plan.routes[rid].booking_cost is not None}
    load: dict[tuple[str, str], float] = defaultdict(float)
    for (ident, rid, t), vol in ctx.flows.items():
        load[rid, t] += plan.comm[plan.commodity_of(ident)]["use"] * vol
    problems = []
    for rid, t in sorted(pairs, key=lambda p: (p[0], plan.pidx.get(p[1], 0))):
        where = f"Booking route {rid} period {t}"
        booked = _num(reported.get((rid, t), {}).get("booked"))
        if booked is None:
            problems.append(f"{where}: nothing booked, but the route has a booking_cost")
            booked = 0.0
        elif booked < -tol:
            problems.append(f"{where}: booked {booked:g} is negative")
        if _exceeds(load.get((rid, t), 0.0), booked, tol):
            problems.append(
                f"{where}: the plan's own load {load[rid, t]:g} exceeds the {booked:g} booked"
            )
        ctx.booked[rid, t] = booked
        comp["booking_cost"] += plan.routes[rid].booking_cost * booked
        row = reported.get((rid, t), {})
        highest = _num(row.get("highest_closure_load"), 0.0)
        if _exceeds(highest, booked, tol):
            problems.append(f"{where}: highest_closure_load {highest:g} > the {booked:g} booked")
        cost = _num(row.get("booking_cost"))
        if cost is not None and not _close(cost, plan.routes[rid].booking_cost * booked, tol):
            problems.append(f"{where}: booking_cost {cost:g} is not booked x the route's price")
    for (rid, t), r in reported.items():
        where = f"Booking route {rid} period {t}"
        if (rid, t) not in pairs and _num(r.get("booked")) is not None:
            problems.append(f"{where}: booked, but it needs no booking")
        base = _num(r.get("base_load"))
        if base is not None and not _close(base, load.get((rid, t), 0.0), tol):
            problems.append(f"{where}: base_load {base:g}, the plan's load is {load[rid, t]:g}")
    return problems


def _check_robustness(
    ctx: Context,
    rows: list[Row],
    copies: dict[tuple[str, str], tuple[Recourse, Outcome, float]],
    tol: float,
) -> list[str]:
    """The Robustness sheet against the recomputed copies (see the module docstring)."""
    plan = ctx.plan
    reported = {(_id(r["closure"]), _id(r["period"]), _id(r["commodity"])): r for r in rows}
    problems = []
    for (closure, t), (rec, out, plan_cost) in copies.items():
        where = f"Robustness {closure} period {t}"
        total = reported.get((closure, t, "ALL"))
        if total is None:
            problems.append(f"{where}: no row (commodity ALL) for this guarded closure-period")
            continue
        for col, want in (
            ("probability", rec.guard.probability),
            ("min_delivery", rec.guard.min_delivery),
        ):
            got = _num(total.get(col))
            if got is not None and abs(got - want) > tol:
                problems.append(f"{where}: {col} {got:g}, the guard says {want:g}")
        if out.cost is None:
            continue
        change = out.cost - plan_cost
        got = _num(total.get("total_cost_change"))
        scale = max(1.0, abs(out.cost), abs(plan_cost))
        if got is None or abs(got - change) > tol * scale:
            problems.append(
                f"{where}: total_cost_change {'blank' if got is None else f'{got:.10g}'} != "
                f"least recourse cost {out.cost:.10g} - "
                f"the plan's period cost {plan_cost:.10g} = {change:.10g}"
            )
        for (c, tt, k), r in reported.items():
            if (c, tt) != (closure, t) or k == "ALL":
                continue
            stopped = sum(
                vol
                for (ident, rid, p), vol in ctx.flows.items()
                if p == t and rid in rec.closed and plan.commodity_of(ident) == k
            )
            got = _num(r.get("stopped"), 0.0)
            if abs(got - stopped) > tol * max(1.0, stopped):
                problems.append(f"{where} {k}: stopped {got:g}, the plan has {stopped:g} there")
            for col, coefs in (("delivered", rec.delivered), ("shortfall", rec.lost)):
                got = _num(r.get(col), 0.0)
                terms = coefs.get(k, {})
                at_best = sum(out.x[c] * v for c, v in terms.items())
                if abs(got - at_best) <= tol * max(1.0, abs(at_best)):
                    continue
                lo, hi = value_range(rec, out.cost, terms)
                slack = tol * max(1.0, abs(lo), abs(hi))
                if got < lo - slack or got > hi + slack:
                    problems.append(
                        f"{where} {k}: {col} {got:g}, but every least-cost recourse gives "
                        f"{lo:g} to {hi:g}"
                    )
    for closure, t, k in reported:
        if k == "ALL" and (closure, t) not in copies:
            problems.append(
                f"Robustness {closure} period {t}: not a guarded closure-period (no flow "
                "variable of that period closes, or the closure is not guarded)"
            )
    return problems


def check_robust(
    plan: Plan,
    res: dict[str, list[Row]],
    flows: Flows,
    units: dict[str, float],
    tol: float,
) -> tuple[dict[str, float], list[str]]:
    """The robust plan's cost components (booking_cost, expected_recourse_cost) and its
    problems; nothing outside robust mode."""
    comp = dict.fromkeys(ROBUST_COMPONENTS, 0.0)
    if plan.robust_min_delivery is None:
        return comp, []
    ctx = context(plan, flows, res, units)
    problems = []
    if "booking" not in res and any(r.booking_cost is not None for r in plan.routes.values()):
        problems.append("robust plan: the results workbook has no Booking sheet")
    problems += _check_booking(ctx, res.get("booking", []), comp, tol)
    copies = {}
    for guard in guards(plan, ctx.keys):
        closed = closed_routes(plan, guard)
        for t in plan.periods:
            if not any(rid in closed for _, rid, _ in ctx.by_period.get(t, [])):
                continue
            rec = build_recourse(ctx, guard, t)
            out = solve_recourse(rec, tol)
            problems += out.problems
            plan_cost = plan_period_cost(ctx, t)
            copies[guard.name, t] = (rec, out, plan_cost)
            if out.cost is not None and guard.probability > 0:
                comp["expected_recourse_cost"] += guard.probability * max(0.0, out.cost - plan_cost)
    if "robustness" not in res:
        problems.append("robust plan: the results workbook has no Robustness sheet")
    else:
        problems += _check_robustness(ctx, res["robustness"], copies, tol)
    return comp, problems

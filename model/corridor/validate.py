"""Cross-sheet checks on typed tables; every problem is collected, none stops the others.

Checks: duplicate ids (also up to case and spacing), label casing (GE vs Ge), references
between sheets with near-miss suggestions, route connectivity and revisits, contract rows
that overlap or disagree, contract route lists, capacity rows per target and period,
Limits rules that could never be honoured, and settings (report_currency and exchange_rate
go together).

Sourcing (spec section 6): Demand rows that overlap; Offers whose rows disagree or overlap,
whose id is a contract's, whose min_volume is above max_volume, or that sell to no demand;
Stocks given twice, with levels out of order, or not at a destination with demand.
Robust plans (section 7): Disruptions closures as `kind:id` of the closure vocabulary,
probabilities summing to at most 1, and the robust_min_delivery setting they need.

With the routes' facts (`data.route_facts`): a contract whose max_days no eligible route
meets (an error); offers that no route, or no route within max_days, can serve; capacities
that look like a unit slip; routes dropped for a commodity's modes (warnings).
Scenario values (`parse_scenario_value`): factors, never percentages.

Where the sheet that defines a kind of id could not be read, references to that kind are
not judged (the caller passes `skip`), so one root cause gives one error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .errors import Issues, quantity, show, suggest
from .io.cells import CellError, Table, as_number, is_blank, parse_value
from .schema import CLOSURE_KINDS, SETTINGS, Column, normalise_name

POSITIVE_SETTINGS = ("exchange_rate",)  # settings that must be > 0, not only >= 0


def fold(text: str) -> str:
    """Ids equal up to case and spacing fold to the same key."""
    return "".join(text.lower().split()).replace("_", "")


def check_unique(table: Table, column: str, issues: Issues, what: str) -> None:
    """An id used twice, or twice up to case and spacing, is an error."""
    seen: dict[str, tuple[str, int]] = {}
    frame = table.frame
    for value, row in zip(frame[column], frame["_row"], strict=True):
        if value is None:
            continue
        key = fold(value)
        if key in seen:
            first, first_row = seen[key]
            how = (
                "again"
                if first == value
                else f"again as {first!r} (ids differ only in case or spacing)"
            )
            issues.error(
                table.sheet,
                table.cell(column, row),
                column,
                value,
                f"{what} id used {how}; first in row {first_row}",
                "duplicate-id",
            )
        else:
            seen[key] = (value, row)


def check_labels(
    places: Iterable[tuple[Table, str, object, int]], issues: Issues, what: str
) -> None:
    """Labels of one kind (countries...) that differ only in case or spacing are an error."""
    seen: dict[str, tuple[str, str]] = {}
    for table, column, value, row in places:
        for label in value if isinstance(value, tuple) else (value,):
            if label is None:
                continue
            key = fold(label)
            if key in seen and seen[key][0] != label:
                issues.error(
                    table.sheet,
                    table.cell(column, row),
                    column,
                    label,
                    f"{what} {label!r} differs from {seen[key][0]!r} "
                    f"({seen[key][1]}) only in case or spacing; use one spelling",
                    "label-case",
                )
            seen.setdefault(key, (label, f"{table.sheet}!{table.cell(column, row)}"))


def check_refs(
    table: Table,
    column: str,
    known: Iterable[str],
    issues: Issues,
    what: str,
    allow: tuple[str, ...] = (),
) -> None:
    """Every reference in `column` must name an existing id exactly."""
    known_set = set(known)
    for value, row in zip(table.frame[column], table.frame["_row"], strict=True):
        if value is None:
            continue
        for item in value if isinstance(value, tuple) else (value,):
            if item not in known_set and item not in allow:
                issues.error(
                    table.sheet,
                    table.cell(column, row),
                    column,
                    item,
                    f"unknown {what}{suggest(item, known_set)}",
                    "unknown-ref",
                )


def parse_settings(table: Table | None, issues: Issues) -> dict[str, object]:
    settings = {name: s.default for name, s in SETTINGS.items()}
    if table is None:
        return settings
    seen: dict[str, int] = {}
    failed: set[str] = set()  # settings whose value did not parse
    for name, raw, row in zip(
        table.frame["setting"], table.frame["value"], table.frame["_row"], strict=True
    ):
        key = normalise_name(name)
        if key not in SETTINGS:
            issues.error(
                table.sheet,
                table.cell("setting", row),
                "setting",
                name,
                f"unknown setting{suggest(key, SETTINGS)}",
                "unknown-setting",
            )
            continue
        if key in seen:
            issues.error(
                table.sheet,
                table.cell("setting", row),
                "setting",
                name,
                f"setting given twice (first in row {seen[key]})",
                "duplicate-id",
            )
            continue
        seen[key] = row
        spec = SETTINGS[key]
        if raw is None or is_blank(raw):
            continue
        try:
            if spec.kind == "list":  # a comma-separated list of choices
                items = parse_value(raw, Column(key, "labels"))
                settings[key] = tuple(
                    parse_value(item, Column(key, "choice", choices=spec.choices)) for item in items
                )
            else:
                column = Column(
                    key,
                    spec.kind,
                    minimum=spec.minimum,
                    choices=spec.choices,
                    positive=key in POSITIVE_SETTINGS,
                )
                settings[key] = parse_value(raw, column)
        except CellError as exc:
            failed.add(key)
            issues.error(
                table.sheet, table.cell("value", row), "value", raw, f"{key}: {exc}", exc.code
            )
    if settings["time_limit"] is not None and settings["time_limit"] <= 0:
        issues.error(
            table.sheet,
            "",
            "value",
            settings["time_limit"],
            "time_limit must be > 0 seconds",
            "bad-number",
        )
    _check_setting_pairs(table, settings, failed, issues)
    return settings


def setting_cell(table: Table | None, name: str) -> tuple[str, str]:
    """(sheet, cell) of a setting's value; the cell is '' when the setting has no row."""
    if table is None:
        return "Settings", ""
    frame = table.frame
    hit = [
        row
        for setting, row in zip(frame["setting"], frame["_row"], strict=True)
        if setting is not None and normalise_name(setting) == name
    ]
    return table.sheet, table.cell("value", int(hit[0])) if hit else ""


def _check_setting_pairs(
    table: Table, settings: dict[str, object], failed: set[str], issues: Issues
) -> None:
    """report_currency and exchange_rate go together: one converts into the other."""
    currency, rate = settings["report_currency"], settings["exchange_rate"]
    if currency is not None and rate is None and "exchange_rate" not in failed:
        sheet, cell = setting_cell(table, "exchange_rate")
        issues.error(
            sheet,
            cell,
            "exchange_rate",
            None,
            f"report_currency {currency} needs an exchange_rate (units of {currency} per "
            f"{settings['currency']})",
            "missing-setting",
        )
    if rate is not None and currency is None and "report_currency" not in failed:
        sheet, cell = setting_cell(table, "report_currency")
        issues.error(
            sheet,
            cell,
            "report_currency",
            None,
            "exchange_rate is set but report_currency is not; name the currency it converts into",
            "missing-setting",
        )


def check_routes(routes: Table, legs: pd.DataFrame, issues: Issues) -> set[str]:
    """Consecutive legs connect and no node appears twice. Returns the sound route ids
    (`legs` holds only the legs whose ends are known nodes)."""
    ends = legs[["from", "to"]].to_dict("index")
    sound = set()
    for route, seq, row in zip(
        routes.frame["route"], routes.frame["legs"], routes.frame["_row"], strict=True
    ):
        if not seq or any(leg not in ends for leg in seq):
            continue  # unknown legs are reported by check_refs
        before = len(issues.errors)
        where = routes.cell("legs", row)
        for a, b in zip(seq, seq[1:], strict=False):
            if ends[a]["to"] != ends[b]["from"]:
                issues.error(
                    routes.sheet,
                    where,
                    "legs",
                    " > ".join(seq),
                    f"route {route}: leg {a} ends at {ends[a]['to']} but the next leg "
                    f"{b} starts at {ends[b]['from']}",
                    "bad-route",
                )
        nodes = [ends[seq[0]]["from"], *(ends[leg]["to"] for leg in seq)]
        repeated = sorted({n for n in nodes if nodes.count(n) > 1})
        if repeated:
            issues.error(
                routes.sheet,
                where,
                "legs",
                " > ".join(seq),
                f"route {route} visits node(s) {', '.join(repeated)} more than once",
                "bad-route",
            )
        if len(issues.errors) == before:
            sound.add(route)
    return sound


def check_contract_rows(contracts: Table, issues: Issues) -> None:
    """Rows of one contract agree on commodity, origin, destination and do not overlap."""
    frame = contracts.frame
    check_key_case(contracts, "contract", issues, "contract")
    same = frame[(frame["origin"] == frame["destination"]) & frame["origin"].notna()]
    for rec in same.to_dict("records"):
        issues.error(
            contracts.sheet,
            contracts.cell("destination", rec["_row"]),
            "destination",
            rec["destination"],
            f"contract {rec['contract']}: origin and destination are the same node",
            "same-ends",
        )
    check_rows_agree(contracts, "contract", ("commodity", "origin", "destination"), issues)
    check_period_overlap(contracts, ("contract",), issues, lambda k: f"contract {k[0]}")


def _repeated(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The rows whose key (no part blank) is shared with another row; most keys have one."""
    shared = frame.duplicated(keys, keep=False)
    for k in keys:
        shared &= frame[k].notna()
    return frame[shared]


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return sorted(a) == sorted(b)  # a list of destinations is a set
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return a == b


def _shown(value: object) -> object:
    return ", ".join(value) if isinstance(value, tuple) else value


def check_rows_agree(table: Table, key: str, columns: tuple[str, ...], issues: Issues) -> None:
    """The rows of one contract (offer) agree on `columns`; a cell that differs from the
    key's first row is named."""
    repeated = _repeated(table.frame, [key])
    if repeated.empty:
        return
    firsts = repeated.drop_duplicates(key).set_index(key)
    first_row = repeated[key].map(firsts["_row"]).to_numpy()
    found = []
    for order, col in enumerate(columns):
        reference = repeated[key].map(firsts[col]).to_numpy()
        values = repeated[col].to_numpy()
        for i in np.flatnonzero([not _same(a, b) for a, b in zip(values, reference, strict=True)]):
            row, first = int(repeated["_row"].iat[i]), int(first_row[i])
            if (col, row) in table.failed or (col, first) in table.failed:
                continue  # a cell that did not parse is reported already
            found.append((row, order, col, values[i], reference[i], first, repeated[key].iat[i]))
    for row, _, col, value, reference, first, ident in sorted(found, key=lambda f: f[:2]):
        shown = "blank" if reference is None else show(_shown(reference))
        issues.error(
            table.sheet,
            table.cell(col, row),
            col,
            _shown(value),
            f"{key} {ident} has {shown} in row {first}; all its rows must agree",
            "rows-disagree",
        )


def check_period_overlap(
    table: Table, keys: tuple[str, ...], issues: Issues, describe: Callable[[tuple], str]
) -> None:
    """Rows of one key (a contract; a destination and commodity) may not overlap in period:
    a blank period means every period, so it overlaps any other row."""
    repeated = _repeated(table.frame, list(keys))
    # only keys with a period given twice, or a blank period among several rows, can clash
    clash_rows = repeated.duplicated([*keys, "period"], keep=False) | repeated["period"].isna()
    suspects = set(repeated.loc[clash_rows, list(keys)].itertuples(index=False, name=None))
    if not suspects:
        return
    groups: dict[tuple, list[tuple[object, int]]] = defaultdict(list)
    for rec in repeated[[*keys, "period", "_row"]].itertuples(index=False, name=None):
        if rec[: len(keys)] in suspects:
            groups[rec[: len(keys)]].append(rec[len(keys) :])
    for key, recs in groups.items():
        periods_seen: dict[object, int] = {}
        for p, row in recs:
            if ("period", row) in table.failed:
                continue
            clash = periods_seen.get(p) or (periods_seen.get(None) if p is not None else None)
            if p is None and periods_seen:
                clash = next(iter(periods_seen.values()))
            if clash:
                issues.error(
                    table.sheet,
                    table.cell("period", row),
                    "period",
                    p or "(blank = every period)",
                    f"{describe(key)} already has a row for this period (row {clash}); "
                    "rows may not overlap",
                    "overlap",
                )
            periods_seen.setdefault(p, row)


def check_key_case(table: Table, column: str, issues: Issues, what: str) -> None:
    """Keys that may repeat (a contract split by period) may not differ only in case."""
    frame = table.frame[[column, "_row"]]
    frame = frame[frame[column].notna()]
    folded = frame[column].astype(str).str.lower().str.replace(r"[\s_]", "", regex=True)
    spellings = frame.assign(_fold=folded.to_numpy()).drop_duplicates([column])
    clashes = spellings[spellings.duplicated("_fold", keep=False)]  # rare: loop over them only
    first: dict[str, tuple[str, int]] = {}
    for value, row, key in clashes.itertuples(index=False, name=None):
        if key not in first:
            first[key] = (value, row)
            continue
        issues.error(
            table.sheet,
            table.cell(column, row),
            column,
            value,
            f"{what} id differs from {first[key][0]!r} (row {first[key][1]}) only in case "
            "or spacing; use one spelling",
            "duplicate-id",
        )


def check_capacity_rows(
    capacities: Table, known: dict[str, set[str]], issues: Issues, skip: set[str] = frozenset()
) -> None:
    """A target exists (unless its kind is in `skip`: its sheet could not be read) and has at
    most one row per period."""
    seen: dict[tuple[str, str], dict[object, int]] = defaultdict(dict)
    for rec in capacities.frame.to_dict("records"):
        kind, target, row = rec["target_type"], rec["target"], rec["_row"]
        if kind is None or target is None:
            continue
        if kind in skip:
            continue
        if target not in known[kind]:
            issues.error(
                capacities.sheet,
                capacities.cell("target", row),
                "target",
                target,
                f"unknown {kind}{suggest(target, known[kind])}",
                "unknown-ref",
            )
            continue
        periods = seen[(kind, target)]
        p = rec["period"]
        clash = periods.get(p) or (periods.get(None) if p is not None else None)
        if p is None and periods:
            clash = next(iter(periods.values()))
        if clash:
            issues.error(
                capacities.sheet,
                capacities.cell("period", row),
                "period",
                p or "(blank = every period)",
                f"{kind} {target} already has a capacity for this period (row {clash})",
                "overlap",
            )
        periods.setdefault(p, row)


def check_limits(
    limits: Table, known: dict[str, set[str]], issues: Issues, skip: set[str] = frozenset()
) -> None:
    """Each rule sets at least one bound; bounds are consistent; named values exist (ids of a
    kind in `skip`, whose sheet could not be read, are not judged)."""
    bounds = ("max_share", "min_share", "max_volume", "min_volume")
    for rec in limits.frame.to_dict("records"):
        row = rec["_row"]
        # a bound cell that did not parse (max_share 50) is its own error, not "no bound"
        if all(rec[b] is None for b in bounds) and not any(
            (b, row) in limits.failed for b in bounds
        ):
            issues.error(
                limits.sheet,
                limits.cell("rule", row),
                "rule",
                rec["rule"],
                "the rule sets no bound; fill max_share, min_share, max_volume or min_volume",
                "rule-no-bound",
            )
        for lo, hi in (("min_share", "max_share"), ("min_volume", "max_volume")):
            if rec[lo] is not None and rec[hi] is not None and rec[lo] > rec[hi]:
                issues.error(
                    limits.sheet,
                    limits.cell(lo, row),
                    lo,
                    rec[lo],
                    f"{lo} is above {hi} ({quantity(rec[hi])}); no flow could meet both",
                    "bounds-order",
                )
        value, measure = rec["value"], rec["measure"]
        if (
            measure in ("node", "route")
            and measure not in skip
            and value not in (None, "*")
            and value not in known[measure]
        ):
            issues.error(
                limits.sheet,
                limits.cell("value", row),
                "value",
                value,
                f"unknown {measure}{suggest(value, known[measure])}",
                "unknown-ref",
            )
        for column, kind in (
            ("destination", "node"),
            ("commodity", "commodity"),
            ("period", "period"),
            ("origin", "node"),
            ("contract", "contract"),
        ):
            v = rec[column]
            if v not in ("*", "ALL", None) and kind not in skip and v not in known[kind]:
                issues.error(
                    limits.sheet,
                    limits.cell(column, row),
                    column,
                    v,
                    f"unknown {kind}{suggest(v, known[kind])}; or use * or ALL",
                    "unknown-ref",
                )


# --- sourcing: Demand, Offers, Stocks (spec section 6) ------------------------------------


def check_demand(demand: Table, issues: Issues) -> None:
    """Rows of one destination and commodity may not overlap in period."""
    check_period_overlap(
        demand, ("destination", "commodity"), issues, lambda k: f"demand for {k[1]} at {k[0]}"
    )


def demand_pairs(demand: Table | None, known: dict[str, set[str]]) -> set[tuple[str, str]] | None:
    """(destination, commodity) pairs with a Demand row, or None when the Demand sheet cannot
    be judged against (absent, unreadable, or a row whose destination or commodity is itself
    in error: that error is the one to fix first)."""
    if demand is None or not demand.complete:
        return None
    frame = demand.frame
    pairs = set(zip(frame["destination"], frame["commodity"], strict=True))
    if any(d not in known["node"] or k not in known["commodity"] for d, k in pairs):
        return None
    return pairs


def check_offers(
    offers: Table,
    contracts: Table | None,
    pairs: set[tuple[str, str]] | None,
    known: dict[str, set[str]],
    issues: Issues,
) -> None:
    """An offer's rows agree and do not overlap; offer ids differ from contract ids;
    min_volume <= max_volume; an offer sells a commodity some destination demands, and
    each destination it lists has a Demand row for that commodity."""
    frame = offers.frame
    check_key_case(offers, "offer", issues, "offer")
    check_rows_agree(
        offers,
        "offer",
        ("supplier", "commodity", "origin", "fixed_cost", "destinations", "max_days"),
        issues,
    )
    check_period_overlap(offers, ("offer",), issues, lambda k: f"offer {k[0]}")
    if contracts is not None:
        first_contract: dict[str, tuple[str, int]] = {}
        for c, row in zip(contracts.frame["contract"], contracts.frame["_row"], strict=True):
            if c is not None:
                first_contract.setdefault(fold(c), (c, row))
        reported: set[str] = set()
        for offer, row in zip(frame["offer"], frame["_row"], strict=True):
            hit = first_contract.get(fold(offer)) if offer is not None else None
            if hit is None or offer in reported:
                continue
            reported.add(offer)
            how = "" if hit[0] == offer else f" {hit[0]!r} up to case or spacing"
            issues.error(
                offers.sheet,
                offers.cell("offer", row),
                "offer",
                offer,
                f"offer id is also contract id{how} ({contracts.sheet}!"
                f"{contracts.cell('contract', hit[1])}); offer and contract ids must differ",
                "id-clash",
            )
    for lo, hi, row in zip(frame["min_volume"], frame["max_volume"], frame["_row"], strict=True):
        if lo is not None and hi is not None and lo > hi:
            issues.error(
                offers.sheet,
                offers.cell("min_volume", row),
                "min_volume",
                lo,
                f"min_volume is above max_volume ({quantity(hi)}); the offer could never be taken",
                "bounds-order",
            )
    if pairs is None:
        return
    demanded = {k for _, k in pairs}
    for rec in frame.drop_duplicates("offer").to_dict("records"):
        offer, commodity, row = rec["offer"], rec["commodity"], rec["_row"]
        if offer is None or commodity not in known["commodity"]:
            continue
        if commodity not in demanded:
            issues.error(
                offers.sheet,
                offers.cell("commodity", row),
                "commodity",
                commodity,
                f"offer {offer} sells {commodity} but no Demand row asks for {commodity}; add "
                "the demand, or remove the offer",
                "no-demand",
            )
            continue
        for destination in rec["destinations"] or ():
            if destination in known["node"] and (destination, commodity) not in pairs:
                issues.error(
                    offers.sheet,
                    offers.cell("destinations", row),
                    "destinations",
                    destination,
                    f"offer {offer}: no Demand row for {commodity} at {destination}; an offer "
                    "serves only destinations with demand for its commodity",
                    "no-demand",
                )


def check_stocks(
    stocks: Table, pairs: set[tuple[str, str]] | None, known: dict[str, set[str]], issues: Issues
) -> None:
    """One row per node and commodity, at a destination with demand for it; levels ordered."""
    seen: dict[tuple[str, str], int] = {}
    for rec in stocks.frame.to_dict("records"):
        node, commodity, row = rec["node"], rec["commodity"], rec["_row"]
        top = rec["max_level"]
        for column in ("min_level", "initial"):
            if top is not None and rec[column] is not None and rec[column] > top:
                issues.error(
                    stocks.sheet,
                    stocks.cell(column, row),
                    column,
                    rec[column],
                    f"{column} is above max_level ({quantity(top)}); the store cannot hold it",
                    "bounds-order",
                )
        if node is None or commodity is None:
            continue
        if (node, commodity) in seen:
            issues.error(
                stocks.sheet,
                stocks.cell("node", row),
                "node",
                node,
                f"a stock of {commodity} at {node} is already given in row "
                f"{seen[(node, commodity)]}; one row per node and commodity",
                "duplicate-id",
            )
            continue
        seen[(node, commodity)] = row
        if (
            pairs is not None
            and node in known["node"]
            and commodity in known["commodity"]
            and (node, commodity) not in pairs
        ):
            issues.error(
                stocks.sheet,
                stocks.cell("node", row),
                "node",
                node,
                f"no Demand row for {commodity} at {node}; a stock is held at a destination "
                "with demand for its commodity",
                "no-demand",
            )


def check_sourcing_sheets(tables: dict[str, Table], issues: Issues) -> None:
    """Offers and Stocks serve a Demand sheet: without one, one error per sheet (not one per
    row). Offers without Demand or Contracts are reported when the sheets are read."""
    if "Demand" in tables:
        return
    for name, what in (("Offers", "an offer"), ("Stocks", "a stock")):
        table = tables.get(name)
        if table is None or table.frame.empty:
            continue
        if name == "Offers" and "Contracts" not in tables:
            continue  # "required sheet Contracts is missing; Offers need a Demand sheet"
        issues.error(
            table.sheet,
            "",
            "",
            None,
            f"the {name} sheet needs a Demand sheet: {what} serves what a destination needs; "
            "add Demand rows (destination, commodity, volume)",
            "no-demand",
        )


# --- robust plans: Disruptions (spec section 7) -------------------------------------------


def parse_closure(text: str, ids: dict[str, set[str] | None]) -> tuple[str, str]:
    """'kind:id' of the closure vocabulary -> (kind, id). CellError names what is wrong;
    a kind whose ids are None (their sheet failed) is not judged for its ids."""
    example = "e.g. country:RU, chokepoint:Bosporus"
    if ":" not in text:
        raise CellError(
            f"expected kind:id ({example}) with kind one of {', '.join(CLOSURE_KINDS)}",
            "bad-closure",
        )
    kind, ident = (part.strip() for part in text.split(":", 1))
    key = normalise_name(kind)
    if key not in CLOSURE_KINDS:
        raise CellError(
            f"unknown kind {kind!r}; expected one of {', '.join(CLOSURE_KINDS)}"
            f"{suggest(key, CLOSURE_KINDS)}",
            "bad-closure",
        )
    if not ident:
        raise CellError(f"expected an id after '{key}:' ({example})", "bad-closure")
    known = ids.get(key)
    if known is not None and ident not in known:
        raise CellError(
            f"unknown {key.replace('_', ' ')} {ident!r}{suggest(ident, known)}", "unknown-ref"
        )
    return key, ident


def setting_failed(table: Table | None, name: str) -> bool:
    """True when the setting has a row whose value did not parse (reported already)."""
    if table is None:
        return False
    for setting, row in zip(table.frame["setting"], table.frame["_row"], strict=True):
        if setting is not None and normalise_name(setting) == name:
            return ("value", row) in table.failed
    return False


def check_disruptions(
    table: Table,
    settings: dict[str, object],
    settings_table: Table | None,
    ids: dict[str, set[str] | None],
    issues: Issues,
) -> list[tuple[str | None, str | None]]:
    """Each closure is a known kind:id, listed once; probabilities sum to at most 1; the
    sheet with rows needs robust_min_delivery. Returns (kind, id) per row (None where bad)."""
    frame = table.frame
    if frame.empty:
        issues.warn(
            table.sheet,
            "",
            "",
            None,
            "the sheet has no rows, so a robust plan guards against no closure; list the "
            "closures (kind:id) or delete the sheet",
            "empty-sheet",
        )
        return []
    parsed: list[tuple[str | None, str | None]] = []
    seen: dict[tuple[str, str], int] = {}
    for closure, row in zip(frame["closure"], frame["_row"], strict=True):
        if closure is None:
            parsed.append((None, None))
            continue
        try:
            kind, ident = parse_closure(closure, ids)
        except CellError as exc:
            issues.error(
                table.sheet, table.cell("closure", row), "closure", closure, str(exc), exc.code
            )
            parsed.append((None, None))
            continue
        if (kind, ident) in seen:
            issues.error(
                table.sheet,
                table.cell("closure", row),
                "closure",
                closure,
                f"closure listed again; first in row {seen[(kind, ident)]}",
                "duplicate-id",
            )
        seen.setdefault((kind, ident), row)
        parsed.append((kind, ident))
    total = float(sum(p for p in frame["probability"] if p is not None and p == p))
    if total > 1 + 1e-9:
        issues.error(
            table.sheet,
            "",
            "probability",
            round(total, 12),
            f"the probabilities sum to {total:g}; a closure lasts one period and at most one "
            "happens in a period, so they may sum to at most 1",
            "probability-sum",
        )
    if settings["robust_min_delivery"] is None and not setting_failed(
        settings_table, "robust_min_delivery"
    ):
        sheet, cell = setting_cell(settings_table, "robust_min_delivery")
        issues.error(
            sheet,
            cell,
            "robust_min_delivery",
            None,
            f"the {table.sheet} sheet lists {len(frame)} closure(s) but robust_min_delivery is "
            "not set; set it (e.g. 0.9) to plan robustly against them, or delete the rows",
            "missing-setting",
        )
    return parsed


# --- checks that need the routes' facts (origin, destination, days) -----------------------


def join_codes(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inner join of two integer key arrays: (left position, right position) of every match,
    in left order and, for one left key, in right order (the order of a pandas merge).
    Negative keys match nothing."""
    order = np.argsort(right, kind="stable")
    top = int(max(left.max(initial=-1), right.max(initial=-1)))
    if top < 4 * (len(left) + len(right)) + 1024:  # dense keys: direct lookups
        per_key = np.bincount(right[right >= 0], minlength=top + 1)
        first = np.cumsum(per_key) - per_key + np.count_nonzero(right < 0)
        inside = left >= 0
        key = np.where(inside, left, 0)
        lo = first[key]
        counts = np.where(inside, per_key[key], 0)
    else:
        ordered = right[order]
        lo = np.searchsorted(ordered, left, side="left")
        counts = np.searchsorted(ordered, left, side="right") - lo
        counts[left < 0] = 0
    left_pos = np.repeat(np.arange(len(left), dtype=np.int64), counts)
    at = np.arange(len(left_pos), dtype=np.int64)
    at += np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return left_pos, order[at].astype(np.int64, copy=False)


def end_pair_keys(a: pd.DataFrame, b: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One int64 code per (origin, destination) of each row of `a` and of `b`, equal where
    the pair is; a blank end gives -1 in `a` and -2 in `b`, so it joins nothing."""
    na, nb = len(a), len(b)
    ends, _ = pd.factorize(
        np.concatenate(
            [
                a["origin"].to_numpy(dtype=object),
                a["destination"].to_numpy(dtype=object),
                b["origin"].to_numpy(dtype=object),
                b["destination"].to_numpy(dtype=object),
            ]
        )
    )
    ends = ends.astype(np.int64)
    size = max(int(ends.max(initial=0)), 0) + 1
    a_from, a_to = ends[:na], ends[na : 2 * na]
    b_from, b_to = ends[2 * na : 2 * na + nb], ends[2 * na + nb :]
    a_key = np.where((a_from < 0) | (a_to < 0), -1, a_from * size + a_to)
    b_key = np.where((b_from < 0) | (b_to < 0), -2, b_from * size + b_to)
    return a_key, b_key


def eligible_pairs(
    rows: pd.DataFrame,
    routes: pd.DataFrame,
    allowed: set[tuple[str, str]],
    *,
    by_name: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(row position, route position) of every route eligible for each row (see
    `eligible_routes`), ordered by row, then by the routes' order (by route id with
    `by_name`). Integer codes and numpy only: no merge of string columns."""
    n, n_routes = len(rows), len(routes)
    empty = np.zeros(0, dtype=np.int64)
    if n == 0 or n_routes == 0:
        return empty, empty.copy()
    route_key, row_key = end_pair_keys(routes, rows)
    # the routes in the order wanted within one pair of ends (the join keeps it)
    names = routes.index.to_numpy(dtype=object)
    perm = np.argsort(names, kind="stable") if by_name else np.arange(n_routes)
    pos, matched = join_codes(row_key, route_key[perm])
    route_pos = perm[matched]
    # the route must allow the row's commodity
    commodities = pd.Index(sorted({k for _, k in allowed}))
    ok = np.zeros((n_routes, max(len(commodities), 1)), dtype=bool)
    if allowed:
        pairs = np.array(list(allowed), dtype=object).reshape(-1, 2)
        r = routes.index.get_indexer(pairs[:, 0])
        k = commodities.get_indexer(pairs[:, 1])
        ok[r[r >= 0], k[r >= 0]] = True
    row_k = commodities.get_indexer(rows["commodity"].to_numpy(dtype=object))
    keep = (row_k[pos] >= 0) & ok[route_pos, np.maximum(row_k[pos], 0)]
    pos, route_pos = pos[keep], route_pos[keep]
    if "routes" in rows and len(pos):
        lists = rows["routes"].to_numpy()
        listed = np.fromiter((isinstance(v, tuple | list) for v in lists), bool, len(lists))
        if listed.any():  # a row's own route list narrows its routes
            check = np.flatnonzero(listed[pos])
            outside = [i for i in check if names[route_pos[i]] not in lists[pos[i]]]
            keep = np.ones(len(pos), dtype=bool)
            keep[outside] = False
            pos, route_pos = pos[keep], route_pos[keep]
    return pos, route_pos


def eligible_routes(
    rows: pd.DataFrame, routes: pd.DataFrame, allowed: set[tuple[str, str]]
) -> pd.DataFrame:
    """(pos, route, days): for each row (origin, destination, commodity and, when present, a
    `routes` list) the routes eligible for it (spec section 2): active (`routes` holds the
    active ones, with `route_facts`), joining its ends, allowing its commodity, in its list.
    `pos` is the row's position in `rows`; max_days is not applied."""
    pos, route_pos = eligible_pairs(rows, routes, allowed)
    return pd.DataFrame(
        {
            "pos": pos,
            "route": routes.index.to_numpy(dtype=object)[route_pos],
            "days": routes["days"].to_numpy(dtype=float)[route_pos],
        }
    )


def check_contract_max_days(
    table: Table,
    contracts: pd.DataFrame,
    routes: pd.DataFrame,
    allowed: set[tuple[str, str]],
    issues: Issues,
    report: Callable[..., None] | None = None,
) -> set[int]:
    """A Contracts row whose eligible routes are all slower than its max_days is an error at
    its max_days cell. Returns the rows reported (so "no eligible route" is not said again).
    A row with no eligible route at all is left to that error."""
    report = report or issues.error
    timed = contracts[contracts["max_days"].notna()]
    if timed.empty:
        return set()
    cand = eligible_routes(timed, routes, allowed)
    reported: set[int] = set()
    limits = timed["max_days"].to_numpy(dtype=float)
    for pos, group in cand.groupby("pos", sort=True):
        limit = limits[pos]
        if (group["days"] <= limit + 1e-9).any():
            continue
        rec = timed.iloc[pos]
        fastest = group.loc[group["days"].idxmin()]
        report(
            table.sheet,
            table.cell("max_days", rec["_row"]),
            "max_days",
            limit,
            f"contract {rec['contract']}: every eligible route is slower than max_days "
            f"{quantity(limit)} (fastest: {fastest['route']}, {quantity(fastest['days'])} days); "
            "raise max_days or add a faster route",
            "too-slow",
        )
        reported.add(int(rec["_row"]))
    return reported


def offer_destinations(offers: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    """One row per offer (its first row) and destination it may serve that has demand for
    its commodity: offer, pos (of the offer's first row), origin, destination, commodity,
    offer_days and demand_days (max_days, inf where blank)."""
    demand_days = (
        demand.assign(days=demand["max_days"].astype(float).fillna(np.inf))
        .groupby(["destination", "commodity"])["days"]
        .max()
        .to_dict()
    )
    by_commodity: dict[str, list[str]] = defaultdict(list)
    for d, k in demand_days:
        by_commodity[k].append(d)
    rows = []
    firsts = offers.drop_duplicates("offer")
    for pos, rec in enumerate(firsts.to_dict("records")):
        k = rec["commodity"]
        targets = rec["destinations"] if isinstance(rec["destinations"], tuple) else None
        for d in targets if targets is not None else by_commodity.get(k, ()):
            if (d, k) in demand_days:
                md = rec["max_days"]
                rows.append(
                    {
                        "offer": rec["offer"],
                        "pos": pos,
                        "origin": rec["origin"],
                        "destination": d,
                        "commodity": k,
                        "offer_days": np.inf if md is None or md != md else float(md),
                        "demand_days": demand_days[(d, k)],
                    }
                )
    columns = ["offer", "pos", "origin", "destination", "commodity", "offer_days", "demand_days"]
    return pd.DataFrame(rows, columns=columns)


def check_offer_routes(
    table: Table,
    offers: pd.DataFrame,
    demand: pd.DataFrame,
    routes: pd.DataFrame,
    allowed: set[tuple[str, str]],
    issues: Issues,
) -> None:
    """Warnings: an offer with no eligible route to any destination it may serve, or whose
    max_days (or the Demand rows' max_days) leaves it none; it can never be bought."""
    if offers.empty or demand.empty:
        return
    firsts = offers.drop_duplicates("offer").reset_index(drop=True)
    served = offer_destinations(offers, demand)
    if served.empty:
        return
    cand = eligible_routes(served, routes, allowed)
    # eligible_routes' pos is the position in `served`; served's own pos is the offer's
    chosen = served[["pos", "destination", "offer_days", "demand_days"]]
    chosen = chosen.rename(columns={"pos": "pos_offer"})
    cand = cand.merge(chosen, left_on="pos", right_index=True)
    for pos, group in served.groupby("pos", sort=True):
        rec = firsts.iloc[pos]
        offer, row = rec["offer"], rec["_row"]
        mine = cand[cand["pos_offer"] == pos]
        if mine.empty:
            issues.warn(
                table.sheet,
                table.cell("offer", row),
                "offer",
                offer,
                f"offer {offer} has no eligible route from {rec['origin']} to any of its "
                f"destinations ({', '.join(group['destination'])}); it cannot be bought",
                "no-route",
            )
            continue
        limit = np.minimum(mine["offer_days"], mine["demand_days"])
        if (mine["days"] <= limit + 1e-9).any():
            continue
        fastest = mine.loc[mine["days"].idxmin()]
        where = (
            f"fastest: {fastest['route']} to {fastest['destination']}, "
            f"{quantity(fastest['days'])} days"
        )
        if fastest["days"] > fastest["offer_days"] + 1e-9:
            issues.warn(
                table.sheet,
                table.cell("max_days", row),
                "max_days",
                fastest["offer_days"],
                f"offer {offer}: no route of at most {quantity(fastest['offer_days'])} days "
                f"reaches any of its destinations ({where}); it cannot be bought",
                "too-slow",
            )
        else:
            issues.warn(
                table.sheet,
                table.cell("offer", row),
                "offer",
                offer,
                f"offer {offer}: the Demand rows' max_days leave it no route to any of its "
                f"destinations ({where}); it cannot be bought",
                "too-slow",
            )


def check_demand_max_days(
    table: Table,
    demand: pd.DataFrame,
    offers: pd.DataFrame,
    routes: pd.DataFrame,
    allowed: set[tuple[str, str]],
    issues: Issues,
) -> None:
    """Warnings: a Demand row whose max_days leaves every offer that could serve it without
    a route (offers would reach it on slower routes); contracts and stock may still serve
    it, else it goes unmet or, where it must be met, the plan is infeasible."""
    timed = demand[demand["max_days"].notna()]
    if timed.empty or offers.empty:
        return
    served = offer_destinations(offers, demand)
    if served.empty:
        return
    cand = eligible_routes(served, routes, allowed)
    cand = cand.join(served[["destination", "commodity", "offer_days"]], on="pos")
    cand = cand[cand["days"] <= cand["offer_days"] + 1e-9]
    for rec in timed.to_dict("records"):
        mine = cand[
            (cand["destination"] == rec["destination"]) & (cand["commodity"] == rec["commodity"])
        ]
        limit = float(rec["max_days"])
        if mine.empty or (mine["days"] <= limit + 1e-9).any():
            continue
        fastest = mine.loc[mine["days"].idxmin()]
        issues.warn(
            table.sheet,
            table.cell("max_days", rec["_row"]),
            "max_days",
            limit,
            f"demand for {rec['commodity']} at {rec['destination']}: no offer reaches it "
            f"within max_days {limit:g} (fastest: {fastest['route']}, {fastest['days']:g} "
            "days); only contracts and stock can serve it",
            "too-slow",
        )


def _members(routes: pd.DataFrame) -> pd.DataFrame:
    """(route, type, id): the nodes and legs of each route, and the route itself."""
    parts = []
    for kind, column in (("node", "nodes"), ("leg", "legs")):
        exploded = routes[column].explode()
        parts.append(pd.DataFrame({"route": exploded.index, "type": kind, "id": exploded.values}))
    parts.append(pd.DataFrame({"route": routes.index, "type": "route", "id": routes.index}))
    return pd.concat(parts, ignore_index=True)


UNIT_SLIP_SHARE = 0.01  # a capacity below 1 % of the smallest volume using it looks like a slip


def check_unit_slips(
    tables: dict[str, Table],
    contracts: pd.DataFrame,
    commodities: pd.DataFrame,
    routes: pd.DataFrame,
    capacities: dict[str, pd.DataFrame],
    overrides: pd.DataFrame,
    allowed: set[tuple[str, str]],
    issues: Issues,
) -> None:
    """Warn where a node, leg or route capacity (or a Capacities row) is above 0 but below 1 %
    of the smallest per-period volume, in capacity units, of any contract with an eligible
    route (max_days applied) through it: most likely typed in another unit (kt for t).

    `capacities` maps node, leg and route to frames indexed by id with `capacity` and `_row`.
    """
    if contracts.empty or routes.empty:
        return
    cand = eligible_routes(contracts, routes, allowed)
    if cand.empty:
        return
    rows = contracts.iloc[cand["pos"].to_numpy()]
    cu = commodities["capacity_use"].astype(float)
    cand["volume"] = rows["volume"].to_numpy(dtype=float) * cu.reindex(rows["commodity"]).to_numpy()
    cand["contract"] = rows["contract"].to_numpy()
    cand["period"] = rows["period"].to_numpy()
    limit = rows["max_days"].astype(float).fillna(np.inf).to_numpy()
    cand = cand[cand["days"].to_numpy() <= limit + 1e-9]
    members = _members(routes)

    def smallest(part: pd.DataFrame) -> pd.DataFrame:
        """(type, id) -> the smallest volume through it and its contract."""
        per_route = part.sort_values("volume", kind="stable").drop_duplicates("route")
        through = members.merge(per_route[["route", "volume", "contract"]], on="route")
        return (
            through.sort_values("volume", kind="stable")
            .drop_duplicates(["type", "id"])
            .set_index(["type", "id"])
        )

    def warn(sheet: str, cell: str, kind: str, ident: str, capacity: float, hit) -> None:
        issues.warn(
            sheet,
            cell,
            "capacity",
            capacity,
            f"{kind} {ident}: capacity {quantity(capacity)} is below 1 % of the smallest contract "
            f"volume with an eligible route through it ({hit['contract']}: "
            f"{quantity(hit['volume'])} capacity units per period); is it in another unit "
            "(kt for t)?",
            "unit-slip",
        )

    overall = smallest(cand)
    smallest_volume = overall["volume"].to_numpy(dtype=float)
    for kind, sheet in (("node", "Nodes"), ("leg", "Legs"), ("route", "Routes")):
        frame, table = capacities[kind], tables.get(sheet)
        if table is None or frame.empty:
            continue
        capacity = frame["capacity"].to_numpy(dtype=float)
        at = overall.index.get_indexer(
            pd.MultiIndex.from_arrays(
                [np.full(len(frame), kind, dtype=object), frame.index.to_numpy(dtype=object)]
            )
        )
        with np.errstate(invalid="ignore"):
            slips = (at >= 0) & (capacity > 0)
            slips &= capacity < UNIT_SLIP_SHARE * smallest_volume[np.maximum(at, 0)]
        for i in np.flatnonzero(slips).tolist():
            hit = overall.iloc[at[i]]
            row = frame["_row"].iat[i]
            warn(table.sheet, table.cell("capacity", row), kind, frame.index[i], capacity[i], hit)
    table = tables.get("Capacities")
    if table is None or overrides.empty:
        return
    by_period: dict[object, pd.DataFrame] = {}
    for rec in overrides.to_dict("records"):
        capacity, period = rec["capacity"], rec["period"]
        if capacity is None or not capacity > 0:
            continue
        if period not in by_period:
            part = (
                cand if period is None else cand[cand["period"].isna() | (cand["period"] == period)]
            )
            by_period[period] = smallest(part)
        key = (rec["target_type"], rec["target"])
        if key in by_period[period].index:
            hit = by_period[period].loc[key]
            if capacity < UNIT_SLIP_SHARE * hit["volume"]:
                warn(table.sheet, table.cell("capacity", rec["_row"]), *key, capacity, hit)


def check_mode_drops(
    table: Table,
    routes: pd.DataFrame,
    legs: pd.DataFrame,
    commodities: pd.DataFrame,
    ends: pd.DataFrame,
    issues: Issues,
) -> None:
    """Warn where a route is dropped for a commodity because a leg's mode is not among the
    commodity's `modes`, naming route, commodity and legs. Only routes that would otherwise
    join the ends (origin, destination, commodity) of a contract or offer are named, so the
    Log is not flooded; routes with a `commodities` list decide alone and are left out."""
    if ends.empty or routes.empty:
        return
    modes = commodities["modes"].to_dict()
    ends = ends[["origin", "destination", "commodity"]].drop_duplicates()
    ends = ends[[bool(modes.get(k)) for k in ends["commodity"]]]  # no modes: nothing dropped
    unlisted = routes[[not isinstance(v, tuple) or not v for v in routes["commodities"]]]
    if ends.empty or unlisted.empty:
        return
    route_key, end_key = end_pair_keys(unlisted, ends)
    end_pos, route_pos = join_codes(end_key, route_key)
    route_ids = unlisted.index.to_numpy(dtype=object)
    end_commodity = ends["commodity"].to_numpy(dtype=object)
    mode = legs["mode"].to_dict()
    legs_of = unlisted["legs"].to_dict()
    # modes as bits (a handful of modes): a route's legs' against a commodity's, per pair
    bit = {
        m: 1 << i
        for i, m in enumerate(
            sorted(set(mode.values()) | {m for k in set(end_commodity) for m in modes[k]})
        )
    }
    route_bits = np.fromiter(
        (sum({bit[mode[leg]] for leg in legs_of[r]}) for r in route_ids),
        dtype=np.int64,
        count=len(route_ids),
    )
    commodity_bits = {k: sum(bit[m] for m in set(modes[k])) for k in set(end_commodity)}
    pair_commodity = end_commodity[end_pos]
    allowed_bits = np.fromiter(
        (commodity_bits[k] for k in pair_commodity.tolist()), np.int64, len(pair_commodity)
    )
    dropped = (route_bits[route_pos] & ~allowed_bits) != 0
    for route, commodity in sorted(
        set(
            zip(
                route_ids[route_pos[dropped]].tolist(),
                pair_commodity[dropped].tolist(),
                strict=True,
            )
        )
    ):
        allowed = modes[commodity]
        seq = legs_of[route]
        bad = [leg for leg in seq if mode[leg] not in allowed]
        which = ", ".join(f"{leg} ({mode[leg]})" for leg in bad)
        verb = "is" if len(bad) == 1 else "are"
        issues.warn(
            table.sheet,
            table.cell("legs", routes.at[route, "_row"]),
            "legs",
            " > ".join(routes.at[route, "legs"]),
            f"route {route} is dropped for {commodity}: leg{'s' * (len(bad) > 1)} {which} "
            f"{verb} not among {commodity}'s modes ({', '.join(allowed)})",
            "route-dropped",
        )


# --- Scenarios (spec section 5) -----------------------------------------------------------

FACTOR_CHANGES = ("scale_capacity", "scale_cost", "scale_volume", "set_price")
FACTOR_HINT = "1.2 means +20 %, 0.5 halves"


def parse_scenario_value(change: str, raw: object) -> float | None:
    """A Scenarios row's value: None for `close`; a factor >= 0 for the scale and price
    changes (1.2 means +20 %; a value written with % is refused with that hint); a share
    (0.4 or 40%) for `set_limit`. Raises CellError with the message for the value cell."""
    if change == "close":
        return None
    if raw is None or is_blank(raw):
        what = (
            "the new max_share (0 to 1, or 40%)"
            if change == "set_limit"
            else f"a factor (e.g. 1.2; {FACTOR_HINT})"
        )
        raise CellError(f"{change} needs {what}", "bad-factor")
    percent = isinstance(raw, str) and raw.strip().endswith("%")
    if percent and change != "set_limit":
        raise CellError(
            f"{change} takes a factor, not a percentage: write 1.2 for +20 % ({FACTOR_HINT})",
            "bad-factor",
        )
    try:
        number = as_number(raw.strip()[:-1] if percent else raw)
    except CellError as exc:
        want = (
            "the new max_share, a share (0.4 or 40%)"
            if change == "set_limit"
            else (f"a factor ({FACTOR_HINT})")
        )
        raise CellError(f"{exc}; {change} needs {want}", "bad-factor") from None
    if percent:
        number /= 100
    if number < 0:
        what = "a share" if change == "set_limit" else f"a factor ({FACTOR_HINT})"
        raise CellError(f"expected a number >= 0 as {what}", "bad-factor")
    if change == "set_limit" and number > 1:
        raise CellError("a share is at most 1 (100%)", "bad-factor")
    return number

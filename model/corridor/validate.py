"""Cross-sheet checks on typed tables; every problem is collected, none stops the others.

Checks: duplicate ids (also up to case and spacing), label casing (GE vs Ge), references
between sheets with near-miss suggestions, route connectivity and revisits, contract rows
that overlap or disagree, contract route lists, capacity rows per target and period,
Limits rules that could never be honoured, and settings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pandas as pd

from .errors import Issues, suggest
from .io.cells import CellError, Table, is_blank, parse_value
from .schema import SETTINGS, Column, normalise_name


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
                )


def parse_settings(table: Table | None, issues: Issues) -> dict[str, object]:
    settings = {name: s.default for name, s in SETTINGS.items()}
    if table is None:
        return settings
    seen: dict[str, int] = {}
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
            )
            continue
        if key in seen:
            issues.error(
                table.sheet,
                table.cell("setting", row),
                "setting",
                name,
                f"setting given twice (first in row {seen[key]})",
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
                column = Column(key, spec.kind, minimum=spec.minimum, choices=spec.choices)
                settings[key] = parse_value(raw, column)
        except CellError as exc:
            issues.error(table.sheet, table.cell("value", row), "value", raw, f"{key}: {exc}")
    if settings["time_limit"] is not None and settings["time_limit"] <= 0:
        issues.error(
            table.sheet, "", "value", settings["time_limit"], "time_limit must be > 0 seconds"
        )
    return settings


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
            )
        if len(issues.errors) == before:
            sound.add(route)
    return sound


def check_contract_rows(contracts: Table, issues: Issues) -> None:
    """Rows of one contract agree on commodity, origin, destination and do not overlap."""
    frame = contracts.frame
    same = frame[(frame["origin"] == frame["destination"]) & frame["origin"].notna()]
    for rec in same.to_dict("records"):
        issues.error(
            contracts.sheet,
            contracts.cell("destination", rec["_row"]),
            "destination",
            rec["destination"],
            f"contract {rec['contract']}: origin and destination are the same node",
        )
    repeated = frame[frame.duplicated("contract", keep=False)]  # most contracts have one row
    by_contract: dict[str, list[dict]] = defaultdict(list)
    for rec in repeated.to_dict("records"):
        by_contract[rec["contract"]].append(rec)
    for contract, recs in by_contract.items():
        first = recs[0]
        for rec in recs[1:]:
            for col in ("commodity", "origin", "destination"):
                if rec[col] != first[col]:
                    issues.error(
                        contracts.sheet,
                        contracts.cell(col, rec["_row"]),
                        col,
                        rec[col],
                        f"contract {contract} has {first[col]!r} in row "
                        f"{first['_row']}; all its rows must agree",
                    )
        periods_seen: dict[object, int] = {}
        for rec in recs:
            p = rec["period"]
            clash = periods_seen.get(p) or (periods_seen.get(None) if p is not None else None)
            if p is None and periods_seen:
                clash = next(iter(periods_seen.values()))
            if clash:
                issues.error(
                    contracts.sheet,
                    contracts.cell("period", rec["_row"]),
                    "period",
                    p or "(blank = every period)",
                    f"contract {contract} already has a row for this period "
                    f"(row {clash}); rows may not overlap",
                )
            periods_seen.setdefault(p, rec["_row"])


def check_capacity_rows(capacities: Table, known: dict[str, set[str]], issues: Issues) -> None:
    seen: dict[tuple[str, str], dict[object, int]] = defaultdict(dict)
    for rec in capacities.frame.to_dict("records"):
        kind, target, row = rec["target_type"], rec["target"], rec["_row"]
        if kind is None or target is None:
            continue
        if target not in known[kind]:
            issues.error(
                capacities.sheet,
                capacities.cell("target", row),
                "target",
                target,
                f"unknown {kind}{suggest(target, known[kind])}",
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
            )
        periods.setdefault(p, row)


def check_limits(limits: Table, known: dict[str, set[str]], issues: Issues) -> None:
    """Each rule sets at least one bound; bounds are consistent; named values exist."""
    bounds = ("max_share", "min_share", "max_volume", "min_volume")
    for rec in limits.frame.to_dict("records"):
        row = rec["_row"]
        if all(rec[b] is None for b in bounds):
            issues.error(
                limits.sheet,
                limits.cell("rule", row),
                "rule",
                rec["rule"],
                "the rule sets no bound; fill max_share, min_share, max_volume or min_volume",
            )
        for lo, hi in (("min_share", "max_share"), ("min_volume", "max_volume")):
            if rec[lo] is not None and rec[hi] is not None and rec[lo] > rec[hi]:
                issues.error(
                    limits.sheet,
                    limits.cell(lo, row),
                    lo,
                    rec[lo],
                    f"{lo} is above {hi} ({rec[hi]:g}); no flow could meet both",
                )
        value, measure = rec["value"], rec["measure"]
        if (
            measure in ("node", "route")
            and value not in (None, "*")
            and value not in known[measure]
        ):
            issues.error(
                limits.sheet,
                limits.cell("value", row),
                "value",
                value,
                f"unknown {measure}{suggest(value, known[measure])}",
            )
        for column, kind in (
            ("destination", "node"),
            ("commodity", "commodity"),
            ("period", "period"),
            ("origin", "node"),
            ("contract", "contract"),
        ):
            v = rec[column]
            if v not in ("*", "ALL", None) and v not in known[kind]:
                issues.error(
                    limits.sheet,
                    limits.cell(column, row),
                    column,
                    v,
                    f"unknown {kind}{suggest(v, known[kind])}; or use * or ALL",
                )

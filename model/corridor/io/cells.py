"""Raw cells -> typed tables, following the spec's reading conventions (section 1).

`parse_table` is the one place where a cell becomes a value; it serves workbooks read from
disk and DataFrames handed over by an embedding program alike, so both get the same checks
and the same messages (cells are named as if the frame were a sheet with headers in row 1).
`parse_sheets` does it for every input sheet of a workbook (or of a dict of frames) and
reports missing and doubled sheets. Each error carries the code of its kind (`errors`), and
each Table remembers the cells that failed, so a later check does not report them again.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Issues, column_letter, suggest
from ..schema import (
    BIG_NUMBER,
    INPUT_SHEETS,
    MODES,
    REQUIRED_SHEETS,
    Column,
    SheetSpec,
    canonical_sheet,
    normalise_name,
)
from .read import RawSheet

EXCEL_ERRORS = {
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
}
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
TRUE_WORDS = {"yes", "true", "1", "x", "y"}
FALSE_WORDS = {"no", "false", "0", "n"}
NONE_WORD = "none"
HEADER_SEARCH_ROWS = 30


class CellError(ValueError):
    """A cell that cannot become a value of its column's kind; the message says what's wanted,
    `code` which kind of problem it is (see `errors`)."""

    def __init__(self, message: str, code: str = "bad-number") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Table:
    """A typed input sheet: one row per data row, `_row` the Excel row number."""

    sheet: str
    frame: pd.DataFrame
    letters: dict[str, str] = field(default_factory=dict)  # column -> column letter
    # False when the sheet's columns could not be read at all (no header in row 1, a
    # required column missing): its ids are unknown, so references to them are not judged
    complete: bool = True
    failed: set[tuple[str, int]] = field(default_factory=set)  # (column, row) of bad cells

    def cell(self, column: str, row: int) -> str:
        return f"{self.letters.get(column, '?')}{row}"

    def __len__(self) -> int:
        return len(self.frame)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, (list, tuple)):  # a frame's list-valued cell with no items
        return len(value) == 0
    return isinstance(value, str) and value.strip() == ""


def _is_empty(value: object) -> bool:
    """None or '' (a whole-row test that must not compare arrays or odd objects with '')."""
    return value is None or (isinstance(value, str) and value == "")


LIST_TYPES = (list, tuple, np.ndarray)


def as_text(value: object) -> str:
    """Ids and labels are text: 12 and 12.0 both become '12'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("expected text, got a number that is not finite", "bad-id")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise CellError("expected text, got a date or time", "bad-id")
    if isinstance(value, (*LIST_TYPES, set, frozenset, dict)):
        raise CellError("expected one value, got a list", "bad-id")
    return str(value).strip()


def as_number(value: object) -> float:
    if isinstance(value, bool):
        raise CellError("expected a number, got a true/false value")
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise CellError("expected a number, got a date or time (format the cell as a number)")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if not PLAIN_NUMBER.fullmatch(text):
            raise CellError("expected a number; type it in a number cell (e.g. 2000 or 2.5)")
        number = float(text)
    if not math.isfinite(number):
        raise CellError("expected a finite number")
    if abs(number) >= BIG_NUMBER:
        raise CellError(f"expected a number below {BIG_NUMBER:g}; leave the cell blank for none")
    return number


def as_share(value: object) -> float:
    try:
        if isinstance(value, str) and value.strip().endswith("%"):
            number = as_number(value.strip()[:-1]) / 100
        else:
            number = as_number(value)
    except CellError as exc:
        raise CellError(str(exc), "bad-share") from None
    if not 0 <= number <= 1:
        raise CellError("expected a share between 0 and 1 (0.4 or 40%)", "bad-share")
    return number


def as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError("expected yes or no (also true/false, 1/0, x)", "bad-bool")


def check_id(text: str) -> str:
    if not text:
        raise CellError("expected an id, got an empty text", "bad-id")
    if "," in text or ">" in text:
        raise CellError("ids and labels may not contain ',' or '>'", "bad-id")
    return text


def as_list(value: object, column: Column) -> tuple[str, ...]:
    """A ','-separated cell (route legs: '>'), or a Python list or tuple from a frame."""
    if isinstance(value, LIST_TYPES):
        items = ["" if is_blank(item) else as_text(item) for item in value]
    else:
        items = [part.strip() for part in as_text(value).split(column.separator)]
    if any(not item for item in items):
        raise CellError(
            f"a list item is empty; separate items with {column.separator!r}", "bad-list"
        )
    if column.ref == "mode":
        return tuple(as_choice(item, MODES) for item in items)
    return tuple(check_id(item) for item in items)


def as_choice(value: object, choices: tuple[str, ...]) -> str:
    word = normalise_name(as_text(value))
    if word in choices:
        return word
    raise CellError(f"expected one of {', '.join(choices)}{suggest(word, choices)}", "bad-choice")


def parse_value(value: object, column: Column) -> object:
    """One non-blank cell -> its typed value, or CellError."""
    kind = column.kind
    if kind == "any":
        return value.strip() if isinstance(value, str) else value
    if kind == "number" or kind == "int":
        number = as_number(value)
        if column.minimum is not None:
            if column.positive and number <= column.minimum:
                raise CellError(f"expected a number > {column.minimum:g}")
            if number < column.minimum:
                raise CellError(f"expected a number >= {column.minimum:g}")
        if kind == "int":
            if not number.is_integer():
                raise CellError("expected a whole number")
            return int(number)
        return number
    if kind == "share":
        return as_share(value)
    if kind == "bool":
        return as_bool(value)
    if kind == "choice":
        return as_choice(value, column.choices)
    if kind in ("refs", "labels"):
        return as_list(value, column)
    if kind == "penalty":
        if isinstance(value, str) and value.strip().lower() == NONE_WORD:
            return NONE_WORD
        number = as_number(value)
        if number < 0:
            raise CellError("expected a number >= 0, or none")
        return number
    text = as_text(value)
    if kind == "scope":
        if text == "*" or text.upper() in ("ALL",):
            return text.upper()
        return check_id(text)
    if kind in ("id", "ref", "label", "key"):
        return check_id(text)
    return text  # text: kept as typed (trimmed)


TEXT_KINDS = ("id", "ref", "key", "label")
_CELL = re.compile(r"([A-Z]+)(\d+)")


def _cell_order(issue) -> tuple[int, int, str]:
    match = _CELL.fullmatch(issue.cell)
    if not match:
        return (0, 0, issue.cell)
    return (int(match.group(2)), len(match.group(1)), match.group(1))


def _parse_fast(raw: list[object], column: Column) -> list[object] | None:
    """The whole column at once when every cell is plainly of its kind (the common case of
    a large sheet); None sends the column through the cell-by-cell path and its messages."""
    blank = [v is None or (type(v) is str and v == "") for v in raw]  # _is_empty, inlined
    if any(blank):
        if column.required:
            return None
        filled = [v for v, b in zip(raw, blank, strict=True) if not b]
    else:
        filled = raw
    if column.kind in TEXT_KINDS:
        if not all(type(v) is str for v in filled):
            return None
        parsed = [v.strip() for v in filled]
        if not all(parsed) or any("," in v or ">" in v for v in parsed):
            return None
        if EXCEL_ERRORS.intersection(parsed):
            return None
    elif column.kind in ("number", "int"):
        if not all(type(v) is float or type(v) is int for v in filled):
            return None
        array = np.asarray(filled, dtype=float)
        if not np.isfinite(array).all() or (np.abs(array) >= BIG_NUMBER).any():
            return None
        if column.minimum is not None and (
            (array <= column.minimum).any() if column.positive else (array < column.minimum).any()
        ):
            return None
        if column.kind == "int":
            if not (array == np.round(array)).all():
                return None
            parsed = array.astype(int).tolist()
        else:
            parsed = array.tolist()
    else:
        return None
    if len(parsed) == len(raw):
        return parsed
    it = iter(parsed)
    return [column.default if b else next(it) for b in blank]


def _find_header(rows: list[list[object]], spec: SheetSpec) -> int | None:
    required = {c.name for c in spec.columns if c.required}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {normalise_name(v) for v in row if isinstance(v, str)}
        if required and required <= names:
            return index
    return None


def parse_table(
    spec: SheetSpec,
    rows: list[list[object]],
    issues: Issues,
    sheet_name: str | None = None,
    bad_cells: dict[tuple[int, int], str] | None = None,
    merged: list[str] | None = None,
) -> Table:
    """Rows from A1 (row 0 = header) -> a typed Table; problems go to `issues`."""
    sheet = sheet_name or spec.name
    bad_cells = bad_cells or {}
    names = [c.name for c in spec.columns]
    empty = Table(sheet, pd.DataFrame(columns=[*names, "_row"]), complete=False)
    if not any(not _is_empty(v) for row in rows for v in row) and not bad_cells:
        # a blank sheet is an empty table (judged by what needs rows), not a missing header
        return Table(sheet, empty.frame)
    header = rows[0] if rows else []
    found = _find_header(rows, spec)
    if found not in (None, 0):
        issues.error(
            sheet,
            f"A{found + 1}",
            "",
            None,
            f"the header row must be row 1 (found it in row {found + 1}); delete the rows above it",
            "header-row",
        )
        return empty
    if merged:
        issues.error(
            sheet,
            merged[0],
            "",
            None,
            f"merged cells in a table ({', '.join(merged[:5])}); unmerge them",
            "merged-cells",
        )
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, title in enumerate(header):
        if is_blank(title):
            continue
        key = (
            normalise_name(as_text(title)) if not isinstance(title, str) else normalise_name(title)
        )
        if key in positions:
            issues.error(
                sheet,
                f"{column_letter(index)}1",
                key,
                title,
                f"column {key!r} appears twice in the header",
                "duplicate-column",
            )
        elif key in names:
            positions[key] = index
        else:
            unknown.append(str(title))
    if unknown:
        issues.warn(
            sheet,
            "",
            "",
            None,
            f"unknown column(s) ignored: {', '.join(unknown)}; expected columns are "
            f"{', '.join(names)}",
            "unknown-column",
        )
    missing = [c.name for c in spec.columns if c.required and c.name not in positions]
    for name in missing:
        issues.error(
            sheet,
            "1",
            name,
            None,
            f"required column {name!r} is missing from the header in row 1"
            f"{suggest(name, [normalise_name(u) for u in unknown])}",
            "missing-column",
        )
    if missing:
        return empty
    letters = {name: column_letter(pos) for name, pos in positions.items()}
    data: dict[str, list[object]] = {name: [] for name in names}
    data["_row"] = []
    first_pos = 0  # the spec: a row whose *first cell* is text starting with '#' is a comment
    first_error = len(issues.errors)
    kept: list[int] = []  # 0-based indexes of the data rows into `rows`
    for r, row in enumerate(rows[1:], start=1):
        if all(_is_empty(v) for v in row) and not any(
            (r, c) in bad_cells for c in positions.values()
        ):
            continue
        lead = row[first_pos] if first_pos < len(row) else None
        if (
            isinstance(lead, str)
            and lead.lstrip().startswith("#")
            and (r, first_pos) not in bad_cells
            and lead.strip() not in EXCEL_ERRORS
        ):
            continue
        kept.append(r)
    bad_columns = {c for _, c in bad_cells}
    failed: set[tuple[str, int]] = set()
    for column in spec.columns:
        pos = positions.get(column.name)
        if pos is None:
            data[column.name] = [column.default] * len(kept)
            continue
        raw = [rows[r][pos] if pos < len(rows[r]) else None for r in kept]
        fast = None if pos in bad_columns else _parse_fast(raw, column)
        if fast is not None:
            data[column.name] = fast
            continue
        values = []
        for r, value in zip(kept, raw, strict=True):
            cell = f"{letters[column.name]}{r + 1}"
            parsed = column.default
            before = len(issues.errors)
            if (r, pos) in bad_cells:
                reason = bad_cells[(r, pos)]
                code = "error-value" if reason.startswith("the cell holds") else "no-stored-value"
                issues.error(sheet, cell, column.name, None, reason, code)
            elif isinstance(value, str) and value.strip() in EXCEL_ERRORS:
                issues.error(
                    sheet,
                    cell,
                    column.name,
                    value.strip(),
                    "an error value, not data; fix the formula or type the value",
                    "error-value",
                )
            elif not is_blank(value):
                try:
                    parsed = parse_value(value, column)
                except CellError as exc:
                    issues.error(sheet, cell, column.name, value, str(exc), exc.code)
            elif column.required:
                issues.error(sheet, cell, column.name, None, "a value is required", "missing-value")
            if len(issues.errors) > before:
                failed.add((column.name, r + 1))
            values.append(parsed)
        data[column.name] = values
    data["_row"] = [r + 1 for r in kept]
    # columns are parsed one at a time; the planner reads errors row by row
    issues.errors[first_error:] = sorted(issues.errors[first_error:], key=_cell_order)
    # object columns keep None as None (pandas would turn text columns into str with NaN)
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    frame["_row"] = frame["_row"].astype(int)
    return Table(sheet, frame, letters, failed=failed)


def frame_to_rows(frame: pd.DataFrame) -> list[list[object]]:
    """A DataFrame -> rows from A1, so in-memory inputs go through `parse_table` too.

    Missing values (NaN, None, NA, NaT) become blank cells; a NumPy array in a cell becomes
    a list (a list-valued cell, such as a route's legs)."""
    header = [str(c) for c in frame.columns]
    body = frame.astype(object).where(frame.notna(), None).values.tolist()
    arrays = [
        i
        for i, dtype in enumerate(frame.dtypes)
        if dtype.kind == "O" and any(isinstance(v, np.ndarray) for v in frame.iloc[:, i])
    ]
    for row in body if arrays else ():
        for i in arrays:
            if isinstance(row[i], np.ndarray):
                row[i] = row[i].tolist()
    return [header, *body]


def parse_sheets(sheets: dict[str, RawSheet], issues: Issues) -> dict[str, Table]:
    """Raw grids by sheet name -> typed Tables by spec name (unknown sheets are ignored).

    Reports two sheets naming one input sheet, and missing required sheets. `Contracts` is
    required unless both `Demand` and `Offers` are given (they then supply the plan).
    """
    tables: dict[str, Table] = {}
    owners: dict[str, str] = {}
    for name, raw in sheets.items():
        spec_name = canonical_sheet(name)
        if spec_name is None:
            continue  # Guide, Sources, scratch sheets: ignored by design
        if spec_name in owners:
            issues.error(
                name,
                "",
                "",
                None,
                f"sheets {owners[spec_name]!r} and {name!r} both name the "
                f"{spec_name} sheet; keep one",
                "duplicate-sheet",
            )
            continue
        owners[spec_name] = name
        spec = INPUT_SHEETS[spec_name]
        if raw.unreadable:  # already reported; present, so not also "missing"
            empty = pd.DataFrame(columns=[*spec.column_names, "_row"])
            tables[spec_name] = Table(name, empty, complete=False)
            continue
        tables[spec_name] = parse_table(spec, raw.rows, issues, name, raw.bad_cells, raw.merged)
    found = ", ".join(sheets) or "none"
    for required in REQUIRED_SHEETS:
        if required in owners:
            continue
        if required == "Contracts" and "Demand" in owners and "Offers" in owners:
            continue
        if required == "Contracts" and "Demand" in owners:
            issues.error(
                "Offers",
                "",
                "",
                None,
                "nothing supplies the Demand sheet: add an Offers sheet (what suppliers "
                f"would sell) or a Contracts sheet (sheets found: {found})",
                "no-supply",
            )
            continue
        also = (
            "; Offers need a Demand sheet (with Demand and Offers, Contracts is optional)"
            if required == "Contracts" and "Offers" in owners
            else ""
        )
        issues.error(
            required,
            "",
            "",
            None,
            f"required sheet {required!r} is missing (sheets found: {found}){also}",
            "missing-sheet",
        )
    return tables

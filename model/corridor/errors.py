"""Structured input problems: every error names its sheet, cell, column and value.

Every `InputIssue` carries a short, stable `code` that a program can branch on (the message
is for people and may be reworded; the code is not). The codes:

=================  ===============================================================
code               meaning
=================  ===============================================================
unreadable-file    the file is not a workbook corridor opens (type, empty, not a zip,
                   zip bomb, XML with entity declarations)
bad-frame          `from_frames`: something that is not a DataFrame (or a dict of
                   columns), or a frame whose columns cannot be read
bad-json           `from_json`, ``corridor solve IN.json``: text that is not JSON, or
                   JSON that is not ``{"schema_version": ..., "sheets": {...}}`` with
                   a list of records or an object of columns per sheet
missing-sheet      a required sheet is absent
duplicate-sheet    two sheets name the same input sheet
no-supply          a Demand sheet with neither Offers nor Contracts to meet it
header-row         the header is not in row 1
merged-cells       merged cells inside a table
missing-column     a required column is absent from the header
duplicate-column   a column appears twice in the header
unknown-column     (warning) columns corridor does not know, ignored
empty-sheet        a sheet that must have rows has none (a warning for an empty
                   Disruptions sheet)
error-value        a cell holds an Excel error value (#N/A, #DIV/0!)
no-stored-value    a formula whose result was never stored
missing-value      a required cell is blank
bad-number         not a plain finite number, out of its bounds, or not whole
bad-share          not a share between 0 and 1 (0.4 or 40%)
bad-bool           not yes/no, true/false, 1/0, x
bad-choice         not one of the column's choices (mode, measure, kind...)
bad-id             an id or label that is empty, holds ',' or '>', or is not text
bad-list           a list with an empty item
duplicate-id       an id used twice (also up to case and spacing); a closure, stock
                   or setting given twice
label-case         two labels (countries...) that differ only in case or spacing
id-clash           an offer id that is also a contract id
unknown-ref        a reference to an id that does not exist (a near miss is suggested)
unknown-setting    a setting corridor does not know
missing-setting    a setting that another input needs is blank or absent
rows-disagree      rows of one contract or offer that disagree
overlap            rows that overlap in period (contracts, demand, offers,
                   capacities)
same-ends          a contract whose origin is its destination
bad-route          a route whose legs do not connect or that visits a node twice
route-mismatch     a route listed for a contract that does not join its ends
route-dropped      (warning) a route dropped for a contract or commodity (inactive,
                   commodity not allowed, a leg's mode not among the commodity's)
no-route           a contract (error) or offer (warning) without an eligible route
too-slow           max_days leaves a contract (error) or offer (warning) no route
bounds-order       a minimum above its maximum (Limits, Offers, Stocks)
rule-no-bound      a Limits rule that sets no bound
rule-empty         a rule that constrains nothing (error for a minimum, else warning)
rule-partial       (warning) a rule some of whose scopes get no constraint
value-basis        share_basis value with a commodity whose value_per_unit is 0
no-demand          an offer, offer destination or stock without a Demand row for
                   its commodity
probability-sum    the Disruptions probabilities sum to more than 1
bad-closure        a closure that is not kind:id with a known kind
bad-factor         a scenario value that is not a factor (or, for set_limit, a share)
bad-target         a scenario target of the wrong form
bad-scenario       a scenario name that is reserved or differs from another only in
                   case
unit-slip          (warning) a capacity far below the volumes using it
bad-rule           a command's --rule names no rule, or one with nothing to sweep
not-results        `corridor compare`: a file that is not a results workbook with a plan
input              any other problem (raised outside the reader, e.g. by an analysis)
=================  ===============================================================

Issues read from DataFrames (`from_frames`) also carry `frame_row` (the row's position,
`frame.iloc[frame_row]`) and `frame_column` (the column as the frame names it); their
location then reads `Legs!F7 (frame row 5, column 'capacity')`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass

GENERIC_CODE = "input"


@dataclass(frozen=True)
class InputIssue:
    """One problem with the input: where it is, what was there and what was expected."""

    sheet: str
    cell: str  # "F7", "" when the problem is the whole sheet or file
    column: str
    value: object
    message: str
    code: str = GENERIC_CODE  # stable, see the module docstring
    frame_row: int | None = None  # from_frames: position of the row in the frame
    frame_column: str | None = None  # from_frames: the column as the frame names it

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            place = f"{self.sheet}!{self.cell}"
        else:
            place = self.sheet or "workbook"
        if self.frame_row is not None:
            column = "" if self.frame_column is None else f", column {self.frame_column!r}"
            place += f" (frame row {self.frame_row}{column})"
        return place

    def to_dict(self) -> dict[str, object]:
        """The issue as JSON-safe data: every field, plus `where` (the location as text) and
        `text` (the whole line as printed). A value JSON cannot hold is given as text."""
        value = self.value
        if isinstance(value, float) and value != value or value in (float("inf"), -float("inf")):
            value = None
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "column": self.column,
            "value": value,
            "message": self.message,
            "code": self.code,
            "frame_row": self.frame_row,
            "frame_column": self.frame_column,
            "where": self.where,
            "text": str(self),
        }

    def __str__(self) -> str:
        col = f" [{self.column}]" if self.column else ""
        val = "" if self.value is None or self.value == "" else f" = {show(self.value)}"
        return f"{self.where}{col}{val}: {self.message}"


def show(value: object) -> str:
    """A cell value as a planner would recognise it: 'text', 2000, 2025-01-02."""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return f"{value:.15g}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return repr(value)


class InputError(Exception):
    """Raised instead of exit code 2: carries every problem found, never just the first."""

    def __init__(self, errors: Iterable[InputIssue], source: str = "") -> None:
        self.errors = list(errors)
        self.source = source
        head = f"{source}: " if source else ""
        lines = "\n".join(f"  - {e}" for e in self.errors)
        super().__init__(f"{head}{len(self.errors)} input error(s):\n{lines}")

    def __reduce__(self):  # picklable across worker processes despite the custom __init__
        return (type(self), (self.errors, self.source))


class Issues:
    """Collects errors and warnings while a workbook is read and checked."""

    def __init__(self) -> None:
        self.errors: list[InputIssue] = []
        self.warnings: list[InputIssue] = []

    def error(
        self,
        sheet: str,
        cell: str,
        column: str,
        value: object,
        message: str,
        code: str = GENERIC_CODE,
    ) -> None:
        self.errors.append(InputIssue(sheet, cell, column, value, message, code))

    def warn(
        self,
        sheet: str,
        cell: str,
        column: str,
        value: object,
        message: str,
        code: str = GENERIC_CODE,
    ) -> None:
        self.warnings.append(InputIssue(sheet, cell, column, value, message, code))

    def raise_if_any(self, source: str = "") -> None:
        if self.errors:
            raise InputError(self.errors, source)


def quantity(value: float) -> str:
    """A number as a planner reads it, never in scientific notation: 1,500,000; 2.5;
    0.0125 (six significant digits at most)."""
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    digits = max(0, 6 - (math.floor(math.log10(abs(v))) + 1))
    text = f"{v:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'Aktau'?)' for a near miss, else ''."""
    options = [c for c in choices if isinstance(c, str)]
    word = str(word)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return f" (did you mean {lowered[word.lower()]!r}?)"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters

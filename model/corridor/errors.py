"""Structured input problems: every error names its sheet, cell, column and value."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class InputIssue:
    """One problem with the input: where it is, what was there and what was expected."""

    sheet: str
    cell: str  # "F7", "" when the problem is the whole sheet or file
    column: str
    value: object
    message: str

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or "workbook"

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


class Issues:
    """Collects errors and warnings while a workbook is read and checked."""

    def __init__(self) -> None:
        self.errors: list[InputIssue] = []
        self.warnings: list[InputIssue] = []

    def error(self, sheet: str, cell: str, column: str, value: object, message: str) -> None:
        self.errors.append(InputIssue(sheet, cell, column, value, message))

    def warn(self, sheet: str, cell: str, column: str, value: object, message: str) -> None:
        self.warnings.append(InputIssue(sheet, cell, column, value, message))

    def raise_if_any(self, source: str = "") -> None:
        if self.errors:
            raise InputError(self.errors, source)


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

"""Workbook or DataFrames -> typed tables -> validated Inputs (the two public readers).

This sits above `data` (it calls `data.prepare`); the io package below it only turns files
and frames into typed tables.
"""

from __future__ import annotations

from pathlib import Path

from .data import Inputs, file_sha256, prepare
from .errors import InputError, InputIssue, Issues
from .io.cells import parse_sheets
from .io.frames import frame_sheets, locate
from .io.read import UnreadableWorkbook, read_raw


def read_workbook(path: str | Path) -> Inputs:
    """Read, check and prepare an input workbook. Raises InputError listing every problem."""
    path = Path(path)
    issues = Issues()
    try:
        sheets = read_raw(path)
    except UnreadableWorkbook as exc:
        raise InputError(
            [InputIssue("", "", "", None, str(exc), "unreadable-file")], str(path)
        ) from None
    except OSError as exc:
        raise InputError(
            [InputIssue("", "", "", None, f"cannot read {path}: {exc}", "unreadable-file")],
            str(path),
        ) from None
    tables = parse_sheets(sheets, issues)
    return prepare(tables, issues, source=str(path), sha256=file_sha256(path))


def from_frames(frames: object, source: str = "<frames>") -> Inputs:
    """Inputs from DataFrames keyed by sheet name, with the same checks as a workbook.

    Each value is a DataFrame (ids in a column or in the index) or a dict of columns;
    list-valued cells may hold Python lists (see `io.frames`). Cells are named as if each
    frame were a sheet with its header in row 1, and every issue also gives the frame's row
    position and column name: `Legs!F7 (frame row 5, column 'capacity')`.
    """
    issues = Issues()
    sheets = frame_sheets(frames, issues)
    if not sheets:  # not a dict of sheets at all: nothing else to say
        issues.raise_if_any(source)
    tables = parse_sheets({name: sheet.raw for name, sheet in sheets.items()}, issues)
    try:
        inputs = prepare(tables, issues, source=source)
    except InputError as exc:
        raise InputError([locate(e, sheets) for e in exc.errors], exc.source) from None
    inputs.warnings[:] = [locate(w, sheets) for w in inputs.warnings]
    return inputs

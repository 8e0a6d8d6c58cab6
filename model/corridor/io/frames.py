"""DataFrames handed over by an embedding program -> raw grids, as if each were a sheet.

What an embedding engineer may pass for a sheet:

- a `pandas.DataFrame`, with the ids in a column or in the index: a named index whose name
  is one of the sheet's columns (`nodes.set_index("node")`) becomes that column, and an
  unnamed index of text (not the default 0, 1, 2...) becomes the sheet's first column
  (the id) when that column is absent;
- a dict of column name -> values (anything `pandas.DataFrame(dict)` accepts);
- in list-valued cells (route legs, contract routes, modes...), a Python list or tuple as
  well as the workbook's `"L1 > L2"` text.

Anything else is an `InputError` (code `bad-frame`), never an AttributeError. Every
problem is then reported as for a workbook (cells named as if the frame's header were row 1)
and `locate` adds the frame's own row position and column name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

from ..errors import InputIssue, Issues
from ..schema import INPUT_SHEETS, canonical_sheet, normalise_name
from .cells import frame_to_rows
from .read import RawSheet

_CELL = re.compile(r"([A-Z]+)(\d+)")


@dataclass
class FrameSheet:
    """One frame as a raw sheet, with its header as the frame names it (for `locate`)."""

    raw: RawSheet
    columns: list[str]


def _as_frame(name: str, value: object, issues: Issues) -> pd.DataFrame | None:
    if isinstance(value, pd.DataFrame):
        frame = value
    elif isinstance(value, Mapping):
        try:
            frame = pd.DataFrame(dict(value))
        except (ValueError, TypeError) as exc:
            issues.error(
                name,
                "",
                "",
                None,
                f"the dict of columns cannot be read as a table: {exc}",
                "bad-frame",
            )
            return None
    else:
        issues.error(
            name,
            "",
            "",
            None,
            "expected a pandas DataFrame (or a dict of column name -> values), got a "
            f"{type(value).__name__}",
            "bad-frame",
        )
        return None
    if isinstance(frame.columns, pd.MultiIndex):
        issues.error(
            name,
            "",
            "",
            None,
            "the frame has several header levels (a column MultiIndex); flatten them to one "
            "row of column names",
            "bad-frame",
        )
        return None
    return frame


def _ids_from_index(frame: pd.DataFrame, spec_name: str) -> tuple[pd.DataFrame, list[str]]:
    """Bring ids kept in the index into columns; returns the frame and its column labels."""
    names = INPUT_SHEETS[spec_name].column_names
    present = {normalise_name(c) for c in frame.columns}
    levels = list(frame.index.names)
    if any(level is not None for level in levels):
        moved = [
            level
            for level in levels
            if level is not None
            and normalise_name(level) in names
            and normalise_name(level) not in present
        ]
        if moved:
            frame = frame.reset_index(level=moved)
    elif (
        not isinstance(frame.index, pd.RangeIndex)
        and (is_object_dtype(frame.index.dtype) or is_string_dtype(frame.index.dtype))
        and names[0] not in present
    ):
        frame = frame.rename_axis(names[0]).reset_index()
        return frame, ["index", *(str(c) for c in frame.columns[1:])]
    return frame, [str(c) for c in frame.columns]


def frame_sheets(frames: object, issues: Issues) -> dict[str, FrameSheet]:
    """Sheet name -> the frame as a raw sheet. Problems with the frames go to `issues`."""
    if not isinstance(frames, Mapping):
        issues.error(
            "",
            "",
            "",
            None,
            f"from_frames takes a dict of sheet name -> DataFrame, got a {type(frames).__name__}",
            "bad-frame",
        )
        return {}
    sheets: dict[str, FrameSheet] = {}
    for key, value in frames.items():
        name = str(key)
        spec_name = canonical_sheet(name)
        if spec_name is None:  # not an input sheet: ignored, but listed among sheets found
            sheets[name] = FrameSheet(RawSheet(name, []), [])
            continue
        frame = _as_frame(name, value, issues)
        if frame is None:
            sheets[name] = FrameSheet(RawSheet(name, [], unreadable=True), [])
            continue
        frame, columns = _ids_from_index(frame, spec_name)
        sheets[name] = FrameSheet(RawSheet(name, frame_to_rows(frame)), columns)
    return sheets


def locate(issue: InputIssue, sheets: dict[str, FrameSheet]) -> InputIssue:
    """The issue with the frame's row position and column name added (cells in data rows)."""
    match = _CELL.fullmatch(issue.cell)
    if not match or int(match.group(2)) < 2:
        return issue
    spec_name = canonical_sheet(issue.sheet)
    sheet = sheets.get(issue.sheet) or next(
        (s for n, s in sheets.items() if spec_name and canonical_sheet(n) == spec_name), None
    )
    if sheet is None:
        return issue
    index = 0
    for ch in match.group(1):
        index = index * 26 + ord(ch) - 64
    index -= 1
    column = sheet.columns[index] if index < len(sheet.columns) else None
    return replace(issue, frame_row=int(match.group(2)) - 2, frame_column=column)

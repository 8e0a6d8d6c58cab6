"""Workbook, DataFrames or JSON -> typed tables -> validated Inputs (the public readers).

This sits above `data` (it calls `data.prepare`); the io package below it only turns files
and frames into typed tables. JSON input (`from_json`, `read_json`) is the workbook's tables
as records (docs/json.md) and goes through `from_frames`, so it gets the same checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pandas as pd

from .data import Inputs, file_sha256, prepare
from .errors import InputError, InputIssue, Issues
from .io.cells import parse_sheets
from .io.frames import frame_sheets, locate
from .io.read import UnreadableWorkbook, read_raw
from .schema import SCHEMA_VERSION


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


JSON_VERSIONS = (SCHEMA_VERSION,)  # the schema_version values from_json reads


def _json_error(message: str, source: str, code: str = "bad-json") -> InputError:
    return InputError([InputIssue("", "", "", None, message, code)], source)


def _records_frame(sheet: str, value: object, issues: list[InputIssue]) -> object:
    """A sheet's JSON value as from_frames takes it: records (a list of objects) become a
    DataFrame, a dict of columns passes as it is; anything else is an issue."""
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, list):
        issues.append(
            InputIssue(
                sheet,
                "",
                "",
                None,
                "expected a list of records (objects of column -> value) or an object of "
                f"column -> list of values, not {json.dumps(value)[:40]}",
                "bad-json",
            )
        )
        return None
    bad = False
    for i, record in enumerate(value):
        if not isinstance(record, Mapping):
            bad = True
            issues.append(
                InputIssue(
                    sheet,
                    "",
                    "",
                    None,
                    f"record {i} is {json.dumps(record)[:40]}, not an object of column -> value",
                    "bad-json",
                    frame_row=i,
                )
            )
    if bad:
        return None
    return pd.DataFrame.from_records(value) if value else pd.DataFrame()


def from_json(data: str | bytes | Mapping, source: str = "<json>") -> Inputs:
    """Inputs from the workbook's tables as JSON (text, bytes or the parsed object):

        {"schema_version": "1.2",
         "sheets": {"Nodes": [{"node": "A", "country": "KZ"}, ...],     # records, or
                    "Legs": {"leg": ["AX", ...], "from": ["A", ...]}}}  # columns

    Same checks as a workbook (through `from_frames`); each error names the sheet, the cell
    as if the sheet's header were row 1, and the record's position (``frame_row``) and
    column. A list-valued cell may be a JSON array. Raises InputError (code ``bad-json``
    for text that is not JSON of this shape, ``bad-frame`` for a sheet that is not a table).
    """
    if isinstance(data, str | bytes | bytearray):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _json_error(f"not JSON: {exc}", source) from None
    if not isinstance(data, Mapping):
        raise _json_error(
            f'expected an object {{"schema_version": ..., "sheets": {{...}}}}, got a '
            f"{type(data).__name__}",
            source,
        )
    version = data.get("schema_version")
    if version is not None and str(version) not in JSON_VERSIONS:
        raise _json_error(
            f"schema_version {version!r} is not one this corridor reads "
            f"({', '.join(JSON_VERSIONS)})",
            source,
        )
    unknown = sorted(set(data) - {"schema_version", "sheets"})
    sheets = data.get("sheets")
    if not isinstance(sheets, Mapping):
        hint = f" (found {', '.join(map(repr, unknown))})" if unknown else ""
        raise _json_error(f'expected "sheets": an object of sheet name -> table{hint}', source)
    issues: list[InputIssue] = []
    frames = {str(name): _records_frame(str(name), value, issues) for name, value in sheets.items()}
    if issues:
        raise InputError(issues, source)
    inputs = from_frames(frames, source)
    if unknown:
        inputs.warnings.append(
            InputIssue("", "", "", None, f"ignored keys: {', '.join(unknown)}", "unknown-column")
        )
    return inputs


def read_json(path: str | Path | IO[bytes] | IO[str]) -> Inputs:
    """`from_json` of a file (a path or an open file object)."""
    if hasattr(path, "read"):
        text = path.read()
        source = str(getattr(path, "name", "<json>"))
        inputs = from_json(text, source)
    else:
        path = Path(path)
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise _json_error(f"cannot read {path}: {exc}", str(path), "unreadable-file") from None
        inputs = from_json(text, str(path))
    raw = text.encode() if isinstance(text, str) else bytes(text)
    return inputs.with_changes(sha256=hashlib.sha256(raw).hexdigest())


def read_inputs(path: str | Path) -> Inputs:
    """A workbook (.xlsx, .xlsm) or its tables as JSON (.json), by the file's suffix."""
    if Path(path).suffix.lower() == ".json":
        return read_json(path)
    return read_workbook(path)

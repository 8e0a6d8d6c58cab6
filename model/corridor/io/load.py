"""Workbook or DataFrames -> typed tables -> validated Inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..data import Inputs, file_sha256, prepare
from ..errors import InputError, InputIssue, Issues
from ..schema import INPUT_SHEETS, REQUIRED_SHEETS, canonical_sheet
from .cells import Table, frame_to_rows, parse_table
from .read import RawSheet, UnreadableWorkbook, read_raw


def _tables(sheets: dict[str, RawSheet], issues: Issues) -> dict[str, Table]:
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
            )
            continue
        owners[spec_name] = name
        tables[spec_name] = parse_table(
            INPUT_SHEETS[spec_name], raw.rows, issues, name, raw.bad_cells, raw.merged
        )
    for required in REQUIRED_SHEETS:
        if required not in owners:
            issues.error(
                required,
                "",
                "",
                None,
                f"required sheet {required!r} is missing (sheets found: "
                f"{', '.join(sheets) or 'none'})",
            )
    return tables


def read_workbook(path: str | Path) -> Inputs:
    """Read, check and prepare an input workbook. Raises InputError listing every problem."""
    path = Path(path)
    issues = Issues()
    try:
        sheets = read_raw(path)
    except UnreadableWorkbook as exc:
        raise InputError([InputIssue("", "", "", None, str(exc))], str(path)) from None
    except OSError as exc:
        raise InputError(
            [InputIssue("", "", "", None, f"cannot read {path}: {exc}")], str(path)
        ) from None
    tables = _tables(sheets, issues)
    return prepare(tables, issues, source=str(path), sha256=file_sha256(path))


def from_frames(frames: dict[str, pd.DataFrame], source: str = "<frames>") -> Inputs:
    """Inputs from DataFrames keyed by sheet name, with the same checks as a workbook.

    Cells are named as if each frame were a sheet with its header in row 1.
    """
    issues = Issues()
    raw = {name: RawSheet(name, frame_to_rows(frame)) for name, frame in frames.items()}
    tables = _tables(raw, issues)
    return prepare(tables, issues, source=source)

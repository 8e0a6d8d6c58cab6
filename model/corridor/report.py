"""What a run hands to the writer: result tables, the Dashboard and chart requests.

These are plain data. `results.py` (and each analysis) fills them; `io/write.py` renders them
into a workbook; `Results.to_dict` serves the JSON output. Nothing here solves or writes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .schema import SCHEMA_VERSION  # the workbook and JSON contract (docs/workbook.md)


def plain(value: object) -> object:
    """A value JSON can hold: NaN and infinities as None, numpy scalars as Python ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def frame_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """A DataFrame as a list of JSON-safe records."""
    columns = [str(c) for c in frame.columns]
    return [
        {c: plain(v) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


@dataclass
class ChartSpec:
    """A chart over columns of one table sheet (or of a Dashboard block, `sheet="Dashboard"`
    and `block` its title). The writer places it where it prints whole."""

    sheet: str
    kind: str  # "bar" (horizontal bars), "column" or "line"
    title: str
    categories: str  # the column whose values label the categories (x axis)
    series: list[str]  # columns plotted, one series each, titled by the column name
    y_title: str = ""
    y_format: str = "number"  # number, share or money (the axis' number format)
    block: str | None = None  # a Dashboard block's title when sheet == "Dashboard"
    max_rows: int | None = None  # plot at most this many rows from the top


@dataclass
class Block:
    """A small titled table on the Dashboard; `formats` maps a column to its format
    (text, money, share, number, int, general) as in schema.ResultColumn.fmt."""

    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)


@dataclass
class Dashboard:
    """The first sheet of a results workbook: a headline and blocks, one landscape page."""

    title: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)


@dataclass
class Results:
    """Result tables keyed by sheet name, the Summary as a dict, and how to present them.

    `summary` holds the Summary items in order (spec section 4); `units` the unit shown beside
    an item ("USD", "tU", "share", "seconds"). `sheets` are the tables in the spec's order;
    `charts` ask the writer for charts over them; `images` embed PNGs (sheet -> file path).
    """

    summary: dict[str, object]
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    currency: str = "USD"
    units: dict[str, str] = field(default_factory=dict)
    report_currency: str | None = None
    exchange_rate: float | None = None
    dashboard: Dashboard | None = None
    charts: list[ChartSpec] = field(default_factory=list)
    images: dict[str, object] = field(default_factory=dict)
    input_file: str = ""
    time_of_run: str = ""

    @property
    def status(self) -> str:
        return str(self.summary["status"])

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        return self.sheets[sheet]

    def __contains__(self, sheet: str) -> bool:
        return sheet in self.sheets

    def to_dict(self) -> dict[str, object]:
        """Everything as plain data (NaN as None), with the schema version."""
        return {
            "schema_version": SCHEMA_VERSION,
            "status": self.status,
            "currency": self.currency,
            "summary": {k: plain(v) for k, v in self.summary.items()},
            "units": dict(self.units),
            "sheets": {name: frame_records(frame) for name, frame in self.sheets.items()},
        }

    def to_json(self, **kwargs) -> str:
        """`to_dict` as JSON text (strict: no NaN)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def summary_frame(self) -> pd.DataFrame:
        """The Summary sheet: item, value, unit."""
        items = list(self.summary)
        return pd.DataFrame(
            {
                "item": items,
                "value": [self.summary[i] for i in items],
                "unit": [self.units.get(i, "") for i in items],
            }
        )

"""What a run hands to the writer: result tables, the Dashboard and chart requests.

These are plain data. `results.py` (and each analysis) fills them; `io/write.py` renders them
into a workbook; `Results.to_dict` serves the JSON output. Nothing here solves or writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


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

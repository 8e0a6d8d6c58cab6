"""Writing workbooks with XlsxWriter: corridor's number formats, page setup, tables, charts.

Shared by the results workbook (`io.write`) and the template (`io.template`). Nothing here
knows a result sheet by name; it renders values with a format *kind* (the `fmt` of
`schema.ResultColumn`: text, money, number, share, int, general, bool) and `ChartSpec`s.

Numbers a planner reads:

- money: the currency after the amount, whole units from 100 up (in absolute value), two
  decimals below: ``1,235 USD``, ``12.50 USD``, ``-3.20 USD``. The choice is made per value
  with two plain formats rather than one format with conditions: LibreOffice drops the minus
  sign of a negative amount that falls in a conditional format's third section
  (``[>=100]..;[<=-100]..;#,##0.00`` shows -5 as ``5.00``), Excel does not.
- number: the same rule without the currency, and whole values always whole (``60``).
- amount: money without the currency, where a column beside it names the unit (Summary).
- general (a column whose unit changes from row to row, without a per-row format): numbers
  as for `number`.
- share: a percentage with one decimal; int: a whole number; text: a text cell.

Page setup (every sheet of every workbook): landscape A4, one page wide (any height), the
header row repeated on each page, a header with the sheet name, the input file and the time
of run, and "page N of M" in the footer.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..report import ChartSpec

MAX_CELL_CHARS = 32_767
# Characters XML 1.0 cannot hold (control characters, lone surrogates, the two non-characters)
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
WHOLE_FROM = 100.0  # amounts at or above this (in absolute value) are shown in whole units

PAPER_A4 = 9
# Printable area of a landscape A4 page with the margins below, in pixels at 96 dpi (what
# XlsxWriter measures charts and images in): 11.69 x 8.27 in less the margins.
MARGIN_SIDE, MARGIN_TOP, MARGIN_HEADER = 0.4, 0.45, 0.2
PAGE_WIDTH_PX = int((11.69 - 2 * MARGIN_SIDE) * 96)
PAGE_HEIGHT_PX = int((8.27 - 2 * MARGIN_TOP) * 96)

# 9 pt text in 11.25 pt rows: 46 table rows on a landscape page, legible on paper and screen
FONT_SIZE = 9
ROW_HEIGHT_PT = 11.25
ROW_HEIGHT_PX = 15

GREEN = {"bg_color": "#C6EFCE", "font_color": "#006100"}
AMBER = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
HEADER_FILL = "#DDEBF7"
TITLE_COLOUR = "#1F4E78"


def safe_text(value: str) -> str:
    """Text a cell can hold: XML-illegal characters replaced, length capped."""
    text = ILLEGAL.sub("\ufffd", value)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "\u2026"
    return text


def unit_literal(unit: str) -> str:
    """A currency or unit as a quoted literal in a number format (quotes and backslashes
    dropped: they would end the literal)."""
    clean = re.sub(r'["\\]', "", ILLEGAL.sub("", str(unit))).strip()
    return f' "{clean}"' if clean else ""


def number_formats(kind: str, currency: str = "") -> tuple[str, str]:
    """The (whole, small) Excel number formats of a format kind; equal for kinds that do not
    switch at WHOLE_FROM."""
    if kind == "money":
        unit = unit_literal(currency)
        return f"#,##0{unit}", f"#,##0.00{unit}"
    if kind in ("number", "amount", "general"):
        return "#,##0", "#,##0.00"
    single = {"share": "0.0%", "int": "#,##0", "text": "@", "bool": "@"}.get(kind, "General")
    return single, single


def is_small(kind: str, value: float) -> bool:
    """Whether a number of this kind takes the two-decimal format."""
    if kind in ("money", "amount"):
        return abs(value) < WHOLE_FROM
    if kind in ("number", "general"):
        return abs(value) < WHOLE_FROM and not float(value).is_integer()
    return False


def small_mask(kind: str, values: np.ndarray) -> np.ndarray:
    """`is_small` for an array of floats (NaN counts as not small)."""
    with np.errstate(invalid="ignore"):
        small = np.abs(values) < WHOLE_FROM
        if kind in ("number", "general"):
            small &= values != np.round(values)
        elif kind not in ("money", "amount"):
            small[:] = False
    return small & np.isfinite(values)


def infer_kind(values: pd.Series, name: str = "") -> str:
    """The format kind of a column the schema does not list: from its values, and for
    numbers from its name (`..._share` or `utilization` a share, `..._cost`, `price` or
    `premium` money), as a planner would read the label."""
    kind = values.dtype.kind
    if kind == "b":
        return "bool"
    sample = values.dropna()
    numeric = kind in "iuf" or (
        len(sample) > 0
        and all(
            isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
            for v in sample.head(50)
        )
    )
    if not numeric:
        if len(sample) and all(isinstance(v, bool | np.bool_) for v in sample.head(50)):
            return "bool"
        return "text"
    words = str(name).lower().split("_")
    if "share" in words or "utilization" in words:
        return "share"
    if {"cost", "price", "premium"} & set(words):
        return "money"
    return "int" if kind in "iu" else "number"


def shown_time(text: str) -> str:
    """An ISO time of run as a page header shows it: 2025-06-01 10:20 UTC."""
    try:
        when = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    zone = " UTC" if when.utcoffset() == dt.timedelta(0) else when.strftime(" %z")
    return when.strftime("%Y-%m-%d %H:%M") + zone


def _header_text(text: str, limit: int) -> str:
    """Text for a page header section: '&' doubled (it starts a code), length capped."""
    text = ILLEGAL.sub("", str(text))
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text.replace("&", "&&")


@dataclass
class PageHeader:
    """What each printed page says about the run."""

    input_file: str = ""
    time_of_run: str = ""
    title: str = "corridor"

    def header(self) -> str:
        center = f"input: {self.input_file}" if self.input_file else self.title
        right = f"run {shown_time(self.time_of_run)}" if self.time_of_run else ""
        return f'&L&"-,Bold"&A&C{_header_text(center, 120)}' + (
            f"&R{_header_text(right, 60)}" if right else ""
        )

    @staticmethod
    def footer() -> str:
        return "&L&F&Cpage &P of &N"


# Widths of characters in the column width unit (the width of a digit), for Calibri: capitals
# are wider than a digit, small letters narrower, a space about half.
_NARROW = set(" .,:;'!|ijlrtf()[]-")


def text_units(text: str) -> float:
    """The width of a text in column width units (an estimate from its letters)."""
    units = 0.0
    for ch in text:
        if ch in _NARROW:
            units += 0.5
        elif ch.isupper() or ch in "mwMW@%&":
            units += 1.2
        elif ch.isdigit():
            units += 1.0
        else:
            units += 0.9
    return units


def wrapped_lines(text: str, width: float) -> int:
    """Lines a text takes in a wrapped cell `width` units wide (an estimate: words are not
    split unless longer than a line)."""
    room = max(1.0, width - 1)
    space = text_units(" ")
    lines = 0
    for paragraph in str(text).split("\n"):
        used, count = 0.0, 1
        for word in paragraph.split(" "):
            w = text_units(word)
            if used and used + space + w > room:
                count += 1
                used = w
            else:
                used += (space if used else 0.0) + w
            while used > room:  # a word longer than a line breaks
                count += 1
                used -= room
        lines += count
    return lines


def column_width(
    name: str, values: Sequence[object], kind: str, currency: str = "", cap: float = 60
) -> float:
    """Characters of width that show the header and the values of a column (numbers as
    formatted, with the currency), at least 8 and at most `cap`."""
    longest = text_units(str(name)) + 3  # room for the table's filter button
    extra = len(unit_literal(currency)) if kind == "money" else 0
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool | np.bool_):
            longest = max(longest, 3)
        elif isinstance(value, int | float | np.number):
            v = float(value)
            if not math.isfinite(v):
                continue
            if kind == "share":
                text = f"{v:.1%}"
            elif is_small(kind, v):
                text = f"{v:,.2f}"
            else:
                text = f"{v:,.0f}"
            longest = max(longest, len(text) + extra + 1)
        else:
            longest = max(longest, text_units(str(value)) + 1.5)
    return float(max(8, min(cap, math.ceil(longest))))


class Book:
    """An XlsxWriter workbook with a cache of formats and corridor's page setup."""

    def __init__(self, out, page: PageHeader):
        self.wb = xlsxwriter.Workbook(
            out,
            {
                # planner text is never a formula, a number or a link, whatever it looks like
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "default_format_properties": {"font_name": "Calibri", "font_size": FONT_SIZE},
            },
        )
        self.page = page
        self._formats: dict[tuple, Format] = {}
        self.worksheets: list[str] = []  # worksheet names in order (sheetN.xml = index + 1)

    def format(self, num_format: str | None = None, **props) -> Format:
        key = (num_format, tuple(sorted(props.items())))
        if key not in self._formats:
            spec = dict(props)
            if num_format is not None:
                spec["num_format"] = num_format
            self._formats[key] = self.wb.add_format(spec)
        return self._formats[key]

    def formats_for(self, kind: str, currency: str, **props) -> tuple[Format, Format]:
        whole, small = number_formats(kind, currency)
        return self.format(whole, **props), self.format(small, **props)

    def add_worksheet(self, name: str) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        ws.set_default_row(ROW_HEIGHT_PT)  # a set height: both Excel and LibreOffice keep it
        self.worksheets.append(name)
        return ws

    def part_of(self, name: str) -> str:
        """The zip member holding a worksheet's XML."""
        return f"xl/worksheets/sheet{self.worksheets.index(name) + 1}.xml"

    def page_setup(self, ws: Worksheet, *, repeat_header: bool = True, one_page: bool = False):
        """Landscape A4, one page wide (or one page in all), header row on every page."""
        ws.set_landscape()
        ws.set_paper(PAPER_A4)
        ws.set_margins(left=MARGIN_SIDE, right=MARGIN_SIDE, top=MARGIN_TOP, bottom=MARGIN_TOP)
        ws.fit_to_pages(1, 1 if one_page else 0)
        if repeat_header:
            ws.repeat_rows(0)
        ws.set_header(self.page.header(), {"margin": MARGIN_HEADER})
        ws.set_footer(self.page.footer(), {"margin": MARGIN_HEADER})

    def close(self) -> None:
        self.wb.close()


def write_value(
    ws: Worksheet,
    row: int,
    col: int,
    value: object,
    kind: str,
    fmts: tuple[Format, Format],
    text: Format,
) -> None:
    """One cell: text always a text cell, booleans as yes/no, blanks (and empty text) left
    empty, numbers in the whole or two-decimal format of their kind."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        ws.write_string(row, col, safe_text(value), text)
    elif isinstance(value, bool | np.bool_):
        ws.write_string(row, col, "yes" if value else "no", text)
    elif isinstance(value, int | float | np.number):
        v = float(value)
        if math.isfinite(v):
            ws.write_number(row, col, v, fmts[1] if is_small(kind, v) else fmts[0])
    elif value is pd.NaT:
        return
    else:
        ws.write_string(row, col, safe_text(str(value)), text)


def clean_rows(frame: pd.DataFrame) -> Iterable[list[object]]:
    """The frame's rows as Python values, NaN as None."""
    for row in frame.itertuples(index=False, name=None):
        yield [None if (isinstance(v, float) and math.isnan(v)) else v for v in row]


def table_name(sheet: str, taken: set[str]) -> str:
    """A unique Excel Table name for a sheet: letters, digits, underscores, not like a cell."""
    name = re.sub(r"\W+", "_", sheet).strip("_") or "Table"
    if not re.match(r"[A-Za-z_]", name) or re.fullmatch(
        r"[A-Za-z]{1,3}\d+|[rcRC]\d*[rcRC]?\d*", name
    ):
        name = f"T_{name}"
    base, k = name, 2
    while name.lower() in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name.lower())
    return name


# ------------------------------------------------------------------------------ charts

AXIS_FORMATS = {"share": "0%", "number": "#,##0", "int": "#,##0", "amount": "#,##0"}


def axis_format(y_format: str, currency: str) -> str:
    if y_format == "money":
        return f"#,##0{unit_literal(currency)}"
    return AXIS_FORMATS.get(y_format, "General")


@dataclass
class ChartSource:
    """Where a chart's data lies: a header row and data rows on a sheet, columns by name."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int  # inclusive; < first_row when there is no data
    columns: dict[str, int]  # column name -> sheet column index
    kinds: dict[str, str] = field(default_factory=dict)  # column name -> format kind


def chart_height(spec: ChartSpec, rows: int) -> int:
    """Pixels that give each bar room (horizontal bars grow with the categories)."""
    if spec.kind == "bar":
        return int(min(PAGE_HEIGHT_PX, max(260, 90 + rows * max(1, len(spec.series)) * 14)))
    return 300


def make_chart(book: Book, spec: ChartSpec, source: ChartSource, currency: str):
    """An XlsxWriter chart for a ChartSpec, or a reason why none can be drawn."""
    missing = [c for c in [spec.categories, *spec.series] if c not in source.columns]
    if missing:
        return None, f"chart {spec.title!r} skipped: no column {', '.join(missing)}"
    last = source.last_row
    if spec.max_rows is not None:
        last = min(last, source.first_row + spec.max_rows - 1)
    if last < source.first_row:
        return None, f"chart {spec.title!r} skipped: no rows"
    kind = spec.kind if spec.kind in ("bar", "column", "line") else "column"
    chart = book.wb.add_chart({"type": kind})
    sheet, cat = source.sheet, source.columns[spec.categories]
    rows = last - source.first_row + 1
    labels = kind != "line" and rows * len(spec.series) <= 12  # more would overlap
    number = axis_format(spec.y_format, currency)
    for name in spec.series:
        col = source.columns[name]
        series = {
            "name": [sheet, source.header_row, col],
            "categories": [sheet, source.first_row, cat, last, cat],
            "values": [sheet, source.first_row, col, last, col],
        }
        if labels:
            series["data_labels"] = {"value": True, "num_format": number}
        if kind == "line":
            series["marker"] = {"type": "circle", "size": 5}
        chart.add_series(series)
    value_axis = {"num_format": number, "name": spec.y_title or None}
    value_axis = {k: v for k, v in value_axis.items() if v is not None}
    # labels at the low end: with negative values they would sit on the bars
    category_axis = {"name": spec.categories, "label_position": "low"}
    category_kind = source.kinds.get(spec.categories, "text")
    if category_kind not in ("text", "bool", "general"):
        category_axis["num_format"] = axis_format(category_kind, currency)
    if kind == "bar":  # XlsxWriter's x axis is the value axis of horizontal bars
        chart.set_x_axis(value_axis)
        chart.set_y_axis({**category_axis, "reverse": True})  # first row on top, as listed
    else:
        chart.set_y_axis(value_axis)
        chart.set_x_axis(category_axis)
    chart.set_title({"name": spec.title, "name_font": {"size": 11, "bold": True}})
    chart.set_legend({"position": "bottom"} if len(spec.series) > 1 else {"none": True})
    return chart, ""


def png_size(png: bytes) -> tuple[float, float] | None:
    """A PNG's size in pixels at 96 dpi, as spreadsheet programs place it (the pHYs chunk's
    resolution applies); None for anything but a PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return None
    w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    dpi_x = dpi_y = 96.0
    pos = 8
    while pos + 8 <= len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        kind = png[pos + 4 : pos + 8]
        if kind == b"pHYs" and png[pos + 16] == 1:  # unit: metre
            dpi_x = int.from_bytes(png[pos + 8 : pos + 12], "big") * 0.0254 or 96.0
            dpi_y = int.from_bytes(png[pos + 12 : pos + 16], "big") * 0.0254 or 96.0
        if kind in (b"IDAT", b"IEND"):
            break
        pos += 12 + length
    return w * 96.0 / dpi_x, h * 96.0 / dpi_y


def image_scale(png: bytes, width: int, height: int) -> float:
    """The scale that fits a PNG inside width x height pixels (never enlarged)."""
    size = png_size(png)
    if size is None or not size[0] or not size[1]:
        return 1.0
    return min(1.0, width / size[0], height / size[1])

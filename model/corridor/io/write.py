"""Result tables -> results workbook, whole or not at all.

Each sheet is an Excel Table with a frozen header and number formats (money in the run's
currency). Planner text is always a text cell: a route named ``=1+1`` stays a string, and
characters XML cannot hold are replaced. The file is written in write-only mode (fast for
large sheets) to a temporary file beside the target and renamed over it; an Excel or
LibreOffice lock file, or a refused rename, leaves the old file intact and says "close it".
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from ..errors import column_letter
from ..schema import RESULT_SHEETS
from .fastrows import FAST_ROWS, Deferred, splice

if TYPE_CHECKING:
    from openpyxl.chart._chart import ChartBase

MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMATS = {
    "number": "#,##0.###",
    "share": "0.0%",
    "int": "0",
    "text": "@",
    "general": "#,##0.######",
}


class TargetLocked(Exception):
    """The results file is open elsewhere; the old file is untouched."""


def safe_text(value: str) -> str:
    """Text a cell can hold: XML-illegal control characters replaced, length capped."""
    text = ILLEGAL.sub("\ufffd", value)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "\u2026"
    return text


def lock_files(target: Path) -> list[Path]:
    """Lock files Excel (~$name) and LibreOffice (.~lock.name#) leave beside an open file."""
    candidates = [target.with_name(f"~${target.name}"), target.with_name(f".~lock.{target.name}#")]
    return [p for p in candidates if p.exists()]


def _formats(sheet: str, columns: list[str], currency: str) -> dict[str, str]:
    spec = {c.name: c.fmt for c in RESULT_SHEETS.get(sheet, ())}
    # "max_share_<country>" stands for one column per country: match by its prefix
    patterns = {name.split("<")[0]: fmt for name, fmt in spec.items() if "<" in name}
    money = f'#,##0.00 "{currency}"'
    out = {}
    for name in columns:
        fmt = spec.get(name) or next(
            (f for prefix, f in patterns.items() if name.startswith(prefix)), "number"
        )
        out[name] = money if fmt == "money" else FORMATS.get(fmt, FORMATS["number"])
    return out


class _SheetWriter:
    """Appends rows to a write-only sheet with one style template per column."""

    def __init__(
        self,
        wb: Workbook,
        title: str,
        columns: list[str],
        formats: dict[str, str],
        widths: list[float],
    ):
        self.ws = wb.create_sheet(title)
        self.columns = columns
        self.ws.freeze_panes = "A2"
        for i, width in enumerate(widths):  # write-only: must precede the first row
            self.ws.column_dimensions[column_letter(i)].width = width
        bold = Font(bold=True)
        header = []
        for name in columns:
            cell = WriteOnlyCell(self.ws, safe_text(name))
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        self.ws.append(header)
        self.templates = []
        for name in columns:
            template = WriteOnlyCell(self.ws, 0)
            template.number_format = formats[name]
            self.templates.append(template._style)
        self.rows = 1

    def append(self, values: list[object]) -> None:
        cells = []
        for value, style in zip(values, self.templates, strict=True):
            cell = WriteOnlyCell(self.ws)
            cell._style = style
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                cell.value = None
            elif isinstance(value, str):
                cell.value = safe_text(value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, bool):
                cell.value = "yes" if value else "no"
                cell.data_type = "s"
            elif hasattr(value, "item"):  # numpy scalars
                cell.value = value.item()
            else:
                cell.value = value
            cells.append(cell)
        self.ws.append(cells)
        self.rows += 1

    def finish(self, name: str) -> None:
        ref = f"A1:{column_letter(len(self.columns) - 1)}{max(self.rows, 2)}"
        if self.rows == 1:
            self.ws.append([None] * len(self.columns))
        table = Table(displayName=re.sub(r"\W", "_", name), ref=ref)
        table.tableColumns = [
            TableColumn(id=i + 1, name=safe_text(c)) for i, c in enumerate(self.columns)
        ]
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        with warnings.catch_warnings():  # columns are set above; openpyxl warns regardless
            warnings.simplefilter("ignore", UserWarning)
            self.ws.add_table(table)


def column_widths(frame: pd.DataFrame, sample: int = 500) -> list[float]:
    """Widths that show the header and the values of the first rows (numbers with
    thousands separators), within 10 and 60 characters."""
    head = frame.head(sample)
    widths = []
    for name in frame.columns:
        longest = len(str(name))
        for value in head[name].tolist():
            if isinstance(value, float) and math.isfinite(value):
                longest = max(longest, len(f"{value:,.2f}") + 5)
            elif value is not None and not isinstance(value, float):
                longest = max(longest, len(str(value)))
        widths.append(float(max(10, min(60, longest + 2))))
    return widths


def _rows(frame: pd.DataFrame):
    for row in frame.itertuples(index=False, name=None):
        yield [None if (isinstance(v, float) and math.isnan(v)) else v for v in row]


def write_frame(
    wb: Workbook,
    title: str,
    frame: pd.DataFrame,
    currency: str,
    notes: list[str],
    table_name: str | None = None,
    deferred: list[Deferred] | None = None,
):
    """Write one table, continuing on 'Title (2)'... past Excel's row limit.

    Returns the first worksheet (for charts); notes on overflow go to `notes`. With
    `deferred`, a sheet of more than FAST_ROWS rows gets one sample row now and its rows
    after the save (io.fastrows), which is some twenty times faster."""
    columns = [str(c) for c in frame.columns]
    formats = _formats(title, columns, currency)
    first = None
    per_sheet = MAX_ROWS - 1
    chunks = max(1, math.ceil(len(frame) / per_sheet))
    if chunks > 1:
        notes.append(f"{title}: {len(frame):,} rows continue on {chunks - 1} more sheet(s)")
    for k in range(chunks):
        name = title if k == 0 else f"{title} ({k + 1})"
        writer = _SheetWriter(wb, name, columns, formats, column_widths(frame))
        part = frame.iloc[k * per_sheet : (k + 1) * per_sheet]
        if deferred is not None and len(part) > FAST_ROWS:
            writer.append([0.0 if part[c].dtype.kind in "fiu" else "x" for c in part.columns])
            writer.rows = len(part) + 1
            deferred.append(Deferred(len(wb.worksheets), part))
        else:
            for values in _rows(part):
                writer.append(values)
        writer.finish(table_name or name if k == 0 else f"{table_name or title}_{k + 1}")
        first = first or writer.ws
    return first


def add_share_chart(wb: Workbook, rules: pd.DataFrame, currency: str, notes: list[str]) -> None:
    """A bar chart of each transit country's highest share against its tightest cap."""
    caps = rules[(rules["bound"] == "max_share")]
    if caps.empty or "value" not in caps:
        return
    transit = caps.groupby("value").agg(share=("share", "max"), cap=("limit", "min")).reset_index()
    transit = transit.rename(
        columns={"value": "country", "share": "highest_share", "cap": "tightest_cap"}
    )
    ws = write_frame(wb, "Chart data", transit, currency, notes, "ChartData")
    chart = BarChart()
    chart.type = "col"
    chart.title = "Highest share per capped value vs its cap"
    chart.y_axis.title = "share"
    chart.y_axis.number_format = "0%"
    n = len(transit)
    data = Reference(ws, min_col=2, max_col=3, min_row=1, max_row=n + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    chart.width, chart.height = 18, 9
    ws.add_chart(chart, "E2")


def check_not_locked(target: Path) -> None:
    locks = lock_files(target)
    if locks:
        raise TargetLocked(
            f"{target.name} is open in a spreadsheet program ({locks[0].name} exists); "
            "close the file and run again. The old file is unchanged."
        )


def save_atomically(wb: Workbook, target: Path, deferred: list[Deferred] | None = None) -> None:
    """Save to a temporary file in the target folder, then rename over the target."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    check_not_locked(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".xlsx.tmp", dir=target.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        splice(Path(tmp), deferred or [], safe_text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a results file is for sharing
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise TargetLocked(
                f"cannot replace {target.name} ({exc.strerror}); close the file "
                "and run again. The old file is unchanged."
            ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_results(
    results,
    path: str | Path,
    extra_sheets: dict[str, pd.DataFrame] | None = None,
    *,
    images: dict[str, Path] | None = None,
    charts: dict[str, list[tuple[ChartBase, str]]] | None = None,
) -> Path:
    """Write the results workbook (sheet order of the spec), atomically. Returns the path.

    `images` embeds a PNG per sheet name: beside the table when the sheet has one, else on a
    sheet of its own (after the tables, before Log). `charts` anchors ready-made openpyxl
    charts on a table's sheet (build their references with `range_string`)."""
    from ..schema import RESULT_SHEETS as SPEC

    target = Path(path)
    check_not_locked(target)  # before any sheet exists: nothing half-built is left behind
    wb = Workbook(write_only=True)
    currency = results.currency
    notes: list[str] = []
    sheets = {"Summary": results.summary_frame(), **results.sheets}
    order = [s for s in SPEC if s in sheets and s not in ("Log",)]
    order += [s for s in (extra_sheets or {}) if s not in order]
    order += [s for s in sheets if s not in order and s != "Log"]
    images = {**getattr(results, "images", {}), **(images or {})}
    deferred: list[Deferred] = []
    for name in order:
        frame = (extra_sheets or {}).get(name, sheets.get(name))
        ws = write_frame(wb, name, frame, currency, notes, deferred=deferred)
        for chart, anchor in (charts or {}).get(name, ()):
            ws.add_chart(chart, anchor)
        if name in images:
            ws.add_image(_image(images[name]), f"{column_letter(len(frame.columns) + 1)}2")
    for name, png in images.items():
        if name not in order:
            ws = wb.create_sheet(name)
            ws.add_image(_image(png), "A1")
    log = sheets.get("Log", pd.DataFrame(columns=["level", "where", "message"]))
    if notes:
        log = pd.concat(
            [log, pd.DataFrame({"level": "warning", "where": "results", "message": notes})],
            ignore_index=True,
        )
    write_frame(wb, "Log", log, currency, notes)
    write_frame(wb, "Guide", guide_frame(sheets), currency, notes)
    if "Rules" in sheets and not sheets["Rules"].empty:
        add_share_chart(wb, sheets["Rules"], currency, notes)
    save_atomically(wb, target, deferred)
    return target


def _image(png: Path) -> Image:
    """An embeddable image read into memory now (the file may move before the save)."""
    return Image(io.BytesIO(Path(png).read_bytes()))


def guide_frame(sheets: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for sheet, columns in RESULT_SHEETS.items():
        if sheet != "Summary" and sheet not in sheets:
            continue
        for col in columns:
            rows.append({"sheet": sheet, "column": col.name, "unit": col.unit, "meaning": col.help})
    return pd.DataFrame(rows, columns=["sheet", "column", "unit", "meaning"])


def check_output(output: str | Path, inputs: list[str | Path], *, results: bool = True) -> None:
    """Refuse to write over an input file (by any path to it) or a results file that is
    not .xlsx: an InputError, nothing written."""
    from ..errors import InputError, InputIssue

    target = Path(output)
    if results and target.suffix.lower() != ".xlsx":
        raise InputError(
            [
                InputIssue(
                    "",
                    "",
                    "",
                    str(output),
                    f"results files are .xlsx; name the output {target.with_suffix('.xlsx').name}",
                )
            ]
        )
    resolved = target.resolve()
    for source in inputs:
        src = Path(source)
        same = (
            resolved == src.resolve() or str(resolved).casefold() == str(src.resolve()).casefold()
        )
        if not same and target.exists() and src.exists():
            same = os.path.samefile(target, src)
        if same:
            raise InputError(
                [
                    InputIssue(
                        "",
                        "",
                        "",
                        str(output),
                        f"{target.name} is an input of this run; "
                        "choose another output file (-o) so the input is kept",
                    )
                ]
            )


def check_template_target(output: str | Path, *, force: bool = False) -> None:
    """`corridor template` never replaces an existing file unless told to (`--force`)."""
    from ..errors import InputError, InputIssue

    target = Path(output)
    if target.suffix.lower() != ".xlsx":
        raise InputError(
            [
                InputIssue(
                    "",
                    "",
                    "",
                    str(output),
                    f"a template is an .xlsx file; name it {target.with_suffix('.xlsx').name}",
                )
            ]
        )
    if target.exists() and not force:
        raise InputError(
            [
                InputIssue(
                    "",
                    "",
                    "",
                    str(output),
                    f"{target.name} exists; choose another name or add --force to replace it",
                )
            ]
        )

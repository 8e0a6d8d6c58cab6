"""Result tables -> results workbook, whole or not at all.

Sheets, in order: `Dashboard` (when the run has one), `Summary` and the spec's first tables
(Flows ... Expansions), later features' sheets (Exposure matrix, Purchases, Diagnosis,
Stress...) in the schema's order, sheets the caller adds, `Log`, `Guide`. Each table is an
Excel Table with a frozen header, column widths that show its values, and number formats
that say what a number is (`io.xlsx`: money in the run's currency, shares as percentages,
counts as integers, text as text). Charts over a table go on a sheet of their own right
after it (`<table> chart`, printed whole on one page: spreadsheet programs ignore manual
page breaks on a sheet fitted to a page width, so a chart below a table could be cut at
any page edge).

Every sheet prints landscape, one page wide, header row repeated, with the input file, the
time of run and "page N of M" on each page; the Dashboard prints on one page.

Planner text is always a text cell (a route named ``=1+1`` stays a string) and characters
XML cannot hold are replaced. The workbook is written to a temporary file beside the target
and renamed over it; an Excel or LibreOffice lock file, or a refused rename, leaves the old
file intact and says "close it". A binary file object (``io.BytesIO``) is written straight.

Speed (the 200,000-row, 11-column Flows frame of benchmarks/run.py, 2 cores): XlsxWriter
writing every cell takes 10.8-11.6 s in its constant-memory mode (12.0 s and +517 MB in its
default mode), over the 10 s target; so sheets above `FAST_ROWS` rows get their rows from
`io.fastrows`: 2.1 s and +138 MB over the frame (openpyxl with the same splice: 1.8 s).
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from ..errors import InputError, InputIssue
from ..report import Block, ChartSpec, Dashboard, Results
from ..schema import PER_COMMODITY_ITEMS, RESULT_SHEETS, SUMMARY_FORMATS
from .fastrows import FAST_ROWS, Deferred, splice
from .xlsx import (
    AMBER,
    GREEN,
    HEADER_FILL,
    MAX_CELL_CHARS,
    PAGE_HEIGHT_PX,
    PAGE_WIDTH_PX,
    RED,
    ROW_HEIGHT_PT,
    ROW_HEIGHT_PX,
    TITLE_COLOUR,
    Book,
    ChartSource,
    PageHeader,
    chart_height,
    clean_rows,
    column_width,
    image_scale,
    infer_kind,
    make_chart,
    png_size,
    safe_text,
    table_name,
    wrapped_lines,
    write_value,
)

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_ROWS",
    "TargetLocked",
    "check_output",
    "check_template_target",
    "column_kinds",
    "guide_frame",
    "safe_text",
    "write_results",
]

MAX_ROWS = 1_048_576
# The results workbook's first sheets, in the spec's order; later features' sheets follow
CORE_SHEETS = (
    "Summary",
    "Flows",
    "Contracts",
    "Exposure",
    "Rules",
    "Capacity",
    "Routes",
    "Expansions",
)
WRAP_WIDEST, WRAP_OTHERS = 60, 30  # text wider than this wraps: the widest text column, others
NEAR_CAP = 0.05  # Exposure matrix: amber within 5 points of the cap
TABLE_STYLE = "Table Style Medium 2"
DASHBOARD = "Dashboard"
DASHBOARD_CHART = (520, 420)  # width, most height in pixels
DASHBOARD_ROW_PT = 13.5


class TargetLocked(Exception):
    """The results file is open elsewhere; the old file is untouched."""


# ------------------------------------------------------------------------------ files


def lock_files(target: Path) -> list[Path]:
    """Lock files Excel (~$name) and LibreOffice (.~lock.name#) leave beside an open file."""
    candidates = [target.with_name(f"~${target.name}"), target.with_name(f".~lock.{target.name}#")]
    return [p for p in candidates if p.exists()]


def check_not_locked(target: Path) -> None:
    locks = lock_files(target)
    if locks:
        raise TargetLocked(
            f"{target.name} is open in a spreadsheet program ({locks[0].name} exists); "
            "close the file and run again. The old file is unchanged."
        )


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same file by another path, a symbolic or hard
    link, or the same path in another letter case. Letter case is compared case-folded on
    every system (not only where the file system ignores case), so a workbook that moves
    between systems can never be replaced by its own output."""
    try:
        if a.exists() and b.exists() and os.path.samefile(a, b):
            return True
    except OSError:
        pass
    ra, rb = a.resolve(), b.resolve()
    return str(ra).casefold() == str(rb).casefold()


def check_output(
    output: str | Path,
    inputs: Iterable[str | Path] = (),
    *,
    results: bool = True,
    force: bool = False,
) -> Path:
    """The path to write, or an InputError (exit 2) saying what to do instead.

    Refuses an output that is one of the `inputs` (see `same_file`) and a name not ending in
    `.xlsx`; with `results=False` (the template) also an existing file unless `force`."""
    out = Path(output)
    what = "results file" if results else "template"
    issue = None
    for source in inputs:
        if same_file(out, Path(source)):
            issue = (
                f"the {what} {out} would replace the input workbook {source}; inputs are never "
                f"overwritten: give another name with -o, e.g. {out.stem}_results.xlsx"
            )
            break
    if issue is None and out.suffix.lower() != ".xlsx":
        issue = (
            f"the {what} {out.name} must be an .xlsx file; give a name ending in .xlsx, "
            f"e.g. {out.stem or 'plan'}.xlsx"
        )
    if issue is None and not results and not force and out.exists():
        issue = (
            f"{out} exists and `corridor template` does not replace a file; choose another "
            "name, or add --force to replace it"
        )
    if issue is not None:
        raise InputError([InputIssue("", "", "output", str(out), issue)])
    return out


def check_template_target(output: str | Path, *, force: bool = False) -> Path:
    """`corridor template` never replaces an existing file unless told to (`--force`)."""
    return check_output(output, (), results=False, force=force)


def _is_file_object(target: object) -> bool:
    return hasattr(target, "write") and not isinstance(target, str | os.PathLike)


def save_atomically(write, target: str | Path) -> Path:
    """Run `write(path)` on a temporary file beside `target`, give it the user's umask and
    rename it over the target. A lock file or a refused rename leaves the old file."""
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    check_not_locked(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".xlsx.tmp", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
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
    return target


# ------------------------------------------------------------------------------ formats


def column_kinds(sheet: str, frame: pd.DataFrame) -> list[str]:
    """The format kind of each column: the schema's `fmt`, a pattern's (`cost_<commodity>`,
    `<country>` in Exposure matrix) for columns it names, else inferred from the values."""
    spec = {c.name: c.fmt for c in RESULT_SHEETS.get(sheet, ())}
    patterns = [
        (c.name.split("<")[0], c.fmt) for c in RESULT_SHEETS.get(sheet, ()) if "<" in c.name
    ]
    kinds = []
    for name in frame.columns:
        name = str(name)
        kind = spec.get(name)
        if kind is None:
            # the longest prefix wins: "max_share_" before a bare "<country>" (prefix "")
            for prefix, fmt in sorted(patterns, key=lambda p: -len(p[0])):
                if name.startswith(prefix):
                    kind = fmt
                    break
        kinds.append(kind or infer_kind(frame[name], name))
    return kinds


def summary_kind(item: str, unit: str, currency: str) -> str:
    """The format of one Summary value: SUMMARY_FORMATS, plain numbers for per-commodity
    rows (`delivered:uranium`, in the commodity's unit), else by its unit."""
    if item in SUMMARY_FORMATS:
        return SUMMARY_FORMATS[item][0]
    if ":" in item and item.split(":", 1)[0] in PER_COMMODITY_ITEMS:
        return "number"
    return _kind_of_unit(unit, currency)


def _kind_of_unit(unit: object, currency: str) -> str:
    unit = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit)
    if unit == "share":
        return "share"
    if unit and unit in (currency, "currency", "money"):
        return "money"
    return "number" if unit else "general"


def row_kinds(sheet: str, frame: pd.DataFrame, currency: str) -> dict[str, list[str]]:
    """Columns whose format changes from row to row, with the kind of each row.

    Summary `value` (per item), Rules `limit` (a share for share bounds, else capacity
    units), and any `current`/`needed` (Diagnosis) or `without`/`robust` (Price of
    robustness) pair with a `unit` column beside it: a unit of `share`, the currency, or
    any other unit for a plain number; no unit leaves the value as it is (text)."""
    out: dict[str, list[str]] = {}
    if sheet == "Summary" and {"item", "value"} <= set(frame.columns):
        units = frame["unit"] if "unit" in frame else [""] * len(frame)
        # money as a plain amount: the unit column beside it names the currency
        out["value"] = [
            "amount" if k == "money" else k
            for k in (
                summary_kind(str(i), "" if u is None else str(u), currency)
                for i, u in zip(frame["item"], units, strict=True)
            )
        ]
    if sheet == "Rules" and {"limit", "bound"} <= set(frame.columns):
        out["limit"] = ["share" if str(b).endswith("_share") else "number" for b in frame["bound"]]
    if "unit" in frame.columns and sheet != "Summary":
        kinds = [_kind_of_unit(u, currency) for u in frame["unit"]]
        for name in ("current", "needed", "without", "robust"):
            if name in frame.columns:
                out[name] = kinds
    return out


# ------------------------------------------------------------------------------ a second currency


def report_rate(results: Results) -> tuple[str, float] | None:
    """(report currency, exchange rate) when both are set and usable."""
    code, rate = results.report_currency, results.exchange_rate
    if not code or rate is None:
        return None
    try:
        rate = float(rate)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(rate) or rate <= 0 or str(code) == results.currency:
        return None
    return str(code), rate


def converted_name(column: str, code: str) -> str:
    return f"{column} ({code})"


def with_converted(
    frame: pd.DataFrame,
    kinds: list[str],
    per_row: dict[str, list[str]],
    report: tuple[str, float] | None,
) -> tuple[pd.DataFrame, list[str], list[str], dict[str, list[str]]]:
    """The frame with a converted column after the table for each money column (and for a
    per-row column, its money rows), their kinds and which currency each column is in."""
    currencies = ["base"] * len(kinds)
    if report is None:
        return frame, kinds, currencies, per_row
    code, rate = report
    extra: dict[str, pd.Series] = {}
    extra_kinds: list[str] = []
    per_row = dict(per_row)
    for name, kind in zip(list(frame.columns), kinds, strict=True):
        target = converted_name(str(name), code)
        if target in frame.columns:
            continue
        values = pd.to_numeric(frame[name], errors="coerce")
        if str(name) in per_row:
            rows = per_row[str(name)]
            if not {"money", "amount"} & set(rows):
                continue
            mask = np.array([k in ("money", "amount") for k in rows])
            extra[target] = values.where(mask) * rate
            per_row[target] = [rows[i] if m else "general" for i, m in enumerate(mask)]
            extra_kinds.append("money")
        elif kind == "money":
            extra[target] = values * rate
            extra_kinds.append("money")
    if not extra:
        return frame, kinds, currencies, per_row
    out = pd.concat([frame.reset_index(drop=True), pd.DataFrame(extra)], axis=1)
    return out, kinds + extra_kinds, currencies + ["report"] * len(extra), per_row


# ------------------------------------------------------------------------------ the writer


class _Writer:
    """Renders one Results into a Book, sheet by sheet."""

    def __init__(self, book: Book, results: Results, fast: bool):
        self.book = book
        self.currency = results.currency
        self.report = report_rate(results)
        self.fast = fast
        self.notes: list[str] = []
        self.deferred: list[Deferred] = []
        self.sources: dict[str, ChartSource] = {}  # table sheet (or Dashboard block) -> data
        self.tables: set[str] = set()
        self.converted: dict[str, list[str]] = {}  # sheet -> converted column names

    def currency_of(self, which: str) -> str:
        return self.report[0] if which == "report" and self.report else self.currency

    # -- tables ------------------------------------------------------------------------

    def table(self, title: str, frame: pd.DataFrame) -> list[str]:
        """Write one table, continuing on 'Title (2)'... past Excel's row limit. Returns
        the sheet names used."""
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        kinds = column_kinds(title, frame)
        per_row = row_kinds(title, frame, self.currency)
        listed = list(frame.columns)
        frame, kinds, currencies, per_row = with_converted(frame, kinds, per_row, self.report)
        self.converted[title] = [c for c in frame.columns if c not in listed]
        per_sheet = MAX_ROWS - 1
        chunks = max(1, math.ceil(len(frame) / per_sheet))
        if chunks > 1:
            self.notes.append(
                f"{title}: {len(frame):,} rows continue on {chunks - 1} more sheet(s)"
            )
        widths, wrap = text_widths(frame, kinds, [self.currency_of(c) for c in currencies])
        names = []
        for k in range(chunks):
            name = title if k == 0 else f"{title} ({k + 1})"
            part = frame.iloc[k * per_sheet : (k + 1) * per_sheet]
            rows = {c: v[k * per_sheet : (k + 1) * per_sheet] for c, v in per_row.items()}
            self._table_sheet(name, part, kinds, currencies, rows, widths, wrap)
            names.append(name)
        last = max(1, min(len(frame), per_sheet))
        self.sources[title] = ChartSource(
            title,
            0,
            1,
            last if len(frame) else 0,
            {c: i for i, c in enumerate(frame.columns)},
            dict(zip(frame.columns, kinds, strict=True)),
        )
        return names

    def _table_sheet(
        self,
        name: str,
        frame: pd.DataFrame,
        kinds: list[str],
        currencies: list[str],
        per_row: dict[str, list[str]],
        widths: list[float],
        wrap: list[bool],
    ) -> None:
        book = self.book
        ws = book.add_worksheet(name)
        columns = list(frame.columns)
        n, width = len(frame), len(columns)
        if width == 0:  # nothing to tabulate: an empty sheet, still printable
            book.page_setup(ws)
            return
        cell = {"valign": "top"}
        header = book.format(None, bold=True, text_wrap=True, valign="top")
        fast = self.fast and n > FAST_ROWS
        table = table_name(name, self.tables)
        ws.add_table(
            0,
            0,
            2 if fast else max(n, 1),  # a fast sheet's table is widened by io.fastrows
            width - 1,
            {
                "name": table,
                "style": TABLE_STYLE,
                "columns": [{"header": safe_text(c), "header_format": header} for c in columns],
            },
        )
        ws.freeze_panes(1, 0)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        fmts = [
            book.formats_for(kind, self.currency_of(cur), **cell)
            for kind, cur in zip(kinds, currencies, strict=True)
        ]
        texts = [
            book.format("@", text_wrap=True, **cell) if w else book.format("@", **cell)
            for w in wrap
        ]
        if fast:
            # sample rows, two per variant (whole, two decimals): every style the rows will
            # use; a column whose format changes by row (per_row) has one variant per kind
            variants = [
                sorted(set(per_row[c])) if c in per_row else [kinds[j]]
                for j, c in enumerate(columns)
            ]
            for v in range(max(len(ks) for ks in variants)):
                for j, ks in enumerate(variants):
                    kind = ks[min(v, len(ks) - 1)]
                    pair = (
                        book.formats_for(kind, self.currency_of(currencies[j]), **cell)
                        if columns[j] in per_row
                        else fmts[j]
                    )
                    ws.write_number(1 + 2 * v, j, 0, pair[0])
                    ws.write_number(2 + 2 * v, j, 0, pair[1])
            self.deferred.append(
                Deferred(book.part_of(name), frame, kinds, table, variants, per_row)
            )
        else:
            row_fmts = {
                c: [
                    book.formats_for(k, self.currency_of(currencies[columns.index(c)]), **cell)
                    for k in ks
                ]
                for c, ks in per_row.items()
            }
            by_col = [row_fmts.get(c) for c in columns]
            row_k = [per_row.get(c) for c in columns]
            wrapped = [j for j in range(width) if wrap[j]]
            for r, values in enumerate(clean_rows(frame)):
                lines = max(
                    (wrapped_lines(values[j], widths[j]) for j in wrapped if values[j] is not None),
                    default=1,
                )
                if lines > 1:  # a set height: LibreOffice does not grow rows of wrapped text
                    ws.set_row(r + 1, lines * ROW_HEIGHT_PT)
                for j, value in enumerate(values):
                    if by_col[j] is None:
                        write_value(ws, r + 1, j, value, kinds[j], fmts[j], texts[j])
                    else:
                        kind = row_k[j][r]
                        write_value(ws, r + 1, j, value, kind, by_col[j][r], texts[j])
        if name.startswith("Exposure matrix") and "cap" in columns:
            self._cap_colours(ws, columns, n)
        book.page_setup(ws)

    def _cap_colours(self, ws, columns: list[str], n: int) -> None:
        """Exposure matrix: each country's share against the row's cap: green below, amber
        within 5 points, red at or above; a blank cap or share gets no colour."""
        cap = columns.index("cap")
        fixed = {"destination", "commodity", "period", "cap"}
        shares = [i for i, c in enumerate(columns) if c not in fixed and i > cap and " (" not in c]
        if not shares or n == 0:
            return
        cap_ref = f"${xl_col_to_name(cap)}2"
        for lo, hi in _runs(shares):
            first = f"{xl_col_to_name(lo)}2"
            known = f"AND(ISNUMBER({cap_ref}),ISNUMBER({first}))"
            rules = (
                (f"=AND({known},{first}>={cap_ref}-0.0000001)", RED),
                (f"=AND({known},{first}>={cap_ref}-{NEAR_CAP})", AMBER),
                (f"={known}", GREEN),
            )
            for formula, colours in rules:
                ws.conditional_format(
                    1,
                    lo,
                    n,
                    hi,
                    {
                        "type": "formula",
                        "criteria": formula,
                        "format": self.book.format(None, **colours),
                        "stop_if_true": True,
                    },
                )

    # -- charts and images -------------------------------------------------------------

    def figures(
        self,
        table: str,
        specs: Sequence[ChartSpec],
        images: Sequence[object],
        sheet: str | None = None,
    ) -> None:
        """Charts over one table (and images for it) on a sheet of their own, printed on one
        page: `<table> chart(s)`, or `sheet` (images for a sheet that holds no table)."""
        source = self.sources.get(table)
        charts = []
        for spec in specs:
            if source is None:
                self.notes.append(f"chart {spec.title!r} skipped: no sheet {table}")
                continue
            chart, why = make_chart(self.book, spec, source, self.currency)
            if chart is None:
                self.notes.append(why)
            else:
                charts.append((chart, chart_height(spec, source.last_row - source.first_row + 1)))
        pictures = [_png_bytes(p) for p in images]
        if not charts and not pictures:
            return
        count = len(charts) + len(pictures)
        name = sheet or f"{table} chart" + ("s" if count > 1 else "")
        name = _free_name(name, self.book.worksheets)
        ws = self.book.add_worksheet(name)
        caption = table if sheet else f"Charts of the sheet {table}"
        ws.write_string(0, 0, safe_text(caption), self.book.format(None, bold=True))
        ws.hide_gridlines(2)
        top = ROW_HEIGHT_PX + 6
        columns = 2 if len(charts) > 1 else 1
        width = PAGE_WIDTH_PX // columns - 12
        y, row_height = top, 0
        for k, (chart, height) in enumerate(charts):
            col = k % columns
            if col == 0 and k:
                y += row_height + 12
                row_height = 0
            chart.set_size({"width": width, "height": height})
            ws.insert_chart(
                0, 0, chart, {"x_offset": col * (width + 12), "y_offset": y, "object_position": 3}
            )
            row_height = max(row_height, height)
        y += row_height + 12 if charts else 0
        for png in pictures:
            scale = image_scale(png, PAGE_WIDTH_PX, PAGE_HEIGHT_PX - top)
            ws.insert_image(
                0,
                0,
                f"{name}.png",
                {
                    "image_data": io.BytesIO(png),
                    "x_scale": scale,
                    "y_scale": scale,
                    "y_offset": y,
                    "object_position": 3,
                },
            )
            y += 12 + int((png_size(png) or (0, PAGE_HEIGHT_PX))[1] * scale)
        self.book.page_setup(ws, repeat_header=False, one_page=True)

    # -- the Dashboard -----------------------------------------------------------------

    def dashboard(self, dash: Dashboard, more_charts: Sequence[ChartSpec] = ()) -> None:
        """Title, subtitle, blocks in two lanes and the charts beside them (one lane, two
        for more than two charts), printed on one page."""
        book = self.book
        ws = book.add_worksheet(DASHBOARD)
        ws.set_default_row(DASHBOARD_ROW_PT)  # airier than a table: the page is fitted anyway
        ws.hide_gridlines(2)
        ws.set_row(0, 26)
        ws.write_string(
            0,
            0,
            safe_text(dash.title),
            book.format(None, bold=True, font_size=18, font_color=TITLE_COLOUR),
        )
        if dash.subtitle:
            ws.write_string(1, 0, safe_text(dash.subtitle), book.format(None, italic=True))
        top = 3
        blocks = [b for b in dash.blocks if b.frame is not None]
        lanes = _lanes(blocks, 2)
        start = 0
        placed: dict[str, ChartSource] = {}
        for lane in lanes:
            if not lane:
                continue
            width = max(len(_shown_block(b)[0].columns) for b in lane)
            widths = [8.0] * width
            row = top
            for block in lane:
                kinds, block_widths = self._block_layout(block)
                for i, w in enumerate(block_widths):
                    widths[i] = max(widths[i], w)
                placed[block.title] = self._block(ws, block, kinds, row, start)
                row += len(block.frame) + 3
            for i, w in enumerate(widths):
                ws.set_column(start + i, start + i, w)
            ws.set_column(start + width, start + width, 2)
            start += width + 1
        charts = []
        for spec in [*dash.charts, *more_charts]:
            source = placed.get(spec.block or "")
            if source is None:
                self.notes.append(
                    f"chart {spec.title!r} skipped: no Dashboard block {spec.block!r}"
                )
                continue
            chart, why = make_chart(book, spec, source, self.currency)
            if chart is None:
                self.notes.append(why)
                continue
            width, most = DASHBOARD_CHART
            height = min(chart_height(spec, source.last_row - source.first_row + 1), most)
            chart.set_size({"width": width, "height": height})
            charts.append((chart, height))
        lanes_of_charts = 1 if len(charts) <= 2 else 2
        rows = [top] * lanes_of_charts
        for k, (chart, height) in enumerate(charts):
            lane = k % lanes_of_charts
            offset = lane * (DASHBOARD_CHART[0] + 12)
            ws.insert_chart(rows[lane], start, chart, {"x_offset": offset, "object_position": 3})
            rows[lane] += math.ceil(height / (DASHBOARD_ROW_PT * 4 / 3)) + 1
        book.page_setup(ws, repeat_header=False, one_page=True)

    def _block_layout(self, block: Block) -> tuple[list[str], list[float]]:
        frame, row_fmt = _shown_block(block)
        kinds = [block.formats.get(str(c)) or infer_kind(frame[c], str(c)) for c in frame.columns]
        widths = []
        for c, k in zip(frame.columns, kinds, strict=True):
            if row_fmt is not None and k == "general":  # measure each value in its own format
                values = frame[c].tolist()
                widths.append(
                    max(
                        column_width(str(c), [v], f or "general", self.currency)
                        for v, f in zip(values, row_fmt, strict=True)
                    )
                    if values
                    else column_width(str(c), [], k)
                )
            else:
                widths.append(column_width(str(c), frame[c].tolist(), k, self.currency))
        return kinds, widths

    def _block(self, ws, block: Block, kinds: list[str], row: int, col: int) -> ChartSource:
        book = self.book
        frame, row_fmt = _shown_block(block)
        columns = [str(c) for c in frame.columns]
        title = book.format(None, bold=True, font_size=11, font_color=TITLE_COLOUR)
        head = book.format(None, bold=True, bg_color=HEADER_FILL, bottom=1, text_wrap=True)
        ws.write_string(row, col, safe_text(block.title), title)
        for j, name in enumerate(columns):
            ws.write_string(row + 1, col + j, safe_text(name), head)
        text = book.format("@", bottom=4, bottom_color="#BFBFBF")
        for r, values in enumerate(clean_rows(frame)):
            for j, value in enumerate(values):
                kind = kinds[j]
                if row_fmt is not None and kind == "general":
                    kind = row_fmt[r] or kind
                fmts = book.formats_for(kind, self.currency, bottom=4, bottom_color="#BFBFBF")
                if value is None:
                    ws.write_blank(row + 2 + r, col + j, None, fmts[0])
                else:
                    write_value(ws, row + 2 + r, col + j, value, kind, fmts, text)
        return ChartSource(
            "Dashboard",
            row + 1,
            row + 2,
            row + 1 + len(frame),
            {c: col + j for j, c in enumerate(columns)},
            dict(zip(columns, kinds, strict=True)),
        )


def text_widths(
    frame: pd.DataFrame, kinds: list[str], currencies: list[str]
) -> tuple[list[float], list[bool]]:
    """Column widths, and which columns wrap: the widest text column wraps beyond
    WRAP_WIDEST characters, other text columns beyond WRAP_OTHERS."""
    head = frame.head(500)
    natural = [
        column_width(name, head[name].tolist(), kind, cur, cap=1000)
        for name, kind, cur in zip(frame.columns, kinds, currencies, strict=True)
    ]
    texts = [j for j, k in enumerate(kinds) if k == "text"]
    widest = max(texts, key=lambda j: natural[j], default=None)
    widths, wrap = [], []
    for j, w in enumerate(natural):
        cap = WRAP_WIDEST if j == widest or kinds[j] != "text" else WRAP_OTHERS
        widths.append(min(w, cap))
        wrap.append(kinds[j] == "text" and w > cap)
    return widths, wrap


def _shown_block(block: Block) -> tuple[pd.DataFrame, list[str] | None]:
    """A block's frame as shown, and its per-row formats: a `fmt` column (not shown) gives
    the format of each row's values in the columns whose format is `general` (a headline
    of status, money and shares in one `value` column)."""
    frame = block.frame.reset_index(drop=True)
    if "fmt" not in frame.columns:
        return frame, None
    row_fmt = ["" if f is None or f != f else str(f) for f in frame["fmt"].tolist()]
    return frame.drop(columns="fmt"), row_fmt


def _lanes(blocks: list[Block], count: int) -> list[list[Block]]:
    """Blocks in `count` lanes, the first in the first lane, each next one in the lane that
    is shortest so far (lanes grow downwards)."""
    lanes: list[list[Block]] = [[] for _ in range(count)]
    heights = [0] * count
    for block in blocks:
        k = heights.index(min(heights))
        lanes[k].append(block)
        heights[k] += len(block.frame) + 3
    return lanes


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of column indices as (first, last) pairs."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _free_name(name: str, taken: list[str]) -> str:
    lowered = {t.lower() for t in taken}
    name = name[:31]
    base, k = name, 2
    while name.lower() in lowered:
        suffix = f" ({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    return name


def _png_bytes(png: object) -> bytes:
    """An image read into memory now (the file may move before the save)."""
    if isinstance(png, bytes | bytearray):
        return bytes(png)
    return Path(png).read_bytes()


def guide_frame(
    sheets: dict[str, pd.DataFrame], converted: dict[str, list[str]] | None = None, note: str = ""
) -> pd.DataFrame:
    """What each results column means, with its unit; converted columns at the end of each
    sheet's rows with the rate used (`note`)."""
    rows = []
    for sheet, columns in RESULT_SHEETS.items():
        if sheet != "Summary" and sheet not in sheets:
            continue
        for col in columns:
            rows.append({"sheet": sheet, "column": col.name, "unit": col.unit, "meaning": col.help})
        for name in (converted or {}).get(sheet, []):
            base = name.rsplit(" (", 1)[0]
            code = name.rsplit(" (", 1)[1].rstrip(")")
            rows.append(
                {"sheet": sheet, "column": name, "unit": code, "meaning": f"{base} in {code}{note}"}
            )
    return pd.DataFrame(rows, columns=["sheet", "column", "unit", "meaning"])


def _sheet_order(results: Results, extra: dict[str, pd.DataFrame]) -> list[str]:
    """The spec's first sheets in its order, then later features' sheets in the schema's
    order, then the caller's; Log and Guide come last (written separately)."""
    sheets = {"Summary": None, **results.sheets, **extra}
    order = [s for s in CORE_SHEETS if s in sheets]
    order += [s for s in RESULT_SHEETS if s in sheets and s not in order and s != "Log"]
    order += [s for s in extra if s not in order and s != "Log"]
    order += [s for s in sheets if s not in order and s != "Log"]
    return order


def write_results(
    results: Results,
    target: str | Path | IO[bytes],
    extra_sheets: dict[str, pd.DataFrame] | None = None,
    *,
    images: dict[str, object] | None = None,
    charts: Sequence[ChartSpec] | None = None,
) -> Path | IO[bytes]:
    """Write the results workbook, atomically, to a path (returned) or into a binary file
    object (returned as given).

    `results.charts` (plus `charts`) are ChartSpecs over table sheets; `results.images`
    (plus `images`) embed a PNG (path or bytes) per sheet name: each table's charts and
    images go on a sheet of their own after it; an image for a sheet that is no table gets
    that sheet alone."""
    extra = dict(extra_sheets or {})
    specs = [*results.charts, *(charts or ())]
    for spec in specs:
        if not isinstance(spec, ChartSpec):
            raise TypeError(f"charts must be corridor.report.ChartSpec, not {type(spec).__name__}")
    pictures: dict[str, list[object]] = {}
    for sheet, png in [*results.images.items(), *(images or {}).items()]:
        pictures.setdefault(sheet, []).append(png)
    frames = {"Summary": results.summary_frame(), **results.sheets, **extra}
    big = any(len(f) > FAST_ROWS for f in frames.values() if f is not None)

    def build(out, fast: bool) -> list[Deferred]:
        page = PageHeader(results.input_file, results.time_of_run)
        book = Book(out, page)
        writer = _Writer(book, results, fast)
        if results.dashboard is not None:
            on_dashboard = [s for s in specs if s.sheet == DASHBOARD]
            writer.dashboard(results.dashboard, on_dashboard)
        for name in _sheet_order(results, extra):
            writer.table(name, frames[name])
            mine = [s for s in specs if s.sheet == name]
            writer.figures(name, mine, pictures.get(name, []))
        for name, pngs in pictures.items():
            if name not in frames:
                writer.figures(name, [], pngs, sheet=name)
        for spec in specs:
            if spec.sheet not in frames and spec.sheet != DASHBOARD:
                writer.notes.append(f"chart {spec.title!r} skipped: no sheet {spec.sheet}")
        log = frames.get("Log")
        if log is None:
            log = pd.DataFrame(columns=["level", "where", "message"])
        if writer.notes:
            log = pd.concat(
                [
                    log,
                    pd.DataFrame({"level": "warning", "where": "results", "message": writer.notes}),
                ],
                ignore_index=True,
            )
        writer.table("Log", log)
        note = ""
        if writer.report:
            code, rate = writer.report
            note = f", converted at {rate:,.6g} {code} per {results.currency}"
        writer.table("Guide", guide_frame(frames, writer.converted, note))
        book.close()
        return writer.deferred

    if _is_file_object(target):
        if not big:
            build(target, fast=False)
            return target
        with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
            deferred = build(spool, fast=True)
            spool.seek(0)
            splice(spool, target, deferred, safe_text)
        return target

    path = Path(target)
    check_not_locked(path.resolve())  # before any sheet exists: nothing half-built is left

    def write(tmp: str) -> None:
        if not big:
            build(tmp, fast=False)
            return
        first = f"{tmp}.rows"
        try:
            deferred = build(first, fast=True)
            splice(first, tmp, deferred, safe_text)
        finally:
            if os.path.exists(first):
                os.unlink(first)

    return save_atomically(write, path)

"""Fast rows for large sheets: the data rows' XML generated here, spliced into the saved file.

XlsxWriter spends some 5 us a cell (its cell objects, then one XML element at a time):
measured on 2 cores, the 200,000-row, 11-column Flows frame of `benchmarks/run.py` takes
10.8-11.6 s to write cell by cell even in its constant-memory mode, against 2.1 s with this
splice (see the module docstring of `io.write` for the figures). So for a sheet above
FAST_ROWS rows, `io.write` lets XlsxWriter write everything but the data: header, Excel
Table (over the full range), frozen pane, widths, page setup, conditional formats; and two
sample rows, row 2 in each column's whole-number style and row 3 in its two-decimal style,
so both styles exist in the workbook (a column whose format changes by row, such as Rules'
limit, a share or a volume by bound, gets a pair per kind: rows 4 and 5, ...). After the
save `splice` copies the file, replacing the sample rows by all the rows, written here as
the XML XlsxWriter would write (inline strings, each value in the style its format kind
asks for), streamed into the zip in blocks.

Text is escaped, always a string cell, never a formula; ``_x0041_`` stays literal text.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from ..errors import column_letter
from .xlsx import is_small, small_mask

FAST_ROWS = 2000
BLOCK = 20_000
_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')
_TABLE_NAME = re.compile(rb'displayName="([^"]*)"')
_REF = re.compile(rb' ref="A1:[A-Z]+\d+"')
# Excel reads _xHHHH_ in text as an escaped character: escape the underscore to keep it
_ESCAPED = re.compile(r"(_x[0-9A-Fa-f]{4}_)")


@dataclass
class Deferred:
    """A sheet whose data rows are written after XlsxWriter saves the workbook."""

    part: str  # its zip member, xl/worksheets/sheetN.xml
    frame: pd.DataFrame
    kinds: list[str]  # the format kind of each column (io.xlsx)
    table: str  # its Excel Table, written over the sample rows only (XlsxWriter records
    # every cell of a table's range: 2 s and 300 MB for 200,000 x 11); widened here
    # the kinds of each column's sample-row pairs (one per kind; several where the format
    # changes by row) and, for such columns, each row's kind
    variants: list[list[str]] | None = None
    per_row: dict[str, list[str]] | None = None

    @property
    def n_variants(self) -> int:
        return max((len(v) for v in self.variants), default=1) if self.variants else 1

    @property
    def ref(self) -> str:
        return f"A1:{column_letter(self.frame.shape[1] - 1)}{len(self.frame) + 1}"


def text_xml(text: str, clean) -> str:
    return escape(_ESCAPED.sub(r"_x005F\1", clean(text)))


def _text_cell(ref: str, style: str, text: str) -> str:  # for the rare non-text values
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _column_cells(
    values: pd.Series, letter: str, styles: tuple[str, str], kind: str, first: int, clean
) -> list[str]:
    """The XML of one column's cells ('' where the value is blank)."""
    rows = range(first, first + len(values))
    whole, small = styles
    if values.dtype.kind in "fiu":
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        chosen = np.where(small_mask(kind, numbers), small, whole).tolist()
        return [
            f'<c r="{letter}{r}"{s}><v>{v!r}</v></c>' if math.isfinite(v) else ""
            for r, v, s in zip(rows, numbers.tolist(), chosen, strict=True)
        ]
    out = []
    texts: dict[str, str] = {}  # ids repeat down a column: escape each text once
    opening = f'{whole} t="inlineStr"><is><t xml:space="preserve">'
    for r, v in zip(rows, values.tolist(), strict=True):
        if isinstance(v, str) and v:
            text = texts.get(v)
            if text is None:
                text = texts[v] = text_xml(v, clean)
            out.append(f'<c r="{letter}{r}"{opening}{text}</t></is></c>')
        elif v is None or v == "" or v is pd.NaT or (isinstance(v, float) and not math.isfinite(v)):
            out.append("")
        elif isinstance(v, bool | np.bool_):
            out.append(_text_cell(f"{letter}{r}", whole, "yes" if v else "no"))
        elif isinstance(v, int | float | np.number):
            f = float(v)
            style = small if is_small(kind, f) else whole
            out.append(f'<c r="{letter}{r}"{style}><v>{f!r}</v></c>' if math.isfinite(f) else "")
        else:
            out.append(_text_cell(f"{letter}{r}", whole, text_xml(str(v), clean)))
    return out


def _samples(n_variants: int) -> re.Pattern:
    """The sample rows XlsxWriter wrote: rows 2 .. 1 + 2 * n_variants."""
    last = 1 + 2 * n_variants
    return re.compile(rb'<row r="2"[^>]*>.*?<row r="%d"[^>]*>.*?</row>' % last, re.S)


def _varying_cells(
    values: pd.Series,
    letter: str,
    styles: list[tuple[str, str]],
    kinds: list[str],
    row_kinds: list[str],
    first: int,
) -> list[str]:
    """The XML of a number column whose format kind changes by row: each row in the
    (whole, small) styles of its kind's variant."""
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    which = np.asarray([kinds.index(k) for k in row_kinds], dtype=np.int64)
    chosen = np.empty(len(numbers), dtype=object)
    for v, kind in enumerate(kinds):
        on = which == v
        whole, small = styles[min(v, len(styles) - 1)]
        chosen[on] = np.where(small_mask(kind, numbers[on]), small, whole)
    return [
        f'<c r="{letter}{r}"{s}><v>{x!r}</v></c>' if math.isfinite(x) else ""
        for r, x, s in zip(
            range(first, first + len(numbers)), numbers.tolist(), chosen, strict=True
        )
    ]


def rows_xml(
    frame: pd.DataFrame,
    styles: list[list[tuple[str, str]]],
    kinds: list[str],
    clean,
    item: Deferred | None = None,
):
    """Yield the <row> elements of `frame` from row 2 on, in blocks of bytes."""
    letters = [column_letter(i) for i in range(frame.shape[1])]
    per_row = (item.per_row or {}) if item is not None else {}
    for start in range(0, len(frame), BLOCK):
        block = frame.iloc[start : start + BLOCK]
        first = start + 2
        columns = []
        for j in range(block.shape[1]):
            name = block.columns[j]
            values = block.iloc[:, j]
            if name in per_row and values.dtype.kind in "fiu":
                row_kinds = per_row[name][start : start + BLOCK]
                columns.append(
                    _varying_cells(
                        values, letters[j], styles[j], item.variants[j], row_kinds, first
                    )
                )
            else:
                columns.append(
                    _column_cells(values, letters[j], styles[j][0], kinds[j], first, clean)
                )
        yield "".join(
            f'<row r="{first + i}">{"".join(cells)}</row>'
            for i, cells in enumerate(zip(*columns, strict=True))
        ).encode()


def _styles(samples: bytes, width: int, n_variants: int = 1) -> list[list[tuple[str, str]]]:
    """Each column's (whole, small) style attributes, one pair per variant, read from the
    sample rows (variant v in rows 2 + 2v and 3 + 2v)."""
    found: dict[tuple[str, str], str] = {}
    for m in _CELL_STYLE.finditer(samples):
        found[(m.group(1).decode(), m.group(2).decode())] = (
            f' s="{m.group(3).decode()}"' if m.group(3) else ""
        )
    letters = [column_letter(i) for i in range(width)]
    return [
        [
            (found.get((c, str(2 + 2 * v)), ""), found.get((c, str(3 + 2 * v)), ""))
            for v in range(n_variants)
        ]
        for c in letters
    ]


def _widen_table(xml: bytes, by_table: dict[bytes, Deferred]) -> bytes:
    """A deferred sheet's table (and its filter) over all its rows."""
    name = _TABLE_NAME.search(xml)
    item = by_table.get(name.group(1)) if name else None
    if item is None:
        return xml
    return _REF.sub(f' ref="{item.ref}"'.encode(), xml)


def splice(src, dst, deferred: list[Deferred], clean) -> None:
    """Copy the workbook `src` to `dst` (paths or binary files) with every deferred sheet's
    sample rows replaced by all its rows."""
    by_part = {d.part: d for d in deferred}
    by_table = {d.table.encode(): d for d in deferred}
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        for info in zin.infolist():
            item = by_part.get(info.filename)
            if item is None:
                data = zin.read(info.filename)
                if info.filename.startswith("xl/tables/"):
                    data = _widen_table(data, by_table)
                zout.writestr(info, data, compress_type=info.compress_type)
                continue
            xml = zin.read(info.filename)
            sample = _samples(item.n_variants).search(xml)
            if sample is None:
                raise RuntimeError(f"no sample rows in {info.filename}")
            styles = _styles(sample.group(0), item.frame.shape[1], item.n_variants)
            head = _DIMENSION.sub(f'<dimension ref="{item.ref}"/>'.encode(), xml[: sample.start()])
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(member, "w", force_zip64=True) as part:
                part.write(head)
                for block in rows_xml(item.frame, styles, item.kinds, clean, item):
                    part.write(block)
                part.write(xml[sample.end() :])

"""Fast rows for large sheets: the data rows' XML generated here, spliced into the saved file.

XlsxWriter spends some 5 us a cell (its cell objects, then one XML element at a time):
measured on 2 cores, the 200,000-row, 11-column Flows frame of `benchmarks/run.py` takes
10.8-11.6 s to write cell by cell even in its constant-memory mode, against 2.1 s with this
splice (see the module docstring of `io.write` for the figures). So for a sheet above
FAST_ROWS rows, `io.write` lets XlsxWriter write everything but the data: header, Excel
Table (over the full range), frozen pane, widths, page setup, conditional formats; and two
sample rows, row 2 in each column's whole-number style and row 3 in its two-decimal style,
so both styles exist in the workbook. After the save `splice` copies the file, replacing the
sample rows by all the rows, written here as the XML XlsxWriter would write (inline strings,
each value in the style its format kind asks for), streamed into the zip in blocks.

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
_SAMPLES = re.compile(rb'<row r="2"[^>]*>.*?</row><row r="3"[^>]*>.*?</row>', re.S)
_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)([23])"(?: s="(\d+)")?')
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


def rows_xml(frame: pd.DataFrame, styles: list[tuple[str, str]], kinds: list[str], clean):
    """Yield the <row> elements of `frame` from row 2 on, in blocks of bytes."""
    letters = [column_letter(i) for i in range(frame.shape[1])]
    for start in range(0, len(frame), BLOCK):
        block = frame.iloc[start : start + BLOCK]
        first = start + 2
        columns = [
            _column_cells(block.iloc[:, j], letters[j], styles[j], kinds[j], first, clean)
            for j in range(block.shape[1])
        ]
        yield "".join(
            f'<row r="{first + i}">{"".join(cells)}</row>'
            for i, cells in enumerate(zip(*columns, strict=True))
        ).encode()


def _styles(samples: bytes, width: int) -> list[tuple[str, str]]:
    """Each column's (whole, small) style attribute, read from the two sample rows."""
    found: dict[tuple[str, str], str] = {}
    for m in _CELL_STYLE.finditer(samples):
        found[(m.group(1).decode(), m.group(2).decode())] = (
            f' s="{m.group(3).decode()}"' if m.group(3) else ""
        )
    letters = [column_letter(i) for i in range(width)]
    return [(found.get((c, "2"), ""), found.get((c, "3"), "")) for c in letters]


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
            sample = _SAMPLES.search(xml)
            if sample is None:
                raise RuntimeError(f"no sample rows in {info.filename}")
            styles = _styles(sample.group(0), item.frame.shape[1])
            head = _DIMENSION.sub(f'<dimension ref="{item.ref}"/>'.encode(), xml[: sample.start()])
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(member, "w", force_zip64=True) as part:
                part.write(head)
                for block in rows_xml(item.frame, styles, item.kinds, clean):
                    part.write(block)
                part.write(xml[sample.end() :])

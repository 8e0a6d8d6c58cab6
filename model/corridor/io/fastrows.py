"""Fast rows for large sheets: the cells' XML generated directly, spliced into openpyxl's file.

openpyxl spends about 15 us a cell in its writer; a 200,000-row Flows sheet would take half a
minute. For a sheet above FAST_ROWS rows, `io.write` lets openpyxl write the header and one
sample row (so it owns styles, the table, the frozen pane and every other part), and after
saving, `splice` replaces that sample row by all the rows, written here as the same XML
openpyxl would write (inline strings, the sample row's style per column), streamed into the
zip in blocks. Text is escaped and always a string cell, never a formula.
"""

from __future__ import annotations

import math
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from ..errors import column_letter

FAST_ROWS = 2000
BLOCK = 20_000
_SAMPLE = re.compile(rb'<row r="2"[^>]*>.*?</row>', re.S)
_CELL_STYLE = re.compile(rb'<c r="([A-Z]+)2"(?: s="(\d+)")?')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


@dataclass
class Deferred:
    """A sheet whose data rows are written after openpyxl saves the workbook."""

    sheet_number: int  # xl/worksheets/sheet{n}.xml
    frame: pd.DataFrame


def _text_cell(ref: str, style: str, text: str) -> str:
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _column_cells(values: pd.Series, letter: str, style: str, first: int, clean) -> list[str]:
    """The XML of one column's cells ('' where the value is blank)."""
    rows = range(first, first + len(values))
    if values.dtype.kind in "fiu":
        out = []
        for r, v in zip(rows, values.astype(float).tolist(), strict=True):
            out.append(f'<c r="{letter}{r}"{style}><v>{v!r}</v></c>' if math.isfinite(v) else "")
        return out
    out = []
    for r, v in zip(rows, values.tolist(), strict=True):
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            out.append("")
        elif isinstance(v, str):
            out.append(_text_cell(f"{letter}{r}", style, escape(clean(v))))
        elif isinstance(v, bool):
            out.append(_text_cell(f"{letter}{r}", style, "yes" if v else "no"))
        elif isinstance(v, (int, float, np.number)):
            out.append(f'<c r="{letter}{r}"{style}><v>{float(v)!r}</v></c>')
        else:
            out.append(_text_cell(f"{letter}{r}", style, escape(clean(str(v)))))
    return out


def rows_xml(frame: pd.DataFrame, styles: dict[str, str], clean):
    """Yield the <row> elements of `frame` from row 2 on, in blocks."""
    letters = [column_letter(i) for i in range(frame.shape[1])]
    for start in range(0, len(frame), BLOCK):
        block = frame.iloc[start : start + BLOCK]
        first = start + 2
        columns = [
            _column_cells(block.iloc[:, j], letters[j], styles.get(letters[j], ""), first, clean)
            for j in range(block.shape[1])
        ]
        yield "".join(
            f'<row r="{first + i}">{"".join(cells)}</row>'
            for i, cells in enumerate(zip(*columns, strict=True))
        ).encode()


def splice(path: Path, deferred: list[Deferred], clean) -> None:
    """Rewrite the saved workbook at `path` with every deferred sheet's rows in place."""
    if not deferred:
        return
    by_part = {f"xl/worksheets/sheet{d.sheet_number}.xml": d for d in deferred}
    tmp = path.with_name(path.name + ".rows")
    with (
        zipfile.ZipFile(path) as src,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            item = by_part.get(info.filename)
            if item is None:
                dst.writestr(info, src.read(info.filename), compress_type=info.compress_type)
                continue
            xml = src.read(info.filename)
            sample = _SAMPLE.search(xml)
            styles = {
                m.group(1).decode(): f' s="{m.group(2).decode()}"' if m.group(2) else ""
                for m in _CELL_STYLE.finditer(sample.group(0))
            }
            last = column_letter(item.frame.shape[1] - 1)
            head = _DIMENSION.sub(
                f'<dimension ref="A1:{last}{len(item.frame) + 1}"/>'.encode(), xml[: sample.start()]
            )
            with dst.open(info.filename, "w", force_zip64=True) as part:
                part.write(head)
                for block in rows_xml(item.frame, styles, clean):
                    part.write(block)
                part.write(xml[sample.end() :])
    shutil.move(tmp, path)

"""Workbook file -> raw cell grids, safely.

Order of work, each step refusing what the next must not see:
1. the file: `.xlsx`/`.xlsm` only, non-empty, a zip;
2. the zip: bounded total expanded size and compression ratio (zip bombs);
3. the XML: no DTD or entity declarations in any part (entity bombs, external entities);
4. the cells, read with python-calamine (fast, never runs macros), plus one streamed scan
   of the sheets corridor uses for the two things calamine hides: error values (`#N/A`)
   and formulas without a stored value.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as SafeET
from python_calamine import CalamineWorkbook

from ..errors import column_letter

MAX_EXPANDED_BYTES = 2 * 1024**3  # all parts together
MAX_RATIO = 200  # per part, expanded / compressed, once the part exceeds RATIO_FLOOR
RATIO_FLOOR = 16 * 1024**2
PROLOG_BYTES = 64 * 1024  # a DTD must precede the root element, so this much suffices
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


@dataclass
class RawSheet:
    """One sheet as a grid from A1: `rows[0]` is Excel row 1."""

    name: str
    rows: list[list[object]]
    bad_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) -> why
    merged: list[str] = field(default_factory=list)
    unreadable: bool = False  # present but unusable (a frame of the wrong type), reported


class UnreadableWorkbook(Exception):
    """The file is not a workbook corridor will open; the message says why."""


def check_container(path: Path) -> zipfile.ZipFile:
    """Refuse anything but a sane .xlsx/.xlsm zip; returns the open zip."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        kind = (
            "an old .xls workbook" if path.suffix.lower() == ".xls" else f"a {path.suffix!r} file"
        )
        raise UnreadableWorkbook(
            f"{path.name} is {kind}; corridor reads .xlsx or .xlsm (save it as .xlsx in Excel)"
        )
    if not path.exists():
        raise UnreadableWorkbook(f"{path} does not exist")
    if path.stat().st_size == 0:
        raise UnreadableWorkbook(f"{path.name} is empty (0 bytes)")
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableWorkbook(
            f"{path.name} is not an Excel workbook (not a valid zip: {exc}); "
            "it may be truncated or a renamed text file"
        ) from exc
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        archive.close()
        raise UnreadableWorkbook(f"{path.name} is a zip but not an Excel workbook")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            archive.close()
            raise UnreadableWorkbook(
                f"{path.name} looks like a zip bomb: part {info.filename} expands "
                f"{ratio:,.0f}x to {info.file_size:,} bytes"
            )
    if total > MAX_EXPANDED_BYTES:
        archive.close()
        raise UnreadableWorkbook(
            f"{path.name} expands to {total:,} bytes, more than the {MAX_EXPANDED_BYTES:,} "
            "corridor accepts"
        )
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            with archive.open(info) as part:
                head = part.read(PROLOG_BYTES)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                archive.close()
                raise UnreadableWorkbook(
                    f"{path.name} contains XML with a DTD or entity declarations "
                    f"({info.filename}); corridor refuses such files for safety"
                )
    return archive


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip path of its XML part."""
    book = SafeET.fromstring(archive.read("xl/workbook.xml"))
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for el in book.iter():
        if el.tag.endswith("}sheet"):
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            if target.startswith("/"):
                path = target.lstrip("/")
            else:
                path = str(PurePosixPath("xl") / target)
            parts[el.get("name", "")] = path
    return parts


def _scan_bad_cells(archive: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    """Cells holding an error value, or a formula with no stored value."""
    try:
        data = archive.read(part)
    except KeyError:
        return {}
    if b't="e"' not in data and b"<f" not in data and b":f" not in data:
        return {}
    bad: dict[tuple[int, int], str] = {}
    for _, el in SafeET.iterparse(io.BytesIO(data), events=("end",)):
        if not el.tag.endswith("}c"):
            continue
        ref = el.get("r", "")
        children = {child.tag.rsplit("}", 1)[-1]: child for child in el}
        value = children.get("v")
        reason = ""
        if el.get("t") == "e":
            reason = f"the cell holds the error value {value.text if value is not None else '#?'}"
        elif "f" in children and (value is None or value.text is None):
            reason = (
                "a formula with no stored value; open and save the workbook in Excel or "
                "LibreOffice so its result is stored"
            )
        if reason and (match := _CELL_REF.fullmatch(ref)):
            bad[(int(match.group(2)) - 1, _column_index(match.group(1)))] = reason
        el.clear()
    return bad


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def read_raw(path: str | Path, wanted: set[str] | None = None) -> dict[str, RawSheet]:
    """Read the sheets whose names `wanted` selects (all when None) as raw grids.

    Raises UnreadableWorkbook for a file corridor will not open.
    """
    path = Path(path)
    archive = check_container(path)
    try:
        parts = _sheet_parts(archive)
        try:
            book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types
            raise UnreadableWorkbook(f"{path.name} could not be read as a workbook: {exc}") from exc
        sheets: dict[str, RawSheet] = {}
        for name in book.sheet_names:
            if wanted is not None and name not in wanted:
                continue
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [
                f"{column_letter(a[1])}{a[0] + 1}:{column_letter(b[1])}{b[0] + 1}"
                for a, b in (sheet.merged_cell_ranges or [])
            ]
            bad = _scan_bad_cells(archive, parts[name]) if name in parts else {}
            sheets[name] = RawSheet(name, rows, bad, merged)
        return sheets
    finally:
        archive.close()

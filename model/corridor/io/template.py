"""`corridor template`: an empty input workbook drawn from the schema.

Every input sheet with its columns in order, a Settings sheet listing every setting with its
default, a Guide sheet explaining each column with its unit, and drop-down lists where a cell
must name a mode, choice, node, leg, route, commodity or period.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import column_letter
from ..schema import INPUT_SHEETS, SETTINGS
from .write import save_atomically

LIST_ROWS = 2000  # drop-downs cover this many rows of the referenced id column
REF_SHEET = {
    "node": "Nodes",
    "leg": "Legs",
    "route": "Routes",
    "commodity": "Commodities",
    "period": "Periods",
}


def _shown(default: object) -> str:
    """A default as a planner would type it: yes/no for booleans, blank for none."""
    if default is None:
        return ""
    if isinstance(default, bool):
        return "yes" if default else "no"
    if isinstance(default, tuple):
        return ", ".join(default)
    return str(default)


def guide_rows() -> list[list[str]]:
    rows = [["sheet", "column", "required", "default", "unit", "meaning"]]
    for spec in INPUT_SHEETS.values():
        rows.append(
            [spec.name, "", "sheet required" if spec.required else "optional", "", "", spec.help]
        )
        for col in spec.columns:
            default = _shown(col.default)
            rows.append(
                [spec.name, col.name, "yes" if col.required else "", default, col.unit, col.help]
            )
    for s in SETTINGS.values():
        default = _shown(s.default)
        rows.append(["Settings", s.name, "", default, "", s.help])
    return rows


def _validation(col, sheet_name: str) -> DataValidation | None:
    if col.kind == "choice":
        return DataValidation(type="list", formula1=f'"{",".join(col.choices)}"', allow_blank=True)
    if col.kind == "bool":
        return DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    if col.kind == "ref" and col.ref in REF_SHEET:
        target = REF_SHEET[col.ref]
        return DataValidation(
            type="list", formula1=f"={target}!$A$2:$A${LIST_ROWS}", allow_blank=True
        )
    return None


def write_template(path: str | Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for spec in INPUT_SHEETS.values():
        ws = wb.create_sheet(spec.name)
        ws.append(spec.column_names)
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        for i, col in enumerate(spec.columns):
            letter = column_letter(i)
            ws.column_dimensions[letter].width = max(12, len(col.name) + 4)
            dv = _validation(col, spec.name)
            if dv is not None:
                dv.error = f"{col.name}: {col.help}"
                dv.prompt = col.help
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{LIST_ROWS}")
        if spec.name == "Settings":
            for s in SETTINGS.values():
                value = _shown(s.default) if isinstance(s.default, bool | tuple) else s.default
                ws.append([s.name, value])
    guide = wb.create_sheet("Guide", 0)
    for row in guide_rows():
        guide.append(row)
    for cell in guide[1]:
        cell.font = bold
    guide.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (14, 26, 14, 10, 26, 80), strict=True):
        guide.column_dimensions[letter].width = width
    target = Path(path)
    save_atomically(wb, target)
    return target

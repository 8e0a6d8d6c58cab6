"""`corridor template`: an empty input workbook drawn from the schema.

Every input sheet with its columns in order, a Settings sheet listing every setting with its
default, a Guide sheet explaining each column with its unit, and on every column a prompt
(what it holds, its unit and default) and a check that rejects what corridor would refuse
(Excel's "stop" style):

- a drop-down list where the column has a fixed vocabulary: Settings names, modes, measures,
  scenario changes, target types, yes/no;
- a drop-down list over the referenced sheet's id column for node, leg, route, contract,
  commodity and period references (rows 2 to LIST_ROWS of that sheet);
- Limits scope columns (an id, `*` or `ALL`): a check that the entry is `*`, `ALL` or an id
  of the referenced sheet (no list: Excel lists cannot add `*` and `ALL` to a range).

Columns that hold a comma-separated list of ids (`routes`, `legs`, `modes`...) and the open
columns (Limits `value`, Scenarios `target`, Disruptions `closure`, Capacities and
Expansions `target`) cannot be checked by a list: their prompt lists the forms they take.
The template carries no rows, so once its required sheets get rows it is valid input.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import column_letter
from ..schema import CLOSURE_KINDS, INPUT_SHEETS, SETTINGS, Column
from .write import save_atomically
from .xlsx import ROW_HEIGHT_PT, Book, PageHeader, column_width, wrapped_lines

LIST_ROWS = 2000  # drop-downs cover this many rows of the referenced id column
REF_SHEET = {
    "node": "Nodes",
    "leg": "Legs",
    "route": "Routes",
    "contract": "Contracts",
    "commodity": "Commodities",
    "period": "Periods",
}
LISTS_SHEET = "Lists"  # vocabularies too long for an inline list (255 characters)
# Prompts for open columns: the forms an entry may take
OPEN_FORMS = {
    ("Limits", "value"): "A country, chokepoint, corridor, route, node or supplier (as the "
    "measure says), or * for each one separately.",
    ("Scenarios", "target"): "kind:id or all. close: country:RU, chokepoint:Bosporus, "
    "corridor:Middle, node/leg/route:id; scale_capacity: node/leg/route:id or all; "
    "scale_cost: leg/route:id or all; scale_volume: contract/commodity:id or all; "
    "set_limit: rule:NAME or rule:default_cap.",
    ("Disruptions", "closure"): "kind:id with kind "
    + ", ".join(CLOSURE_KINDS)
    + ", e.g. country:RU or chokepoint:Bosporus.",
    ("Capacities", "target"): "The id of the node, leg or route named in target_type.",
    ("Expansions", "target"): "The id of the node, leg or route named in target_type.",
    ("Settings", "value"): "The setting's value; see the Guide for each setting.",
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


def vocabularies() -> dict[str, list[str]]:
    """Fixed vocabularies by name, for the Lists sheet."""
    return {"setting": list(SETTINGS)}


def prompt(sheet: str, col: Column) -> str:
    """The input message of a column: its help (or the forms an open column takes), unit
    and default, within Excel's 255 characters."""
    forms = OPEN_FORMS.get((sheet, col.name))
    parts = [forms or col.help.rstrip(".") + "."]
    if col.unit:
        parts.append(f"Unit: {col.unit}.")
    if col.default not in (None, "", ()):
        parts.append(f"Default: {_shown(col.default)}.")
    if forms is None and col.kind == "refs":
        what = {"mode": "modes"}.get(col.ref or "", f"{col.ref} ids")
        sep = " > " if col.separator == ">" else ", "
        parts.append(f"A list of {what} separated by '{sep.strip()}'.")
    return _within(" ".join(parts), 255)


def _within(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def validation(sheet: str, col: Column, letter: str, lists: dict[str, str]) -> dict | None:
    """The XlsxWriter data validation of a column (stop style), or None for a free column."""
    source = None
    if sheet == "Settings" and col.name == "setting":
        source = lists["setting"]
    elif col.kind == "choice":
        source = list(col.choices)
    elif col.kind == "bool":
        source = ["yes", "no"]
    elif col.kind == "ref" and col.ref in REF_SHEET:
        source = f"={REF_SHEET[col.ref]}!$A$2:$A${LIST_ROWS}"
    if source is not None:
        return {"validate": "list", "source": source}
    if col.kind == "scope" and col.ref in REF_SHEET:
        cell = f"{letter}2"
        ids = f"{REF_SHEET[col.ref]}!$A$2:$A${LIST_ROWS}"
        return {
            "validate": "custom",
            "value": f'=OR({cell}="*",UPPER({cell})="ALL",COUNTIF({ids},{cell})>0)',
        }
    return None


def write_template(path: str | Path) -> Path:
    """Write the template to `path` (atomically); `corridor template` first refuses an
    existing file without --force (io.write.check_template_target)."""
    target = Path(path)

    def build(out: str) -> None:
        book = Book(out, PageHeader(title="corridor input template"))
        bold = book.format(None, bold=True, bg_color="#DDEBF7", bottom=1)
        guide = book.add_worksheet("Guide")
        widths = (14, 26, 14, 10, 26, 80)
        for r, row in enumerate(guide_rows()):
            for c, value in enumerate(row):
                if value:
                    cell = bold if r == 0 else book.format(None, text_wrap=c == 5, valign="top")
                    guide.write_string(r, c, value, cell)
            lines = wrapped_lines(row[5], widths[5])
            if r and lines > 1:  # a set height: LibreOffice does not grow wrapped rows
                guide.set_row(r, lines * ROW_HEIGHT_PT)
        guide.freeze_panes(1, 0)
        for c, width in enumerate(widths):
            guide.set_column(c, c, width)
        book.page_setup(guide)
        sheets = {}
        for spec in INPUT_SHEETS.values():
            sheets[spec.name] = book.add_worksheet(spec.name)
        lists_ws = book.add_worksheet(LISTS_SHEET)
        lists = {}
        for c, (name, values) in enumerate(vocabularies().items()):
            lists_ws.write_string(0, c, name, bold)
            for r, value in enumerate(values, start=1):
                lists_ws.write_string(r, c, value)
            letter = column_letter(c)
            lists[name] = f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
        lists_ws.set_column(0, len(lists) - 1, 28)
        book.page_setup(lists_ws)
        lists_ws.hide()
        for spec in INPUT_SHEETS.values():
            ws = sheets[spec.name]
            for i, col in enumerate(spec.columns):
                ws.write_string(0, i, col.name, bold)
                ws.set_column(i, i, max(12, column_width(col.name, [], "text") + 2))
                letter = column_letter(i)
                rule = validation(spec.name, col, letter, lists) or {"validate": "any"}
                rule.update(
                    input_title=col.name[:32],
                    input_message=prompt(spec.name, col),
                    error_type="stop",
                    error_title=f"{spec.name}: {col.name}"[:32],
                    error_message=_within(
                        f"Not an entry corridor accepts in {col.name}. {prompt(spec.name, col)}",
                        255,
                    ),
                    ignore_blank=True,
                )
                ws.data_validation(1, i, LIST_ROWS - 1, i, rule)
            ws.freeze_panes(1, 0)
            if spec.name == "Settings":
                for r, s in enumerate(SETTINGS.values(), start=1):
                    ws.write_string(r, 0, s.name)
                    if isinstance(s.default, bool | tuple | str):
                        ws.write_string(r, 1, _shown(s.default))
                    elif s.default is not None:
                        ws.write_number(r, 1, float(s.default))
                ws.set_column(0, 0, max(len(s) for s in SETTINGS) + 2)
            book.page_setup(ws)
        book.close()

    return save_atomically(build, target)

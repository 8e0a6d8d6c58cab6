"""Rewrite the column tables of docs/workbook.md from corridor's schema.

The prose of docs/workbook.md is written by hand; every table of sheets, columns, settings and
Summary items is generated here from ``corridor.schema`` so that it cannot drift from the code.
A generated table sits between two marker comments::

    <!-- BEGIN GENERATED input:Legs -->
    ...table...
    <!-- END GENERATED -->

with one of these keys: ``input:<sheet>`` (an input sheet's columns), ``settings`` (every
setting), ``result:<sheet>`` (a results sheet's columns) and ``summary`` (the Summary items).
Every input sheet and every results sheet the schema knows must have its block; a block for a
sheet the schema does not know is an error too.

Usage, from the repository root::

    python docs/build_reference.py           # rewrite docs/workbook.md in place
    python docs/build_reference.py --check   # exit 1 if the tables are out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "workbook.md"
# Document this checkout's schema, not whichever corridor happens to be installed.
sys.path.insert(0, str(ROOT / "model"))

from corridor.schema import (  # noqa: E402  (needs the path above)
    INPUT_SHEETS,
    RESULT_SHEETS,
    SETTING_UNITS,
    SETTINGS,
    SUMMARY_FORMATS,
    Column,
)

BLOCK = re.compile(
    r"(?P<begin><!-- BEGIN GENERATED (?P<key>[^\n]+?) -->\n)(?P<body>.*?)"
    r"(?P<end><!-- END GENERATED -->)",
    re.S,
)


class BlockError(Exception):
    """docs/workbook.md lacks a block the schema needs, or has one it does not know."""


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: a lone `*` or `|` must not become markup."""
    return text.replace("|", "\\|").replace("*", "\\*")


def _code(text: str) -> str:
    return f"`{text}`"


def _default(value: object) -> str:
    """A default as a planner would type it; blank where the cell is left empty."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _code("yes" if value else "no")
    if isinstance(value, tuple):
        return _code(", ".join(value))
    if isinstance(value, float) and value.is_integer():
        return _code(str(int(value)))
    return _code(str(value))


def _bound(col: Column) -> str:
    if col.minimum is None:
        return ""
    limit = int(col.minimum) if float(col.minimum).is_integer() else col.minimum
    return f" {'>' if col.positive else '>='} {limit}"


def _kind(col: Column) -> str:
    """The column's kind in a planner's words."""
    ref = col.ref or "id"
    if col.kind == "id":
        return "id (unique)"
    if col.kind == "key":
        return "id (may repeat)"
    if col.kind == "ref":
        return f"{ref} id"
    if col.kind == "refs":
        return (
            f"list of {ref}s (`{col.separator}`)"
            if col.ref == "mode"
            else (f"list of {ref} ids (`{col.separator}`)")
        )
    if col.kind == "scope":
        return f"{ref} id, `*` or `ALL`"
    if col.kind == "label":
        return "label"
    if col.kind == "labels":
        return f"list of labels (`{col.separator}`)"
    if col.kind == "choice":
        return "one of " + ", ".join(_code(c) for c in col.choices)
    if col.kind == "penalty":
        return "number >= 0 or `none`"
    if col.kind == "bool":
        return "yes/no"
    if col.kind == "share":
        return "share (`0.4` or `40%`)"
    if col.kind == "int":
        return "whole number" + _bound(col)
    if col.kind == "number":
        return "number" + _bound(col)
    if col.kind == "any":
        return "depends on the setting"
    return col.kind  # text


def input_table(sheet: str) -> str:
    rows = [
        "| column | kind | required | default | unit | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for col in INPUT_SHEETS[sheet].columns:
        rows.append(
            f"| {_code(col.name)} | {_kind(col)} | {'yes' if col.required else ''} | "
            f"{_default(col.default)} | {col.unit} | {_cell(col.help)} |"
        )
    return "\n".join(rows)


SETTING_KINDS = {
    "text": "text",
    "share": "share",
    "number": "number >= 0",
    "bool": "yes/no",
    "choice": "one of {choices}",
    "int": "whole number",
    "list": "list of {choices} (`,`)",
}


def settings_table() -> str:
    rows = [
        "| setting | kind | default | unit | meaning |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS.values():
        kind = SETTING_KINDS.get(s.kind, s.kind).format(
            choices=", ".join(_code(c) for c in s.choices)
        )
        if s.kind == "number" and s.minimum is None:
            kind = "number"
        rows.append(
            f"| {_code(s.name)} | {kind} | {_default(s.default)} | "
            f"{SETTING_UNITS.get(s.name, '')} | {_cell(s.help)} |"
        )
    return "\n".join(rows)


def result_table(sheet: str) -> str:
    rows = ["| column | format | unit | meaning |", "|---|---|---|---|"]
    for col in RESULT_SHEETS[sheet]:
        rows.append(f"| {_code(col.name)} | {col.fmt} | {col.unit} | {_cell(col.help)} |")
    return "\n".join(rows)


def summary_table() -> str:
    rows = ["| item | format | unit |", "|---|---|---|"]
    for item, (fmt, unit) in SUMMARY_FORMATS.items():
        rows.append(f"| {_code(item)} | {fmt} | {unit} |")
    return "\n".join(rows)


def expected_keys() -> list[str]:
    """Every block the reference must hold."""
    return (
        [f"input:{s}" for s in INPUT_SHEETS]
        + ["settings", "summary"]
        + [f"result:{s}" for s in RESULT_SHEETS]
    )


def table(key: str) -> str:
    kind, _, sheet = key.partition(":")
    if kind == "input" and sheet in INPUT_SHEETS:
        return input_table(sheet)
    if kind == "result" and sheet in RESULT_SHEETS:
        return result_table(sheet)
    if key == "settings":
        return settings_table()
    if key == "summary":
        return summary_table()
    raise BlockError(f"docs/workbook.md has a block '{key}' that the schema does not know")


def render(text: str) -> str:
    """`text` with every generated block rewritten from the schema. Raises BlockError
    naming every block that is missing, unknown or repeated."""
    matches = list(BLOCK.finditer(text))
    found = [m.group("key") for m in matches]
    # A BEGIN without its END would swallow the next block: refuse rather than guess.
    problems = [
        f"block '{m.group('key')}' runs into the next block (missing END marker?)"
        for m in matches
        if "<!-- BEGIN GENERATED" in m.group("body")
    ]
    if text.count("<!-- BEGIN GENERATED") != text.count("<!-- END GENERATED -->"):
        problems.append("BEGIN and END markers do not pair up")
    problems += [f"no block for '{k}'" for k in expected_keys() if k not in found]
    problems += [
        f"block '{k}' appears {found.count(k)} times" for k in set(found) if found.count(k) > 1
    ]
    problems += [f"unknown block '{k}'" for k in found if k not in expected_keys()]
    if problems:
        raise BlockError("docs/workbook.md: " + "; ".join(sorted(problems)))
    return BLOCK.sub(
        lambda m: m.group("begin") + table(m.group("key")) + "\n" + m.group("end"), text
    )


def main(argv: list[str]) -> int:
    old = DOC.read_text(encoding="utf-8")
    try:
        new = render(old)
    except BlockError as exc:
        print(exc, file=sys.stderr)
        return 1
    if "--check" in argv:
        if new != old:
            print(
                "docs/workbook.md is out of date: run python docs/build_reference.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != old:
        DOC.write_text(new, encoding="utf-8")
        print("docs/workbook.md: tables rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The JSON input format as a JSON Schema (draft 2020-12), generated from `schema.schema()`.

    python -m corridor.json_schema docs/input.schema.json     # what docs/ ships

The schema describes what `corridor.from_json` and ``corridor solve IN.json`` read (docs/
json.md): ``{"schema_version": "1.2", "sheets": {sheet: table}}``, each table a list of
records or an object of columns. It states the canonical form; corridor itself reads a
little more leniently (sheet, column and choice names in any case, as in a workbook) and
checks what a schema cannot (references, routes that connect, totals). Every cell may be
null (a blank cell) unless its column is required.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .schema import SCHEMA_VERSION, schema

_TEXT_OR_NUMBER = {"type": ["string", "number"]}  # ids such as periods may be typed as 2026
_LIST = {
    "oneOf": [
        {"type": "string"},
        {"type": "array", "items": _TEXT_OR_NUMBER},
    ]
}


def _cell(column: dict) -> dict:
    """The JSON Schema of one column's cells."""
    kind = column["kind"]
    if kind in ("id", "ref", "key", "scope", "label"):
        out: dict = dict(_TEXT_OR_NUMBER)
    elif kind in ("refs", "labels"):
        out = {**_LIST}
    elif kind in ("number", "int"):
        out = {"type": "integer" if kind == "int" else "number"}
        if column["minimum"] is not None:
            key = "exclusiveMinimum" if column["positive"] else "minimum"
            out[key] = column["minimum"]
    elif kind == "share":
        out = {
            "oneOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^\s*[0-9.]+\s*%\s*$"},
            ]
        }
    elif kind == "bool":
        out = {"type": ["boolean", "string", "integer"]}
    elif kind == "choice":
        out = {"type": "string", "enum": list(column["choices"])}
    elif kind == "penalty":
        out = {"oneOf": [{"type": "number", "minimum": 0}, {"const": "none"}]}
    elif kind == "text":
        out = {"type": "string"}
    else:  # "any": read by the setting it belongs to
        out = {}
    description = column["help"] + (f" ({column['unit']})" if column["unit"] else "")
    if not column["required"] and out:
        out = {"anyOf": [out, {"type": "null"}]}
    return {"description": description, **out}


def _record(sheet: dict) -> dict:
    columns = sheet["columns"]
    return {
        "type": "object",
        "properties": {c["name"]: _cell(c) for c in columns},
        "required": [c["name"] for c in columns if c["required"]],
    }


def _table(name: str, sheet: dict) -> dict:
    """Records, or columns whose items are the record's cells (by reference)."""
    columns = sheet["columns"]
    cells = f"#/$defs/{name}/properties"
    by_columns = {
        "type": "object",
        "properties": {
            c["name"]: {"type": "array", "items": {"$ref": f"{cells}/{c['name']}"}} for c in columns
        },
        "required": [c["name"] for c in columns if c["required"]],
        "description": "columns: column name -> one value per row",
    }
    return {
        "description": sheet["help"],
        "oneOf": [
            {
                "type": "array",
                "items": {"$ref": f"#/$defs/{name}"},
                "description": "records: one object per row",
            },
            by_columns,
        ],
    }


def input_json_schema() -> dict:
    """The JSON Schema of corridor's JSON input (see the module docstring)."""
    contract = schema()
    sheets = contract["input_sheets"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"corridor input, schema version {SCHEMA_VERSION}",
        "description": "The input workbook's tables as JSON (docs/json.md). Generated from "
        "corridor.schema(); regenerate with `python -m corridor.json_schema`.",
        "type": "object",
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "sheets": {
                "type": "object",
                "properties": {name: _table(name, sheet) for name, sheet in sheets.items()},
                "required": [name for name, sheet in sheets.items() if sheet["required"]],
            },
        },
        "required": ["sheets"],
        "$defs": {name: _record(sheet) for name, sheet in sheets.items()},
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = json.dumps(input_json_schema(), indent=1) + "\n"
    if args:
        Path(args[0]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The bundled example workbook, and its input sheets as corridor's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from corridor.schema import canonical_sheet

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "caspian_corridor.xlsx"


def example_json(form: str = "records") -> dict:
    """The bundled example's input sheets as corridor's JSON, as records or as columns."""
    sheets = pd.read_excel(EXAMPLE, sheet_name=None, engine="calamine")
    out = {}
    for name, frame in sheets.items():
        if canonical_sheet(name) is None:
            continue  # About, Sources: not input
        if form == "records":
            out[name] = json.loads(frame.to_json(orient="records"))
        else:
            out[name] = {str(c): json.loads(frame[c].to_json(orient="values")) for c in frame}
    return {"schema_version": "1.2", "sheets": out}

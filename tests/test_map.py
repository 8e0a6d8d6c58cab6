"""The plan drawn from latitude and longitude: a PNG beside the results and a Map sheet."""

from __future__ import annotations

import copy
import logging

import openpyxl
import pytest

import corridor
from corridor.analysis.plan_map import draw_map, leg_flows, png_path, run_map
from corridor.cli import main

from cases import BASE, frames, world, write_workbook

PLACES = {"A": (43.6, 51.2), "X": (44.2, 80.4), "Y": (42.8, 133.0), "Z": (40.2, 49.5)}
PLACES["D"] = (35.4, 139.6)


def located(missing: str | None = None, **settings) -> dict:
    """The base world with coordinates and a 60 % cap (CN 60 t, RU 40 t)."""
    nodes = copy.deepcopy(BASE["Nodes"])
    for node in nodes:
        if node["node"] != missing:
            node["latitude"], node["longitude"] = PLACES[node["node"]]
    return world({"default_max_transit_share": 0.6, **settings}, Nodes=nodes)


def test_map_command_writes_the_png_and_a_map_sheet_with_the_image(tmp_path):
    src = tmp_path / "plan.xlsx"
    write_workbook(located(), src)
    assert main(["map", str(src)]) == 0
    out = tmp_path / "plan_results.xlsx"
    png = tmp_path / "plan_results_map.png"
    assert png_path(out) == png
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames.index("Map") > wb.sheetnames.index("Routes")
    ws = wb["Map"]
    assert len(wb["Map chart"]._images) == 1  # the image prints whole on a sheet of its own
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("leg", "from", "to", "mode", "corridor", "volume", "drawn")
    volumes = {r[0]: r[5] for r in rows[1:]}
    assert volumes == pytest.approx({"AX": 60, "XD": 60, "AY": 40, "YD": 40})


def test_a_node_without_coordinates_is_skipped_with_a_warning(tmp_path, caplog):
    inputs = corridor.from_frames(frames(located(missing="X")))
    with caplog.at_level(logging.WARNING, logger="corridor"):
        outcome, drawing = run_map(inputs, tmp_path / "out.xlsx")
    assert outcome.exit_code == 0
    assert drawing.path.exists()
    assert any("node X has no latitude/longitude" in m for m in caplog.messages)
    drawn = drawing.legs.set_index("leg")["drawn"]
    assert drawn["AX"].startswith("no") and drawn["XD"].startswith("no")
    assert drawn["AY"] == drawn["YD"] == "yes"
    log = openpyxl.load_workbook(tmp_path / "out.xlsx")["Log"]
    assert any("node X" in str(r[2]) for r in log.iter_rows(values_only=True))


def test_leg_flows_count_capacity_units_per_leg_and_corridor(tmp_path):
    """Capacity use 2 t per t; a leg on two corridors gets one line (and one row) for each."""
    sheets = located()
    sheets["Commodities"] = [{"commodity": "U", "unit": "t", "capacity_use": 2}]
    sheets["Routes"].append({"route": "R_cn2", "legs": "AX > XD", "corridor": "Other"})
    inputs = corridor.from_frames(frames(sheets))
    flows = corridor.run(inputs).results["Flows"]
    split = flows[flows["route"].isin(["R_cn", "R_cn2"])].iloc[[0, 0]].copy()
    split["route"], split["volume"] = ["R_cn", "R_cn2"], [25.0, 35.0]
    drawing = draw_map(inputs, split, tmp_path / "two.png")
    legs = drawing.legs.set_index(["leg", "corridor"])["volume"]
    assert legs.to_dict() == pytest.approx(
        {("AX", "R_cn"): 50, ("XD", "R_cn"): 50, ("AX", "Other"): 70, ("XD", "Other"): 70}
    )
    assert leg_flows(inputs, split)["volume"].sum() == pytest.approx(240)
    assert (tmp_path / "two.png").read_bytes()[:4] == b"\x89PNG"

"""The plan drawn from latitude and longitude: a PNG beside the results and a Map sheet.

Sea lanes come from searoute's bundled network, so the geometry tests check where a lane
goes (near Suez, through the Bosporus, round the Cape), not its exact points."""

from __future__ import annotations

import copy
import logging
import math
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest

import corridor
from corridor.analysis import plan_map
from corridor.analysis.plan_map import (
    MAX_WIDTH,
    MIN_WIDTH,
    closed_passages,
    draw_map,
    leg_flows,
    png_path,
)
from corridor.cli import main

from cases import BASE, frames, world, write_workbook

PLACES = {"A": (43.6, 51.2), "X": (44.2, 80.4), "Y": (42.8, 133.0), "Z": (40.2, 49.5)}
PLACES["D"] = (35.4, 139.6)

MAP_COLUMNS = (
    "leg",
    "corridor",
    "volume",
    "from",
    "to",
    "mode",
    "commodities",
    "width_share",
    "drawn",
    "passes",
)


def located(missing: str | None = None, **settings) -> dict:
    """The base world with coordinates and a 60 % cap (CN 60 t, RU 40 t)."""
    nodes = copy.deepcopy(BASE["Nodes"])
    for node in nodes:
        if node["node"] != missing:
            node["latitude"], node["longitude"] = PLACES[node["node"]]
    return world({"default_max_transit_share": 0.6, **settings}, Nodes=nodes)


# Real places: Shieli (origin), Aktau and Alat on the Caspian, Poti on the Black Sea, Mersin
# on the Mediterranean, Khorgos far inland, Yokohama and the Negishi refinery beside it.
SEA_NODES = [
    ("S", "KZ", "Shieli station", 44.17, 66.75),
    ("A", "KZ", "Port of Aktau", 43.61, 51.22),
    ("B", "AZ", "Port of Baku at Alat", 39.93, 49.41),
    ("P", "GE", "Port of Poti", 42.15, 41.67),
    ("M", "TR", "Port of Mersin", 36.79, 34.64),
    ("K", "CN", None, 44.21, 80.41),
    ("Y", "JP", "Port of Yokohama", 35.45, 139.65),
    ("N", "JP", "Negishi refinery", 35.41, 139.63),
]
SUEZ_EAST = "Bosporus, Suez, Bab-el-Mandeb, Malacca"
SEA_LEGS = [
    ("SA", "S", "A", "rail", None),
    ("AB", "A", "B", "ferry", None),
    ("BP", "B", "P", "rail", None),
    ("PY", "P", "Y", "sea", SUEZ_EAST),
    ("PYC", "P", "Y", "sea", "Bosporus, Gibraltar, Malacca"),  # round the Cape
    ("BM", "B", "M", "rail", None),
    ("MY", "M", "Y", "sea", "Suez, Bab-el-Mandeb, Malacca"),
    ("SK", "S", "K", "rail", None),
    ("KY", "K", "Y", "sea", None),  # K is 1,500 km from any sea: a straight line
    ("KN", "K", "N", "rail", None),
]
SEA_ROUTES = [
    ("R_titr", "SA > AB > BP > PY", "TITR"),
    ("R_cape", "SA > AB > BP > PYC", "Cape"),
    ("R_btk", "SA > AB > BM > MY", "BTK"),
    ("R_cn", "SK > KY", "China"),
    ("R_ga", "SK > KN", "Gallium"),
]


def sea_world() -> dict:
    return {
        "Commodities": [{"commodity": "U", "unit": "t"}, {"commodity": "gallium", "unit": "t"}],
        "Nodes": [
            {"node": n, "country": c, "name": name, "latitude": lat, "longitude": lon}
            for n, c, name, lat, lon in SEA_NODES
        ],
        "Legs": [
            {"leg": leg, "from": a, "to": b, "mode": mode, "cost": 10, "chokepoints": choke}
            for leg, a, b, mode, choke in SEA_LEGS
        ],
        "Routes": [{"route": r, "legs": legs, "corridor": c} for r, legs, c in SEA_ROUTES],
        "Contracts": [
            {"contract": "K1", "commodity": "U", "origin": "S", "destination": "Y", "volume": 100},
            {
                "contract": "K2",
                "commodity": "gallium",
                "origin": "S",
                "destination": "N",
                "volume": 2,
            },
        ],
    }


def flows(*rows: tuple[str, str, float]) -> pd.DataFrame:
    """A Flows sheet by hand: (route, commodity, volume over the horizon)."""
    return pd.DataFrame(rows, columns=["route", "commodity", "volume"])


@pytest.fixture(scope="module")
def sea_map(tmp_path_factory):
    """Uranium 100 t split TITR 30, Cape 20, BTK 30, China 20; gallium 2 t all by R_ga."""
    inputs = corridor.from_frames(frames(sea_world()))
    plan = flows(
        ("R_titr", "U", 30.0),
        ("R_cape", "U", 20.0),
        ("R_btk", "U", 30.0),
        ("R_cn", "U", 20.0),
        ("R_ga", "gallium", 2.0),
    )
    return draw_map(inputs, plan, tmp_path_factory.mktemp("map") / "sea.png")


def near(line: np.ndarray, lat: float, lon: float) -> float:
    """Degrees from (lat, lon) to the nearest point of a lon/lat line, after densifying it
    so that a long straight stretch past the place counts."""
    points = [line[:1]]
    for a, b in zip(line[:-1], line[1:], strict=True):
        t = np.linspace(0, 1, 20)[1:, None]
        points.append(a + (b - a) * t)
    dense = np.vstack(points)
    return float(np.min(np.hypot(dense[:, 0] - lon, dense[:, 1] - lat)))


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
    assert rows[0] == MAP_COLUMNS
    volumes = {r[0]: r[2] for r in rows[1:]}
    assert volumes == pytest.approx({"AX": 60, "XD": 60, "AY": 40, "YD": 40})


def test_a_node_without_coordinates_is_skipped_with_a_warning(tmp_path, caplog):
    src = tmp_path / "plan.xlsx"
    write_workbook(located(missing="X"), src)
    with caplog.at_level(logging.WARNING, logger="corridor"):
        assert main(["map", str(src), "-o", str(tmp_path / "out.xlsx")]) == 0
    assert (tmp_path / "out_map.png").exists()
    assert any("node X has no latitude/longitude" in m for m in caplog.messages)
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    rows = list(wb["Map"].iter_rows(values_only=True))
    drawn = {r[0]: r[rows[0].index("drawn")] for r in rows[1:]}
    assert drawn["AX"].startswith("no") and drawn["XD"].startswith("no")
    assert drawn["AY"].startswith("straight") and drawn["YD"] == "sea lane"
    assert any("node X" in str(r[2]) for r in wb["Log"].iter_rows(values_only=True))


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


def test_chokepoints_name_the_passages_a_lane_may_use():
    """A leg's chokepoints are its complete list: every other passage is closed; a blank
    list closes them all; the Turkish straits open both the Bosporus and the Dardanelles."""
    open_east = set(plan_map.PASSAGES) - set(closed_passages(SUEZ_EAST.split(", ")))
    assert open_east == {"bosporus", "dardanelles", "suez", "babalmandab", "malacca"}
    assert set(closed_passages(None)) == set(plan_map.PASSAGES)
    assert "ormuz" not in closed_passages(["Strait of Hormuz"])
    assert "bosporus" not in closed_passages(["Turkish Straits"])
    assert set(closed_passages(["Korea Strait"])) == set(plan_map.PASSAGES)


def test_a_sea_leg_through_suez_is_drawn_through_suez_and_round_arabia(sea_map):
    """Mersin -> Yokohama lists Suez, Bab-el-Mandeb and Malacca: the lane passes the canal
    (about 30.5 N 32.4 E), the Bab-el-Mandeb (12.6 N 43.4 E) and Malacca (2.6 N 101.2 E)."""
    lane = sea_map.geometry[("MY", "BTK")]
    assert near(lane, 30.5, 32.4) < 0.8
    assert near(lane, 12.6, 43.4) < 0.8
    assert near(lane, 2.6, 101.2) < 1.5
    assert near(lane, 25.0, 45.0) > 5  # not across the Arabian desert
    passes = sea_map.legs.set_index("leg")["passes"]
    assert passes["MY"] == "Suez, Bab-el-Mandeb, Malacca"


def test_a_leg_from_the_black_sea_to_japan_passes_the_bosporus(sea_map):
    lane = sea_map.geometry[("PY", "TITR")]
    assert lane[0].tolist() == [41.67, 42.15] and lane[-1].tolist() == [139.65, 35.45]
    assert near(lane, 41.1, 29.05) < 0.3
    assert near(lane, 30.5, 32.4) < 0.8
    assert sea_map.legs.set_index("leg").at["PY", "passes"] == SUEZ_EAST


def test_a_leg_that_does_not_list_suez_goes_round_the_cape(sea_map):
    """Bosporus, Gibraltar, Malacca: out of the Mediterranean west and round Africa."""
    lane = sea_map.geometry[("PYC", "Cape")]
    assert near(lane, 30.5, 32.4) > 3
    assert near(lane, 35.95, -5.6) < 1.0  # Gibraltar
    assert lane[:, 1].min() < -33  # south of the Cape of Good Hope
    assert sea_map.legs.set_index("leg").at["PYC", "passes"].startswith("Bosporus, Gibraltar")


def test_the_caspian_ferry_stays_in_the_caspian_and_an_inland_sea_leg_is_straight(sea_map):
    ferry = sea_map.geometry[("AB", "TITR")]
    assert len(ferry) > 2
    assert ferry[:, 0].min() > 46.5 and ferry[:, 0].max() < 54.5  # Caspian longitudes
    assert ferry[:, 1].min() > 36.5 and ferry[:, 1].max() < 47.5
    drawn = sea_map.legs.drop_duplicates("leg").set_index("leg")["drawn"]
    assert drawn["AB"] == "sea lane"
    assert drawn["KY"] == "straight line (no sea lane found near its nodes)"
    assert sea_map.geometry[("KY", "China")].tolist() == [[80.41, 44.21], [139.65, 35.45]]


def test_land_legs_are_straight_two_point_lines(sea_map):
    for leg, corridor_ in [("SA", "TITR"), ("BM", "BTK"), ("SK", "China"), ("KN", "Gallium")]:
        line = sea_map.geometry[(leg, corridor_)]
        a, b = (dict((n, (lon, lat)) for n, _, _, lat, lon in SEA_NODES)[x] for x in leg[:2])
        assert line.tolist() == [list(a), list(b)]


def test_widths_are_shares_of_each_commoditys_whole_flow(sea_map):
    """Gallium, 2 t all on R_ga: full width, though uranium's lines carry 20-30 t. Uranium
    100 t: SA on TITR carries 30 of it (0.3), SA on Cape 20 (0.2), SK on China 20 (0.2)."""
    w = sea_map.widths
    assert w[("KN", "Gallium")] == w[("SK", "Gallium")] == pytest.approx(MAX_WIDTH)
    assert w[("SA", "TITR")] == pytest.approx(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * 0.3)
    assert w[("SA", "Cape")] == pytest.approx(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * 0.2)
    assert w[("SK", "China")] == pytest.approx(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * 0.2)
    share = sea_map.legs.set_index(["leg", "corridor"])
    assert share.at[("PY", "TITR"), "width_share"] == pytest.approx(0.3)
    assert share.at[("KN", "Gallium"), "commodities"] == "gallium 2 t"


def test_every_node_is_labelled_by_name_and_no_two_labels_overlap(sea_map):
    """Yokohama and Negishi (4 km apart) share one label; Aktau and Alat (450 km) get their
    own; a node without a name is labelled by its id."""
    labels = sea_map.labels
    assert {n for n, *_ in SEA_NODES} <= set(labels)
    assert labels["Y"] is labels["N"]
    assert "Port of Yokohama" in labels["Y"].get_text()
    assert "Negishi refinery" in labels["N"].get_text()
    assert labels["A"].get_text() == "Port of Aktau"
    assert labels["K"].get_text() == "K"
    renderer = sea_map.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in {id(t): t for t in labels.values()}.values()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_shared_stretches_are_drawn_side_by_side():
    """Widths 4 and 2 on one segment, 1 point apart: the band is 7 wide, centred; the first
    corridor (A) sits at -3.5 + 2 = -1.5, the second (B) at -3.5 + 4 + 1 + 1 = 2.5. A line
    running the other way gets the opposite sign, i.e. the same side on the map."""
    seg = np.array([[0.0, 0.0], [10.0, 0.0]])
    lines = [
        plan_map._Line(("L1", "A"), seg, 4.0, "red"),
        plan_map._Line(("L2", "B"), seg[::-1].copy(), 2.0, "blue"),
        plan_map._Line(("L3", "C"), np.array([[0.0, 5.0], [10.0, 5.0]]), 3.0, "green"),
    ]
    plan_map._bundle(lines)
    assert lines[0].offsets[0].tolist() == [-1.5]
    assert lines[1].offsets[0].tolist() == [-2.5]
    assert lines[2].offsets[0].tolist() == [0.0]


def test_a_lane_across_the_date_line_is_split_there():
    """(170 E, 0) to (190 E = 170 W, 10 N) crosses 180 half way, at 5 N."""
    left, right = plan_map._pieces(np.array([[170.0, 0.0], [190.0, 10.0]]))
    assert left.tolist() == [[170.0, 0.0], [180.0, 5.0]]
    assert right.tolist() == [[-180.0, 5.0], [-170.0, 10.0]]


def test_without_searoute_sea_legs_are_straight_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "searoute", None)  # import searoute now fails
    inputs = corridor.from_frames(frames(located()))
    drawing = draw_map(inputs, flows(("R_ru", "U", 10.0)), tmp_path / "plain.png")
    assert drawing.legs.set_index("leg").at["YD", "drawn"].startswith("straight line")
    assert any("searoute is missing" in w for w in drawing.warnings)
    assert drawing.geometry[("YD", "R_ru")].shape == (2, 2)


def test_map_command_says_how_to_install_the_map_extra(tmp_path, monkeypatch, capsys):
    src = tmp_path / "plan.xlsx"
    write_workbook(located(), src)
    monkeypatch.setitem(sys.modules, "searoute", None)
    assert main(["map", str(src)]) == 1
    err = capsys.readouterr().err
    assert "searoute missing" in err and 'pip install "corridor[map]"' in err
    assert not (tmp_path / "plan_results.xlsx").exists()


def test_the_land_outline_ships_with_the_package():
    rings = plan_map.land_rings()
    assert len(rings) > 200
    lons = np.concatenate([r[:, 0] for r in rings])
    assert lons.min() == pytest.approx(-180, abs=0.5) and lons.max() == pytest.approx(180, abs=0.5)
    # the Caspian is water: no outline contains its middle (42 N 51 E)
    from matplotlib.path import Path

    assert not any(Path(r).contains_point((51.0, 42.0)) for r in rings)
    assert any(Path(r).contains_point((45.0, 24.0)) for r in rings)  # Arabia is land
    assert math.isfinite(float(lons.sum()))

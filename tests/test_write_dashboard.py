"""The Dashboard (first sheet, one landscape page) and ChartSpec charts, over Dashboard
blocks and over table sheets."""

import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

import corridor
from corridor.report import Block, ChartSpec, Dashboard, Results

from cases import solve, world
from write_samples import sample_dashboard


def write(results: Results) -> bytes:
    buffer = io.BytesIO()
    corridor.write_results(results, buffer)
    return buffer.getvalue()


def charts_xml(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/")]


def log_messages(wb) -> list[str]:
    return [r[2] for r in wb["Log"].iter_rows(min_row=2, values_only=True)]


def small_dashboard() -> Dashboard:
    return Dashboard(
        title="Plan",
        subtitle="plan.xlsx",
        blocks=[
            Block(
                "Headline",
                pd.DataFrame(
                    {
                        "item": ["status", "total cost", "gap"],
                        "value": ["optimal", 2500.0, 0.0125],
                        "fmt": ["text", "money", "share"],
                    }
                ),
                {"value": "general"},
            ),
            Block(
                "Delivered",
                pd.DataFrame({"commodity": ["U"], "delivered": [100.0], "share": [1.0]}),
                {"share": "share"},
            ),
            Block(
                "Transit",
                pd.DataFrame({"commodity": ["U", "V"], "highest": [0.6, 0.45]}),
                {"highest": "share"},
            ),
        ],
        charts=[
            ChartSpec(
                "Dashboard",
                "bar",
                "Highest share",
                "commodity",
                ["highest"],
                y_format="share",
                block="Transit",
            ),
            ChartSpec("Dashboard", "bar", "Lost", "commodity", ["highest"], block="Nowhere"),
        ],
    )


def test_dashboard_blocks_in_two_lanes_and_a_chart_over_a_block():
    """Headline (3 rows, 2 columns) takes lane 1 at A4; Delivered lane 2 at D4 (lane 1 is
    2 columns wide plus a gap); Transit goes to the shorter lane: lane 2 holds 1 + 3 rows
    against lane 1's 3 + 3, so Transit's title is at D8, its header at D9, rows 10-11."""
    results = Results({"status": "optimal"}, {}, dashboard=small_dashboard())
    data = write(results)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Dashboard"]
    assert wb.sheetnames[0] == "Dashboard"
    assert (ws["A1"].value, ws["A2"].value) == ("Plan", "plan.xlsx")
    assert (ws["A4"].value, ws["A5"].value, ws["B6"].value) == ("Headline", "item", "optimal")
    assert (ws["B7"].value, ws["B7"].number_format) == (2500, '#,##0 "USD"')  # fmt: money
    assert (ws["B8"].value, ws["B8"].number_format) == (0.0125, "0.0%")  # fmt: share
    shown = {c.value for row in ws.iter_rows() for c in row}
    assert not {"fmt", "money", "text"} & shown  # the fmt column is not shown
    assert (ws["D4"].value, ws["F6"].value, ws["F6"].number_format) == ("Delivered", 1, "0.0%")
    assert (ws["D8"].value, ws["D9"].value, ws["E11"].value) == ("Transit", "commodity", 0.45)
    assert ws.page_setup.fitToHeight in (None, 1) and ws.sheet_properties.pageSetUpPr.fitToPage
    (chart,) = charts_xml(data)
    assert "Dashboard!$D$10:$D$11" in chart and "Dashboard!$E$10:$E$11" in chart
    assert "Dashboard!$E$9" in chart  # the series is named by the block's header
    assert "chart 'Lost' skipped: no Dashboard block 'Nowhere'" in log_messages(wb)


def test_table_charts_go_on_their_own_sheet_and_plot_the_columns_asked():
    """Five stress rows, max_rows 3: the bar chart plots rows 2-4, first row on top (the
    category axis reversed), on 'Stress chart' right after Stress; a chart over a missing
    column is skipped with a note in Log."""
    table = pd.DataFrame(
        {"closed": list("abcde"), "stopped_share": [0.5, 0.4, 0.3, 0.2, 0.1], "other": 1.0}
    )
    results = Results({"status": "optimal"}, {"Stress": table})
    results.charts = [
        ChartSpec(
            "Stress", "bar", "Stopped", "closed", ["stopped_share"], y_format="share", max_rows=3
        ),
        ChartSpec("Stress", "bar", "Broken", "closed", ["nope"]),
    ]
    data = write(results)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames.index("Stress chart") == wb.sheetnames.index("Stress") + 1
    assert len(wb["Stress chart"]._charts) == 1
    (chart,) = charts_xml(data)
    assert "Stress!$A$2:$A$4" in chart and "Stress!$B$2:$B$4" in chart
    assert '<c:orientation val="maxMin"/>' in chart  # first row on top
    assert 'formatCode="0%"' in chart
    assert "chart 'Broken' skipped: no column nope" in log_messages(wb)


def test_sample_dashboard_of_a_solved_plan():
    """The realistic Dashboard of write_samples over a solved world: every block titled,
    both charts drawn over their blocks."""
    out = solve(world({"default_max_transit_share": 0.6}))
    out.results.dashboard = sample_dashboard(out.results)
    data = write(out.results)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    texts = {c.value for row in wb["Dashboard"].iter_rows() for c in row if c.value}
    assert {
        "Headline",
        "Delivered per commodity",
        "Highest transit share vs its cap",
        "Most binding capacities and rules",
    } <= texts
    charts = charts_xml(data)
    assert len(charts) == 2
    # one commodity: one row, a single cell for categories and values
    assert all(re.search(r"<c:val><c:numRef><c:f>Dashboard!\$[A-Z]+\$\d+<", c) for c in charts)


def png(width: int, height: int, dpi: float | None = None) -> bytes:
    """A blank PNG of width x height pixels, with a pHYs chunk when `dpi` is given."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff" * width for _ in range(height)))
    phys = b""
    if dpi is not None:
        per_metre = round(dpi / 0.0254)
        phys = chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + phys
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def test_images_print_whole_on_their_own_sheet():
    """A PNG for a table sheet goes on '<sheet> chart'; one for a sheet that holds no table
    gets that sheet alone. A 2000 x 1000 picture at 192 dpi is placed as 1000 x 500 at 96
    dpi, which fits the page unscaled; at 96 dpi it is scaled to the page width."""
    from corridor.io.xlsx import PAGE_WIDTH_PX, image_scale, png_size

    assert png_size(png(2000, 1000, dpi=192)) == pytest.approx((1000, 500), rel=1e-3)
    assert image_scale(png(2000, 1000, dpi=192), PAGE_WIDTH_PX, 600) == 1.0
    assert image_scale(png(2000, 1000), PAGE_WIDTH_PX, 600) == pytest.approx(PAGE_WIDTH_PX / 2000)
    results = Results({"status": "optimal"}, {"Map": pd.DataFrame({"leg": ["L1"]})})
    results.images = {"Map": png(40, 20), "Picture": png(10, 10)}
    wb = openpyxl.load_workbook(io.BytesIO(write(results)))
    assert len(wb["Map chart"]._images) == 1 and len(wb["Picture"]._images) == 1
    assert wb.sheetnames.index("Map chart") == wb.sheetnames.index("Map") + 1


def test_dashboard_charts_may_come_with_the_results_charts():
    dash = small_dashboard()
    dash.charts = []
    results = Results({"status": "optimal"}, {}, dashboard=dash)
    results.charts = [
        ChartSpec("Dashboard", "column", "Delivered", "commodity", ["share"], block="Delivered")
    ]
    data = write(results)
    (chart,) = charts_xml(data)
    assert "Dashboard!$F$6" in chart
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert not [m for m in log_messages(wb) if "skipped" in m]

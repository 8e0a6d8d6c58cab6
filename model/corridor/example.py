"""The bundled example: Kazakhstan to Japan, with and without the Trans-Caspian corridor.

``example_frames()`` returns the input sheets (spec names and columns) of a small plan:
four commodities leave Kazakhstan for Yokohama (oil for its Negishi refinery) in 2026 and
2027,

- uranium (2,000 tU/yr) from the Kharasan mines (loaded at Shieli),
- gallium (15 t/yr from Q3 2026) from Aluminium of Kazakhstan, Pavlodar,
- rare-earth oxides (1,500 t/yr) from the SARECO plant, Stepnogorsk,
- crude oil (illustrative volume, kt) from Tengiz,

over routes through China (rail via Dostyk/Alashankou or Altynkol/Khorgos to Lianyungang,
then sea), the Trans-Caspian International Transport Route (TITR: Aktau/Kuryk, ferry to
Alat, rail to Poti/Batumi or via Baku-Tbilisi-Kars to Mersin, then sea via Suez), Russia
west (St Petersburg) and east (Vostochny), and for oil the CPC pipeline to Novorossiysk or a
Caspian tanker plus the BTC pipeline to Ceyhan.

The story the numbers tell (``corridor solve inputs/caspian_corridor.xlsx``): without a cap
the cheapest plan sends the minerals through China and the oil through Russia (CPC); with the
default cap of 50 % per transit country half of each commodity must avoid China (or Russia
for oil), so uranium and rare earths take the TITR, oil the Caspian-BTC route, and the plan
costs more -- the premium of diversification. The cap alone does not keep cargo out of
Russia: gallium (small and valuable) takes the fast Vostochny route, and uranium would too
without the Limits rule ``no_ru_uranium``. The Capacities sheet raises the Kazakh BTC quota
from 1.5 to 2.2 Mt in 2027; without it the capped 2027 oil plan is infeasible.

Conventions of the example (also on its ``About`` and ``Sources`` sheets):

- capacity units are tonnes; uranium counts in tU (1 tU = 1.179 t of U3O8), oil in kt;
- a leg's ``countries`` lists the land crossed; sea passages (Bosporus, Suez, Malacca...)
  are ``chokepoints`` only, since ships pass them under international regimes (Montreux,
  Constantinople Convention, transit passage) rather than by a transit country's leave;
- ``share_basis`` is ``volume``: the default cap works per commodity, where volume and value
  shares coincide;
- every number is either cited on the ``Sources`` sheet (a source from
  ``caspian-example-facts.md`` with its date) or marked ``illustrative`` there. An item is
  ``<id>.<column>`` (``<contract>@<period>.volume`` for a contract row of one period,
  ``<target>@<period>.capacity`` on Capacities, the setting's name on Settings);
  ``*.<column>`` covers the column's cells that have no row of their own.

``write_example(path)`` writes the workbook; ``python -m corridor.example OUT.xlsx`` runs it.

The sourcing variant (``sourcing_frames()``, ``write_sourcing_example(path)``; ``python -m
corridor.example OUT.xlsx SOURCING.xlsx`` writes both) asks what Japan should *buy*: Yokohama
needs uranium, rare earths and gallium (Demand); Kazatomprom, Navoiyuran (Uzbekistan), Cameco
(Canada, by sea), SARECO, Lynas (Malaysia), Aluminium of Kazakhstan and a Chinese exporter
offer them (Offers) over the same network; a strategic stock of rare earths in Yokohama keeps
a floor of about 60 days of use (Stocks); and ``uranium_origin_cap`` allows at most 60 % of
the uranium from any one origin country. Its Sources sheet cites or marks every number the
same way.

The robust variant (``robust_frames()``, ``write_robust_example(path)``; a third path to
``python -m corridor.example``) plans the contract example to survive any one closure:
``robust_min_delivery`` 0.8 against every transit country, capacity on the TITR booked
ahead at a price (Routes ``booking_cost``) and the Kazakh BTC quota open to expansion
(Expansions).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .schema import INPUT_SHEETS as SPEC

__all__ = [
    "CITATIONS",
    "ILLUSTRATIVE",
    "INPUT_SHEETS",
    "ROBUST_COST_MUSD",
    "ROBUST_SHEETS",
    "SOURCING_SHEETS",
    "about_lines",
    "example_frames",
    "main",
    "numeric_cells",
    "robust_about_lines",
    "robust_frames",
    "robust_sources_frame",
    "sources_frame",
    "sourcing_about_lines",
    "sourcing_frames",
    "sourcing_sources_frame",
    "write_example",
    "write_robust_example",
    "write_sourcing_example",
]

ILLUSTRATIVE = "illustrative"

# The sources of caspian-example-facts.md, with their dates, as cited on the Sources sheet.
CITATIONS: dict[str, str] = {
    "titr_volume": "report.az, 10 Mar 2026",
    "titr_capacity": "trend.az, 17 Dec 2024",
    "titr_target": "sea-news.az, 8 May 2025",
    "ferries": "porteconomicsmanagement.org (undated)",
    "kuryk_ferry": "sea-news.az, 6 May 2022",
    "kz_ports": "astanatimes.com, 26 Sep 2024",
    "alat": "portnews.ru; trend.az, Dec 2025",
    "dostyk": "silkroadnews.org (2016 figure)",
    "khorgos": "caliber.az (2025 figure)",
    "lianyungang": "news.cgtn.com (undated)",
    "cpc": "tportal.hr, Feb 2026",
    "btc": "timesca.com (undated)",
    "uranium_quota": "Reuters via marketscreener, Oct 2022",
    "uranium_japan": "world-nuclear-news.org, 2007",
    "uranium_poti": "world-nuclear-news.org, 20 Dec 2022",
    "uranium_spb": "panorientnews.com, 2010",
    "gallium": "japannews.yomiuri.co.jp, 24 Dec 2025",
    "rare_earths": "astanatimes.com, Feb 2014",
    "costs": "EY quoting the World Bank, Apr 2024",
}

# Input sheets in workbook order (the example has no Expansions sheet).
INPUT_SHEETS = (
    "Settings",
    "Periods",
    "Commodities",
    "Nodes",
    "Legs",
    "Routes",
    "Contracts",
    "Limits",
    "Capacities",
    "Scenarios",
)

# --------------------------------------------------------------------------- sourced figures

U3O8_PER_TU = 1.179  # t of U3O8 per tU (U3O8 is 84.8 % uranium by mass)
AKTAU_T = 11_000_000  # Aktau port, more than 11 Mt/yr
KURYK_T = 6_000_000  # Kuryk port, designed for 6 Mt/yr
ALAT_T = 15_000_000  # Port of Baku at Alat, 15 Mt/yr now
LIANYUNGANG_CONTAINERS = 410_000  # China-Kazakhstan logistics base, containers a year
T_PER_CONTAINER = 20  # illustrative conversion
LIANYUNGANG_T = LIANYUNGANG_CONTAINERS * T_PER_CONTAINER
DOSTYK_T = 20_000_000  # Dostyk-Alashankou crossing, 2016 figure
KHORGOS_T = 16_100_000  # Altynkol-Khorgos, handled in 2025
FERRY_FLEET_T = 4_500_000  # Caspian rail ferries, about 4.5 Mt/yr
FERRY_SPLIT = {"AKTAU-ALAT": 2_500_000, "KURYK-ALAT": FERRY_FLEET_T - 2_500_000}  # illustrative
CPC_T = 70_520_000  # CPC pipeline, 2025 volume
BTC_QUOTA_T = 1_500_000  # Kazakh quota in BTC
BTC_RAMP_T = 2_200_000  # agreed ramp-up of the quota
TITR_CAPACITY_T = 6_000_000  # TITR capacity, Mt/yr
URANIUM_QUOTA_TU = 3_500  # approved trans-Caspian uranium quota, tU/yr
URANIUM_TU = 2_000  # Japanese partners in Kharasan, tU/yr
GALLIUM_T = 15  # Mitsubishi subsidiary, from Q3 2026
REO_T = 1_500  # SARECO target

PERIODS = ("2026", "2027")
OIL_KT = {"2026": 2_000, "2027": 3_400}  # illustrative; 2027 needs the BTC ramp-up under the cap

# Cargo values (USD per commodity unit), all illustrative.
VALUES = {
    "uranium": 190_000,  # about US$73/lb U3O8
    "gallium": 600_000,  # about US$600/kg outside China
    "rare_earths": 20_000,  # mixed oxides
    "crude_oil": 500_000,  # about US$68/bbl at 7.3 bbl/t
}

# Emission factors, kg CO2 per tonne-km, by mode (illustrative): co2 = km x factor / 1000.
CO2_KG_PER_TKM = {"rail": 0.025, "ferry": 0.040, "sea": 0.012, "pipeline": 0.004}
TANKER_KG_PER_TKM = 0.005

# --------------------------------------------------------------------------- the network

# node, country, name, kind, capacity (t/yr), handling (USD/t), latitude, longitude
# fmt: off
NODES = [
    ("SHIELI", "KZ", "Shieli station (Kharasan uranium mines)", "mine", None, None, 44.17, 66.75),
    ("PAVLODAR", "KZ", "Aluminium of Kazakhstan, Pavlodar", "plant", None, None, 52.29, 76.97),
    ("STEPNOGORSK", "KZ", "SARECO plant, Stepnogorsk", "plant", None, None, 52.35, 71.89),
    ("TENGIZ", "KZ", "Tengiz oil field", "oil field", None, None, 46.15, 53.38),
    ("DOSTYK", "KZ", "Dostyk border station", "border", None, None, 45.25, 82.48),
    ("ALTYNKOL", "KZ", "Altynkol border station", "border", None, None, 44.18, 80.28),
    ("ALASHANKOU", "CN", "Alashankou (gauge change)", "border", None, 12, 45.17, 82.57),
    ("KHORGOS", "CN", "Khorgos (gauge change)", "border", None, 12, 44.21, 80.41),
    ("LIANYUNGANG", "CN", "Lianyungang logistics base", "port", LIANYUNGANG_T, 15, 34.74, 119.45),
    ("AKTAU", "KZ", "Port of Aktau", "port", AKTAU_T, 8, 43.61, 51.22),
    ("KURYK", "KZ", "Port of Kuryk", "port", KURYK_T, 8, 43.20, 51.65),
    ("ALAT", "AZ", "Port of Baku at Alat", "port", ALAT_T, 10, 39.93, 49.41),
    ("SANGACHAL", "AZ", "Sangachal terminal (BTC head)", "oil terminal", None, 3, 40.18, 49.47),
    ("POTI", "GE", "Port of Poti", "port", None, 15, 42.15, 41.67),
    ("BATUMI", "GE", "Port of Batumi", "port", None, 15, 41.65, 41.64),
    ("KARS", "TR", "Kars (Baku-Tbilisi-Kars railway)", "rail hub", None, 5, 40.60, 43.09),
    ("MERSIN", "TR", "Port of Mersin", "port", None, 12, 36.79, 34.64),
    ("CEYHAN", "TR", "Ceyhan terminal (BTC)", "oil terminal", None, 3, 36.85, 35.93),
    ("ST_PETERSBURG", "RU", "Port of St Petersburg", "port", None, 15, 59.88, 30.22),
    ("VOSTOCHNY", "RU", "Port Vostochny", "port", None, 15, 42.75, 133.05),
    ("NOVOROSSIYSK", "RU", "CPC terminal, Novorossiysk", "oil terminal", None, 3, 44.65, 37.64),
    ("YOKOHAMA", "JP", "Port of Yokohama", "port", None, 8, 35.45, 139.65),
    ("NEGISHI", "JP", "Negishi refinery, Yokohama", "refinery", None, 2, 35.41, 139.63),
]
# fmt: on

SUEZ_EAST = "Suez, Bab-el-Mandeb, Malacca"
BLACK_SEA_EAST = f"Bosporus, {SUEZ_EAST}"
BALTIC_EAST = f"Danish Straits, Gibraltar, {SUEZ_EAST}"
# from, to, mode, cost (USD/t), days, capacity (t/yr), countries, chokepoints, km
# fmt: off
LEG_ROWS = [
    # first legs: each origin to each gateway (Kazakh rail; Russian rail for RU routes)
    ("SHIELI", "DOSTYK", "rail", 62, 4, None, None, None, 1_700),
    ("SHIELI", "ALTYNKOL", "rail", 55, 4, None, None, None, 1_500),
    ("SHIELI", "AKTAU", "rail", 58, 4, None, None, None, 1_600),
    ("SHIELI", "KURYK", "rail", 58, 4, None, None, None, 1_600),
    ("SHIELI", "ST_PETERSBURG", "rail", 190, 11, None, None, None, 4_200),
    ("SHIELI", "VOSTOCHNY", "rail", 360, 18, None, None, None, 7_600),
    ("PAVLODAR", "DOSTYK", "rail", 38, 3, None, None, None, 1_000),
    ("PAVLODAR", "ALTYNKOL", "rail", 55, 4, None, None, None, 1_500),
    ("PAVLODAR", "AKTAU", "rail", 108, 6, None, None, None, 3_000),
    ("PAVLODAR", "KURYK", "rail", 108, 6, None, None, None, 3_000),
    ("PAVLODAR", "ST_PETERSBURG", "rail", 165, 10, None, None, None, 3_700),
    ("PAVLODAR", "VOSTOCHNY", "rail", 300, 15, None, None, None, 6_200),
    ("STEPNOGORSK", "DOSTYK", "rail", 55, 4, None, None, None, 1_500),
    ("STEPNOGORSK", "ALTYNKOL", "rail", 58, 4, None, None, None, 1_600),
    ("STEPNOGORSK", "AKTAU", "rail", 95, 6, None, None, None, 2_600),
    ("STEPNOGORSK", "KURYK", "rail", 95, 6, None, None, None, 2_600),
    ("STEPNOGORSK", "ST_PETERSBURG", "rail", 150, 10, None, None, None, 3_300),
    ("STEPNOGORSK", "VOSTOCHNY", "rail", 320, 16, None, None, None, 6_600),
    # China
    ("DOSTYK", "ALASHANKOU", "rail", 5, 2, DOSTYK_T, None, None, 12),
    ("ALTYNKOL", "KHORGOS", "rail", 5, 2, KHORGOS_T, None, None, 10),
    ("ALASHANKOU", "LIANYUNGANG", "rail", 120, 7, None, None, None, 4_300),
    ("KHORGOS", "LIANYUNGANG", "rail", 123, 7, None, None, None, 4_400),
    ("LIANYUNGANG", "YOKOHAMA", "sea", 35, 4, None, None, "Korea Strait", 1_900),
    # Trans-Caspian (TITR)
    ("AKTAU", "ALAT", "ferry", 75, 3, FERRY_SPLIT["AKTAU-ALAT"], None, None, 460),
    ("KURYK", "ALAT", "ferry", 75, 1, FERRY_SPLIT["KURYK-ALAT"], None, None, 430),
    ("ALAT", "POTI", "rail", 55, 4, None, None, None, 850),
    ("ALAT", "BATUMI", "rail", 58, 4, None, None, None, 900),
    ("ALAT", "KARS", "rail", 70, 5, None, "GE", None, 830),
    ("KARS", "MERSIN", "rail", 60, 4, None, None, None, 1_200),
    ("POTI", "YOKOHAMA", "sea", 160, 38, None, None, BLACK_SEA_EAST, 17_500),
    ("BATUMI", "YOKOHAMA", "sea", 165, 38, None, None, BLACK_SEA_EAST, 17_500),
    ("MERSIN", "YOKOHAMA", "sea", 140, 32, None, None, SUEZ_EAST, 15_500),
    # Russia (few container lines still serve Russian ports since 2022: dear sea legs)
    ("ST_PETERSBURG", "YOKOHAMA", "sea", 320, 42, None, None, BALTIC_EAST, 21_000),
    ("VOSTOCHNY", "YOKOHAMA", "sea", 200, 4, None, None, "Tsugaru", 1_500),
    # oil
    ("TENGIZ", "NOVOROSSIYSK", "pipeline", 38, 10, CPC_T, None, None, 1_500),
    ("NOVOROSSIYSK", "NEGISHI", "sea", 30, 35, None, None, BLACK_SEA_EAST, 17_000),
    ("TENGIZ", "AKTAU", "rail", 22, 2, None, None, None, 550),
    ("AKTAU", "SANGACHAL", "sea", 12, 2, None, None, None, 400),
    ("SANGACHAL", "CEYHAN", "pipeline", 30, 8, BTC_QUOTA_T, "GE", None, 1_768),
    ("CEYHAN", "NEGISHI", "sea", 28, 30, None, None, SUEZ_EAST, 15_000),
]
# fmt: on
TANKER_LEGS = {"NOVOROSSIYSK-NEGISHI", "AKTAU-SANGACHAL", "CEYHAN-NEGISHI"}

MINERAL_ORIGINS = {"U": "SHIELI", "GA": "PAVLODAR", "REO": "STEPNOGORSK"}
# route suffix, corridor, nodes after the origin
MINERAL_PATHS = [
    ("CN-DOSTYK", "China", ["DOSTYK", "ALASHANKOU", "LIANYUNGANG", "YOKOHAMA"]),
    ("CN-KHORGOS", "China", ["ALTYNKOL", "KHORGOS", "LIANYUNGANG", "YOKOHAMA"]),
    ("TITR-POTI", "TITR", ["AKTAU", "ALAT", "POTI", "YOKOHAMA"]),
    ("TITR-BATUMI", "TITR", ["KURYK", "ALAT", "BATUMI", "YOKOHAMA"]),
    ("TITR-BTK", "TITR", ["AKTAU", "ALAT", "KARS", "MERSIN", "YOKOHAMA"]),
    ("RU-WEST", "Russia-West", ["ST_PETERSBURG", "YOKOHAMA"]),
    ("RU-EAST", "Russia-East", ["VOSTOCHNY", "YOKOHAMA"]),
]
# Uranium's Black Sea leg needs chartered vessels with cargo consolidated at Poti
# (world-nuclear-news.org, 20 Dec 2022): no uranium route via Batumi.
SKIPPED_ROUTES = {("U", "TITR-BATUMI")}
OIL_PATHS = [
    ("OIL-CPC", "CPC", ["TENGIZ", "NOVOROSSIYSK", "NEGISHI"]),
    ("OIL-BTC", "Caspian-BTC", ["TENGIZ", "AKTAU", "SANGACHAL", "CEYHAN", "NEGISHI"]),
]


def _leg_id(a: str, b: str) -> str:
    return f"{a}-{b}"


def _co2(mode: str, leg: str, km: float) -> float:
    factor = TANKER_KG_PER_TKM if leg in TANKER_LEGS else CO2_KG_PER_TKM[mode]
    return round(km * factor / 1000, 3)


def _routes() -> list[tuple[str, list[str], str]]:
    """(route, node path, corridor) for every route."""
    out = []
    for prefix, origin in MINERAL_ORIGINS.items():
        for suffix, corridor, path in MINERAL_PATHS:
            if (prefix, suffix) in SKIPPED_ROUTES:
                continue
            out.append((f"{prefix}-{suffix}", [origin, *path], corridor))
    for route, corridor, path in OIL_PATHS:
        out.append((route, path, corridor))
    return out


# --------------------------------------------------------------------------- the frames


def example_frames() -> dict[str, pd.DataFrame]:
    """The input sheets of the example, keyed by spec sheet name (blank cells are None)."""
    settings = pd.DataFrame(
        {
            "setting": [
                "currency",
                "default_max_transit_share",
                "share_basis",
                "carrying_cost_rate",
                "carbon_price",
            ],
            "value": ["USD", 0.5, "volume", 0.03, 20],
        },
        dtype=object,
    )
    periods = pd.DataFrame({"period": list(PERIODS), "days": [365] * len(PERIODS)})
    commodities = pd.DataFrame(
        [
            ("uranium", "tU", VALUES["uranium"], U3O8_PER_TU, 1.5, "rail, road, sea, ferry"),
            ("gallium", "t", VALUES["gallium"], 1, 1, "rail, road, sea, ferry, air"),
            ("rare_earths", "t", VALUES["rare_earths"], 1, 1, "rail, road, sea, ferry"),
            ("crude_oil", "kt", VALUES["crude_oil"], 1_000, 1, "pipeline, sea, ferry, rail"),
        ],
        columns=["commodity", "unit", "value_per_unit", "capacity_use", "cost_factor", "modes"],
    )
    nodes = pd.DataFrame(
        NODES,
        columns=[
            "node",
            "country",
            "name",
            "kind",
            "capacity",
            "handling_cost",
            "latitude",
            "longitude",
        ],
    )
    legs = pd.DataFrame(
        [
            (
                _leg_id(a, b),
                a,
                b,
                mode,
                cost,
                days,
                cap,
                countries,
                chokepoints,
                _co2(mode, _leg_id(a, b), km),
            )
            for a, b, mode, cost, days, cap, countries, chokepoints, km in LEG_ROWS
        ],
        columns=SPEC["Legs"].column_names,
    )
    routes = pd.DataFrame(
        [
            (
                route,
                " > ".join(_leg_id(a, b) for a, b in zip(path, path[1:], strict=False)),
                corridor,
            )
            for route, path, corridor in _routes()
        ],
        columns=["route", "legs", "corridor"],
    )
    contracts = pd.DataFrame(
        [
            ("U-KHARASAN", "uranium", "SHIELI", "YOKOHAMA", URANIUM_TU, None),
            ("GA-ALKAZ", "gallium", "PAVLODAR", "YOKOHAMA", GALLIUM_T / 2, "2026"),
            ("GA-ALKAZ", "gallium", "PAVLODAR", "YOKOHAMA", GALLIUM_T, "2027"),
            ("REO-SARECO", "rare_earths", "STEPNOGORSK", "YOKOHAMA", REO_T, None),
            *(("OIL-TENGIZ", "crude_oil", "TENGIZ", "NEGISHI", OIL_KT[p], p) for p in PERIODS),
        ],
        columns=["contract", "commodity", "origin", "destination", "volume", "period"],
    )
    limits = pd.DataFrame(
        [
            ("no_ru_uranium", "transit_country", "RU", "*", "uranium", "*", 0, None),
            (
                "titr_uranium_quota",
                "corridor",
                "TITR",
                "*",
                "uranium",
                "*",
                None,
                round(URANIUM_QUOTA_TU * U3O8_PER_TU, 1),
            ),
            ("titr_capacity", "corridor", "TITR", "ALL", "ALL", "*", None, TITR_CAPACITY_T),
        ],
        columns=[
            "rule",
            "measure",
            "value",
            "destination",
            "commodity",
            "period",
            "max_share",
            "max_volume",
        ],
    )
    capacities = pd.DataFrame(
        [("leg", "SANGACHAL-CEYHAN", "2027", BTC_RAMP_T)],
        columns=["target_type", "target", "period", "capacity"],
    )
    # what-if questions for `corridor scenarios` (rows with one name combine)
    scenarios = pd.DataFrame(
        [
            ("china_closed", "close", "country:CN", None),
            ("china_closed_cap_lifted", "close", "country:CN", None),
            ("china_closed_cap_lifted", "set_limit", "rule:default_cap", 1.0),
            ("georgia_closed", "close", "country:GE", None),
            ("bosporus_closed", "close", "chokepoint:Bosporus", None),
            ("aktau_half_capacity", "scale_capacity", "node:AKTAU", 0.5),
            ("freight_plus_20pct", "scale_cost", "all", 1.2),
            ("uranium_plus_50pct", "scale_volume", "commodity:uranium", 1.5),
            ("russia_sanctions", "close", "country:RU", None),
            ("russia_sanctions", "scale_cost", "all", 1.1),
        ],
        columns=["scenario", "change", "target", "value"],
    )
    frames = {
        "Settings": settings,
        "Periods": periods,
        "Commodities": commodities,
        "Nodes": nodes,
        "Legs": legs,
        "Routes": routes,
        "Contracts": contracts,
        "Limits": limits,
        "Capacities": capacities,
        "Scenarios": scenarios,
    }
    return {name: _blank_as_none(frame) for name, frame in frames.items()}


def _blank_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding Python values, None for a blank cell."""
    out = frame.astype(object)
    return out.where(out.notna(), None)


# --------------------------------------------------------------------------- sources


def _row_key(sheet: str, row: pd.Series) -> str:
    """The id part of a Sources item for one input row."""
    if sheet in ("Contracts", "Offers"):
        key = row["contract"] if sheet == "Contracts" else row["offer"]
        return f"{key}@{row['period']}" if row["period"] else str(key)
    if sheet == "Capacities":
        return f"{row['target']}@{row['period']}" if row["period"] else str(row["target"])
    if sheet == "Demand":
        return f"{row['commodity']}@{row['destination']}"
    if sheet == "Stocks":
        return f"{row['commodity']}@{row['node']}"
    return str(row.iloc[0])


def numeric_cells(
    frames: dict[str, pd.DataFrame], sheets: Sequence[str] = INPUT_SHEETS
) -> list[tuple[str, str, float]]:
    """(sheet, item, value) of every number in the input sheets, with the Sources item key."""
    out = []
    for sheet in sheets:
        frame = frames.get(sheet)
        if frame is None:
            continue
        for _, row in frame.iterrows():
            key = _row_key(sheet, row)
            for column in frame.columns:
                value = row[column]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    continue
                if isinstance(value, float) and math.isnan(value):
                    continue
                item = key if sheet == "Settings" else f"{key}.{column}"
                out.append((sheet, item, value))
    return out


def _cite(key: str) -> str:
    return CITATIONS[key]


# (sheet, item, source, note); the value is filled in from the frames. `source` is a
# CITATIONS key or ILLUSTRATIVE. Items starting with `*.` cover the column's other cells.
# fmt: off
_SOURCE_ROWS: list[tuple[str, str, str, str]] = [
    ("Settings", "default_max_transit_share", ILLUSTRATIVE,
     "the planner's policy: no transit country above 50 % of any commodity's deliveries to "
     "Japan in a year"),
    ("Settings", "carrying_cost_rate", ILLUSTRATIVE,
     "annual cost of capital on cargo in transit"),
    ("Settings", "carbon_price", ILLUSTRATIVE,
     "USD per t CO2, small so the term shows"),
    ("Periods", "*.days", ILLUSTRATIVE,
     "calendar years (informational)"),
    ("Commodities", "uranium.value_per_unit", ILLUSTRATIVE,
     "about US$73/lb U3O8, USD per tU"),
    ("Commodities", "gallium.value_per_unit", ILLUSTRATIVE,
     "about US$600/kg outside China"),
    ("Commodities", "rare_earths.value_per_unit", ILLUSTRATIVE,
     "mixed rare-earth oxides, USD per t"),
    ("Commodities", "crude_oil.value_per_unit", ILLUSTRATIVE,
     "about US$68/bbl at 7.3 bbl/t, USD per kt"),
    ("Commodities", "uranium.capacity_use", ILLUSTRATIVE,
     "t of U3O8 concentrate per tU (U3O8 is 84.8 % uranium by mass)"),
    ("Commodities", "crude_oil.capacity_use", ILLUSTRATIVE,
     "t per kt (a unit conversion)"),
    ("Commodities", "uranium.cost_factor", ILLUSTRATIVE,
     "class 7 dangerous goods: escort, insurance and chartered vessels "
     "(world-nuclear-news.org, 20 Dec 2022)"),
    ("Commodities", "*.capacity_use", ILLUSTRATIVE,
     "t per t"),
    ("Commodities", "*.cost_factor", ILLUSTRATIVE,
     "ordinary cargo"),
    ("Nodes", "AKTAU.capacity", "kz_ports",
     "more than 11 Mt/yr; the whole port, oil included"),
    ("Nodes", "KURYK.capacity", "kz_ports",
     "designed for 6 Mt/yr"),
    ("Nodes", "ALAT.capacity", "alat",
     "15 Mt/yr now (25 Mt in phase 2)"),
    ("Nodes", "LIANYUNGANG.capacity", "lianyungang",
     "410,000 containers a year at an assumed 20 t per container (the conversion is "
     "illustrative)"),
    ("Nodes", "*.handling_cost", ILLUSTRATIVE,
     "USD per t handled (port, gauge change)"),
    ("Nodes", "*.latitude", ILLUSTRATIVE,
     "approximate, from public maps (for the map only)"),
    ("Nodes", "*.longitude", ILLUSTRATIVE,
     "approximate, from public maps (for the map only)"),
    ("Legs", "DOSTYK-ALASHANKOU.capacity", "dostyk",
     "20 Mt/yr crossing capacity (2016); the second Dostyk-Moyynty track opened 30 Sep 2025 "
     "(qazinform.com)"),
    ("Legs", "ALTYNKOL-KHORGOS.capacity", "khorgos",
     "16.1 Mt handled in 2025, used as the capacity"),
    ("Legs", "AKTAU-ALAT.capacity", "ferries",
     "more than 25 rail ferries, about 4.5 Mt/yr; the split between the two crossings is "
     "illustrative"),
    ("Legs", "KURYK-ALAT.capacity", "ferries",
     "more than 25 rail ferries, about 4.5 Mt/yr; the split between the two crossings is "
     "illustrative"),
    ("Legs", "KURYK-ALAT.days", "kuryk_ferry",
     "the crossing takes 20-22 h"),
    ("Legs", "TENGIZ-NOVOROSSIYSK.capacity", "cpc",
     "CPC carried 70.52 Mt in 2025 (63.01 Mt in 2024), about 80 % of Kazakh oil exports"),
    ("Legs", "SANGACHAL-CEYHAN.capacity", "btc",
     "Kazakh quota in BTC 1.5 Mt/yr (1.392 Mt shipped in 2023); assumed all available to this "
     "contract"),
    ("Legs", "*.cost", ILLUSTRATIVE,
     "USD per t; a container China-Europe costs US$2,500-3,250 per FEU via the Middle "
     "Corridor, US$2,600-3,100 via Russia (EY quoting the World Bank, Apr 2024); sea legs from "
     "Russian ports are dear since the main lines left in 2022"),
    ("Legs", "*.days", ILLUSTRATIVE,
     "door-to-door the TITR takes 13-17 days China-Europe (report.az, 10 Mar 2026); leg days "
     "here include port waiting"),
    ("Legs", "*.co2", ILLUSTRATIVE,
     "t CO2 per t = km x kg CO2 per t-km / 1000: rail 0.025, ferry 0.040, container ship "
     "0.012, tanker 0.005, pipeline 0.004"),
    ("Contracts", "U-KHARASAN.volume", "uranium_japan",
     "Japanese partners in the Kharasan mines may take 2,000 tU/yr"),
    ("Contracts", "GA-ALKAZ@2026.volume", "gallium",
     "about 15 t/yr from Q3 2026: half a year in 2026"),
    ("Contracts", "GA-ALKAZ@2027.volume", "gallium",
     "about 15 t/yr, all shipped to Japan"),
    ("Contracts", "REO-SARECO.volume", "rare_earths",
     "the SARECO plant targeted 1,500 t of rare-earth oxides"),
    ("Contracts", "OIL-TENGIZ@2026.volume", ILLUSTRATIVE,
     "kt/yr sold to Japan"),
    ("Contracts", "OIL-TENGIZ@2027.volume", ILLUSTRATIVE,
     "kt/yr; under the cap half must take BTC, more than the 1.5 Mt quota: the 2027 plan needs "
     "the ramp-up (Capacities)"),
    ("Limits", "no_ru_uranium.max_share", ILLUSTRATIVE,
     "the planner's rule: no uranium through Russia (historically it went via St Petersburg: "
     "panorientnews.com, 2010)"),
    ("Limits", "titr_uranium_quota.max_volume", "uranium_quota",
     "approved trans-Caspian quota 3,500 tU/yr x 1.179 t U3O8 per tU, in t"),
    ("Limits", "titr_capacity.max_volume", "titr_capacity",
     "TITR capacity 6 Mt/yr incl. 100k TEU (target 10 Mt/yr by 2027: sea-news.az, 8 May 2025, "
     "not assumed)"),
    ("Scenarios", "*.value", ILLUSTRATIVE,
     "what-if factors a planner might ask about (capacity, freight rate, volume, a cap "
     "lifted in a crisis)"),
    ("Capacities", "SANGACHAL-CEYHAN@2027.capacity", "btc",
     "ramp-up of the Kazakh quota to 2.2 Mt agreed; in effect from 2027 (the timing is "
     "illustrative)"),
]
# fmt: on


def sources_frame(
    frames: dict[str, pd.DataFrame] | None = None,
    source_rows: list[tuple[str, str, str, str]] | None = None,
    sheets: Sequence[str] = INPUT_SHEETS,
) -> pd.DataFrame:
    """The Sources sheet: sheet, item, value, source, note for the numbers of `frames`."""
    frames = example_frames() if frames is None else frames
    values = {(sheet, item): value for sheet, item, value in numeric_cells(frames, sheets)}
    rows = []
    for sheet, item, source, note in _SOURCE_ROWS if source_rows is None else source_rows:
        value = None if item.startswith("*.") else values[(sheet, item)]
        cited = source if source == ILLUSTRATIVE else _cite(source)
        rows.append((sheet, item, value, cited, note))
    return pd.DataFrame(rows, columns=["sheet", "item", "value", "source", "note"], dtype=object)


# The plan costs the About sheet quotes, in US$ million over 2026-27 (tests re-solve to check).
NO_CAP_COST_MUSD = 418
CAPPED_COST_MUSD = 514


def about_lines() -> list[str]:
    """The About sheet: the story in a few lines."""
    premium = CAPPED_COST_MUSD - NO_CAP_COST_MUSD
    return [
        "Kazakhstan to Japan, with and without the Trans-Caspian corridor (corridor example)",
        "At the first Central Asia + Japan summit (Tokyo, 20 Dec 2025) Kazakhstan and Japan "
        "signed deals on oil, uranium and rare earths and agreed a 'Caspian Sea route' for "
        "critical minerals.",
        "Uranium (2,000 tU/yr), gallium (15 t/yr from Q3 2026) and rare-earth oxides "
        "(1,500 t/yr) go to Yokohama, crude oil (illustrative kt) to the Negishi refinery, in "
        "2026 and 2027.",
        "Routes: rail through China to Lianyungang, then sea (transit CN); the TITR: Aktau or "
        "Kuryk, ferry to Alat, rail to Poti/Batumi or Baku-Tbilisi-Kars to Mersin, then sea via "
        "Suez (AZ, GE, TR); Russia west and east (RU); oil by CPC (RU) or tanker + BTC "
        "(AZ, GE, TR).",
        f"Without a cap (delete default_max_transit_share on Settings) the cheapest plan "
        f"(about US${NO_CAP_COST_MUSD} M) sends the minerals through China and the oil "
        f"through Russia (CPC).",
        f"With the cap of 50 % per transit country half of each commodity must avoid China "
        f"(Russia for oil): uranium and rare earths take the TITR via Poti, oil tanker + BTC, "
        f"for about US${CAPPED_COST_MUSD} M: a premium of about US${premium} M, almost all of "
        f"it oil (BTC costs about US$35/t more than CPC).",
        "The cap alone does not keep cargo out of Russia: gallium, small and valuable, takes "
        "the fast Vostochny route, and so would uranium without the rule no_ru_uranium "
        "(Limits) that rules Russia out for it.",
        "Sea passages (Bosporus, Suez, Malacca...) are chokepoints, not transit countries. "
        "Capacity units are tonnes; uranium counts in tU (1.179 t U3O8), oil in kt. Shares "
        "are by volume (share_basis), which within one commodity equals shares by value.",
        "Every number is cited or marked illustrative on the Sources sheet; costs and "
        "allocatable capacities are illustrative.",
        "Solve it: corridor solve inputs/caspian_corridor.xlsx -o "
        "outputs/caspian_corridor_results.xlsx",
    ]


# --------------------------------------------------------------------------- writing


def _cell_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _write_sheet(wb, name: str, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=name)
    bold = Font(bold=True)
    widths = []
    for j, column in enumerate(frame.columns, start=1):
        cell = ws.cell(row=1, column=j, value=str(column))
        cell.font = bold
        widths.append(len(str(column)))
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for j, value in enumerate(row, start=1):
            value = _cell_value(value)
            if value is None:
                continue
            cell = ws.cell(row=i, column=j, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # ids and text stay text, never a formula or a number
            widths[j - 1] = max(widths[j - 1], len(str(value)))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"


def write_example(path: str | Path) -> Path:
    """Write the example workbook (About, the input sheets, Sources) to `path`."""
    frames = example_frames()
    return _write_book(path, about_lines(), frames, INPUT_SHEETS, sources_frame(frames))


# --------------------------------------------------------------------------- the sourcing variant
#
# ``inputs/caspian_sourcing.xlsx``: the same network, but Japan *chooses* its suppliers.
# Yokohama needs uranium, rare earths and gallium each year; offers from Kazakhstan,
# Uzbekistan (Navoiyuran), Canada (Cameco, seaborne), Malaysia (Lynas) and China compete, a
# strategic stock of rare earths sits in Yokohama with a reserve floor, and a Limits rule
# allows at most 60 % of the uranium from any one origin country.

SOURCING_SHEETS = (
    "Settings",
    "Periods",
    "Commodities",
    "Nodes",
    "Legs",
    "Routes",
    "Demand",
    "Offers",
    "Stocks",
    "Limits",
)
ORIGIN_CAP = 0.6  # at most 60 % of the uranium from one origin country
DEMAND = {"uranium": 3_000, "rare_earths": 2_000, "gallium": 15}  # per year, illustrative
GALLIUM_UNMET_USD = 1_200_000  # per t of gallium Japan goes without: twice its value
# node, country, name, kind, capacity, handling (USD/t), latitude, longitude
# fmt: off
SOURCING_NODES = [
    ("NAVOI", "UZ", "Navoi (Navoiyuran)", "mine", None, None, 40.10, 65.38),
    ("VANCOUVER", "CA", "Port of Vancouver (Cameco concentrate from Saskatchewan)", "port",
     None, 8, 49.29, -123.11),
    ("KUANTAN", "MY", "Kuantan (Lynas plant at Gebeng)", "port", None, 8, 3.97, 103.43),
]
# from, to, mode, cost (USD/t), days, capacity, countries, chokepoints, km
SOURCING_LEGS = [
    ("NAVOI", "DOSTYK", "rail", 80, 6, None, "KZ", None, 2_400),
    ("NAVOI", "AKTAU", "rail", 75, 5, None, "KZ", None, 2_100),
    ("VANCOUVER", "YOKOHAMA", "sea", 60, 12, None, None, None, 7_600),
    ("KUANTAN", "YOKOHAMA", "sea", 45, 8, None, None, None, 5_100),
]
# route, corridor, node path
SOURCING_ROUTES = [
    ("U-UZ-CN", "China", ["NAVOI", "DOSTYK", "ALASHANKOU", "LIANYUNGANG", "YOKOHAMA"]),
    ("U-UZ-TITR", "TITR", ["NAVOI", "AKTAU", "ALAT", "POTI", "YOKOHAMA"]),
    ("U-CA-PACIFIC", "Pacific", ["VANCOUVER", "YOKOHAMA"]),
    ("REO-MY-SEA", "South China Sea", ["KUANTAN", "YOKOHAMA"]),
    ("GA-CN-SEA", "China", ["LIANYUNGANG", "YOKOHAMA"]),
]
# offer, supplier, commodity, origin, period, price (USD/unit), max, min, fixed cost
SOURCING_OFFERS = [
    ("U-KAZATOMPROM", "Kazatomprom", "uranium", "SHIELI", None, 185_000, URANIUM_TU, None, None),
    ("U-NAVOIYURAN", "Navoiyuran", "uranium", "NAVOI", None, 180_000, 1_000, None, None),
    ("U-CAMECO", "Cameco", "uranium", "VANCOUVER", None, 198_000, 2_000, 500, 2_000_000),
    ("REO-SARECO", "SARECO", "rare_earths", "STEPNOGORSK", None, 18_000, REO_T, None, None),
    ("REO-LYNAS", "Lynas", "rare_earths", "KUANTAN", None, 23_000, 1_500, None, None),
    ("GA-ALKAZ", "AlKaz", "gallium", "PAVLODAR", "2026", 550_000, GALLIUM_T / 2, None, None),
    ("GA-ALKAZ", "AlKaz", "gallium", "PAVLODAR", "2027", 550_000, GALLIUM_T, None, None),
    ("GA-CN", "CN exporter", "gallium", "LIANYUNGANG", None, 700_000, 10, None, 200_000),
]
# fmt: on
# the network the minerals use: the contract example's mineral legs and routes
MINERAL_NODES = {"TENGIZ", "SANGACHAL", "CEYHAN", "NOVOROSSIYSK", "NEGISHI"}


def sourcing_frames(origin_cap: float | None = ORIGIN_CAP) -> dict[str, pd.DataFrame]:
    """The input sheets of the sourcing variant (blank cells are None); `origin_cap` None
    leaves the origin-country rule out (the plan the cap is compared with)."""
    base = example_frames()
    settings = base["Settings"]
    commodities = base["Commodities"]
    commodities = commodities[commodities["commodity"] != "crude_oil"]
    node_columns = list(base["Nodes"].columns)
    nodes = pd.concat(
        [
            base["Nodes"][~base["Nodes"]["node"].isin(MINERAL_NODES)],
            pd.DataFrame(SOURCING_NODES, columns=node_columns),
        ],
        ignore_index=True,
    )
    legs = base["Legs"]
    legs = legs[~legs["from"].isin(MINERAL_NODES) & ~legs["to"].isin(MINERAL_NODES)]
    legs = legs[~legs["leg"].isin(["TENGIZ-AKTAU", "AKTAU-SANGACHAL"])]
    new_legs = pd.DataFrame(
        [
            (_leg_id(a, b), a, b, mode, cost, days, cap, countries, chokes, _co2(mode, "", km))
            for a, b, mode, cost, days, cap, countries, chokes, km in SOURCING_LEGS
        ],
        columns=SPEC["Legs"].column_names,
    )
    legs = pd.concat([legs, new_legs], ignore_index=True)
    routes = base["Routes"]
    routes = routes[~routes["route"].str.startswith("OIL-")]
    new_routes = pd.DataFrame(
        [
            (route, " > ".join(_leg_id(a, b) for a, b in zip(path, path[1:], strict=False)), c)
            for route, c, path in SOURCING_ROUTES
        ],
        columns=["route", "legs", "corridor"],
    )
    routes = pd.concat([routes, new_routes], ignore_index=True)
    demand = pd.DataFrame(
        [
            ("YOKOHAMA", "uranium", DEMAND["uranium"], "none"),
            ("YOKOHAMA", "rare_earths", DEMAND["rare_earths"], "none"),
            ("YOKOHAMA", "gallium", DEMAND["gallium"], GALLIUM_UNMET_USD),
        ],
        columns=["destination", "commodity", "volume", "shortfall_penalty"],
    )
    offers = pd.DataFrame(
        [
            (o, sup, k, origin, period, price, top, least, fixed, "YOKOHAMA")
            for o, sup, k, origin, period, price, top, least, fixed in SOURCING_OFFERS
        ],
        columns=[
            "offer",
            "supplier",
            "commodity",
            "origin",
            "period",
            "price",
            "max_volume",
            "min_volume",
            "fixed_cost",
            "destinations",
        ],
    )
    stocks = pd.DataFrame(
        [("YOKOHAMA", "rare_earths", 400, round(DEMAND["rare_earths"] * 60 / 365), 1_000, 400)],
        columns=["node", "commodity", "initial", "min_level", "max_level", "holding_cost"],
    )
    limits = base["Limits"]
    limits = limits[limits["rule"] != "titr_capacity"].assign(penalty=None)
    if origin_cap is not None:
        rule = pd.DataFrame(
            [("uranium_origin_cap", "origin_country", "*", "*", "uranium", "*", origin_cap)],
            columns=["rule", "measure", "value", "destination", "commodity", "period", "max_share"],
        )
        limits = pd.concat([limits, rule], ignore_index=True)
    limits = limits[
        [
            "rule",
            "measure",
            "value",
            "destination",
            "commodity",
            "period",
            "max_share",
            "max_volume",
        ]
    ]
    frames = {
        "Settings": settings,
        "Periods": base["Periods"],
        "Commodities": commodities,
        "Nodes": nodes,
        "Legs": legs,
        "Routes": routes,
        "Demand": demand,
        "Offers": offers,
        "Stocks": stocks,
        "Limits": limits,
    }
    return {name: _blank_as_none(frame.reset_index(drop=True)) for name, frame in frames.items()}


# fmt: off
_SOURCING_SOURCE_ROWS: list[tuple[str, str, str, str]] = [
    *(row for row in _SOURCE_ROWS if row[0] in ("Settings", "Periods") or (
        row[0] == "Commodities" and not row[1].startswith("crude_oil"))),
    ("Nodes", "AKTAU.capacity", "kz_ports", "more than 11 Mt/yr; the whole port, oil included"),
    ("Nodes", "KURYK.capacity", "kz_ports", "designed for 6 Mt/yr"),
    ("Nodes", "ALAT.capacity", "alat", "15 Mt/yr now (25 Mt in phase 2)"),
    ("Nodes", "LIANYUNGANG.capacity", "lianyungang",
     "410,000 containers a year at an assumed 20 t per container (the conversion is "
     "illustrative)"),
    *(row for row in _SOURCE_ROWS if row[0] == "Nodes" and row[1].startswith("*.")),
    *(row for row in _SOURCE_ROWS if row[0] == "Legs" and "TENGIZ" not in row[1]
      and "SANGACHAL" not in row[1]),
    ("Demand", "uranium@YOKOHAMA.volume", ILLUSTRATIVE,
     "tU a year Japan buys in this plan (a planning figure, not a national total)"),
    ("Demand", "rare_earths@YOKOHAMA.volume", ILLUSTRATIVE, "t of rare-earth oxides a year"),
    ("Demand", "gallium@YOKOHAMA.volume", ILLUSTRATIVE, "t a year"),
    ("Demand", "gallium@YOKOHAMA.shortfall_penalty", ILLUSTRATIVE,
     "USD per t Japan goes without: twice gallium's value (uranium and rare earths must be "
     "met)"),
    ("Offers", "U-KAZATOMPROM.max_volume", "uranium_japan",
     "Japanese partners in the Kharasan mines may take 2,000 tU/yr"),
    ("Offers", "U-NAVOIYURAN.max_volume", ILLUSTRATIVE,
     "tU/yr Navoiyuran (Uzbekistan's state uranium producer) would sell to Japan"),
    ("Offers", "U-CAMECO.max_volume", ILLUSTRATIVE, "tU/yr of Canadian concentrate by sea"),
    ("Offers", "U-CAMECO.min_volume", ILLUSTRATIVE, "a term contract's least tU/yr"),
    ("Offers", "U-CAMECO.fixed_cost", ILLUSTRATIVE, "USD to set up the term contract"),
    ("Offers", "REO-SARECO.max_volume", "rare_earths",
     "the SARECO plant targeted 1,500 t of rare-earth oxides"),
    ("Offers", "REO-LYNAS.max_volume", ILLUSTRATIVE,
     "t/yr of oxides from the Lynas plant at Kuantan, Malaysia"),
    ("Offers", "GA-ALKAZ@2026.max_volume", "gallium",
     "about 15 t/yr from Q3 2026: half a year in 2026"),
    ("Offers", "GA-ALKAZ@2027.max_volume", "gallium", "about 15 t/yr, all shipped to Japan"),
    ("Offers", "GA-CN.max_volume", ILLUSTRATIVE,
     "t/yr a Chinese exporter would sell under export licences"),
    ("Offers", "GA-CN.fixed_cost", ILLUSTRATIVE, "USD for the export-licence paperwork"),
    ("Offers", "*.price", ILLUSTRATIVE,
     "USD per unit at the origin; uranium about US$70-76/lb U3O8, gallium US$550-700/kg, "
     "rare-earth oxides US$18-23/kg"),
    ("Stocks", "rare_earths@YOKOHAMA.initial", ILLUSTRATIVE, "t held at the start of 2026"),
    ("Stocks", "rare_earths@YOKOHAMA.min_level", ILLUSTRATIVE,
     "the reserve floor: about 60 days of the yearly need (2,000 t x 60 / 365)"),
    ("Stocks", "rare_earths@YOKOHAMA.max_level", ILLUSTRATIVE, "t the store holds"),
    ("Stocks", "rare_earths@YOKOHAMA.holding_cost", ILLUSTRATIVE,
     "USD per t per year: 2 % of the oxides' value"),
    *(row for row in _SOURCE_ROWS if row[0] == "Limits" and row[1] != "titr_capacity.max_volume"),
    ("Limits", "uranium_origin_cap.max_share", ILLUSTRATIVE,
     "the planner's rule: at most 60 % of the uranium from any one origin country"),
]
# fmt: on

# What the origin cap costs (README; tests re-solve to check): the plan over 2026-27 in
# US$ million, with and without uranium_origin_cap.
SOURCING_COST_MUSD = {"with_cap": 1_215.1, "without_cap": 1_201.3}


def sourcing_sources_frame(frames: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The Sources sheet of the sourcing variant."""
    frames = sourcing_frames() if frames is None else frames
    return sources_frame(frames, _SOURCING_SOURCE_ROWS, SOURCING_SHEETS)


def sourcing_about_lines() -> list[str]:
    """The About sheet of the sourcing variant."""
    with_cap, without = SOURCING_COST_MUSD["with_cap"], SOURCING_COST_MUSD["without_cap"]
    return [
        "Japan chooses its suppliers: uranium, rare earths and gallium from Central Asia and "
        "beyond (corridor sourcing example)",
        f"Yokohama needs {DEMAND['uranium']:,} tU of uranium, {DEMAND['rare_earths']:,} t of "
        f"rare-earth oxides and {DEMAND['gallium']} t of gallium a year in 2026 and 2027 "
        "(Demand). Offers (Offers) compete: uranium from Kazatomprom (Kazakhstan, up to the "
        "2,000 tU/yr Japanese partners may take), Navoiyuran (Uzbekistan) and Cameco (Canada, "
        "by sea, a term contract with a minimum and a set-up cost); rare earths from SARECO "
        "(Kazakhstan) and Lynas (Malaysia); gallium from Aluminium of Kazakhstan and a Chinese "
        "exporter.",
        "Yokohama holds a strategic stock of rare earths (Stocks) with a reserve floor of "
        "about 60 days of use. Offers travel the same corridors as the contract example "
        "(China, the TITR, Russia), under the same 50 % transit cap and rules.",
        f"The rule uranium_origin_cap allows at most {ORIGIN_CAP:.0%} of the uranium from any "
        f"one origin country. Without it the cheapest plan (about US${without:,.1f} M over two "
        "years) buys all the uranium Navoiyuran and Kazatomprom offer (Kazakhstan two "
        "thirds). With it Cameco's term contract must be taken, and once taken it sells at "
        "least 500 tU a year, so Kazakhstan falls to half, not just to 60 %: about "
        f"US${with_cap:,.1f} M, US${with_cap - without:,.1f} M more.",
        "Every number is cited or marked illustrative on the Sources sheet; prices, costs and "
        "the need itself are illustrative.",
        "Solve it: corridor solve inputs/caspian_sourcing.xlsx -o "
        "outputs/caspian_sourcing_results.xlsx",
    ]


def write_sourcing_example(path: str | Path) -> Path:
    """Write the sourcing variant (About, the input sheets, Sources) to `path`."""
    return _write_book(
        path, sourcing_about_lines(), sourcing_frames(), SOURCING_SHEETS, sourcing_sources_frame()
    )


# --------------------------------------------------------------------------- the robust variant
#
# ``inputs/caspian_robust.xlsx``: the contract example, planned to survive any one closure:
# whichever transit country closes for a year, 80 % of every contract must still arrive.
# Capacity on the TITR is booked ahead at a price, and the Kazakh BTC quota can be raised.

ROBUST_SHEETS = (
    *INPUT_SHEETS[: INPUT_SHEETS.index("Capacities") + 1],
    "Expansions",
    *INPUT_SHEETS[INPUT_SHEETS.index("Capacities") + 1 :],
)
ROBUST_MIN_DELIVERY = 0.8
TITR_BOOKING_USD = 10  # per t of capacity per year booked on a TITR route, illustrative
BTC_QUOTA_STEP = 100_000  # t/yr of extra Kazakh BTC quota per unit
BTC_QUOTA_USD = 2_000_000  # per unit, for the horizon, illustrative
BTC_QUOTA_UNITS = 10


def robust_frames() -> dict[str, pd.DataFrame]:
    """The input sheets of the robust variant: the contract example with
    robust_min_delivery 0.8 (guarding every transit country), booking_cost on the TITR
    routes and an expansion of the Kazakh BTC quota."""
    frames = dict(example_frames())
    frames["Settings"] = pd.concat(
        [
            frames["Settings"],
            pd.DataFrame(
                [("robust_min_delivery", ROBUST_MIN_DELIVERY)], columns=["setting", "value"]
            ),
        ],
        ignore_index=True,
    )
    routes = frames["Routes"].copy()
    routes["booking_cost"] = [TITR_BOOKING_USD if c == "TITR" else None for c in routes["corridor"]]
    frames["Routes"] = routes
    frames["Expansions"] = pd.DataFrame(
        [
            (
                "BTC-KZ-QUOTA",
                "leg",
                "SANGACHAL-CEYHAN",
                BTC_QUOTA_STEP,
                BTC_QUOTA_USD,
                BTC_QUOTA_UNITS,
            )
        ],
        columns=["expansion", "target_type", "target", "added_capacity", "cost", "max_units"],
    )
    return {name: _blank_as_none(frame.reset_index(drop=True)) for name, frame in frames.items()}


# fmt: off
_ROBUST_SOURCE_ROWS: list[tuple[str, str, str, str]] = [
    *_SOURCE_ROWS,
    ("Settings", "robust_min_delivery", ILLUSTRATIVE,
     "the planner's requirement: 80 % of every contract still arrives in a year in which any "
     "one transit country closes"),
    ("Routes", "*.booking_cost", ILLUSTRATIVE,
     "USD per t of capacity per year reserved ahead on a TITR route (ferry and rail slots); "
     "routes without one need no booking"),
    ("Expansions", "BTC-KZ-QUOTA.added_capacity", ILLUSTRATIVE,
     "t/yr of extra Kazakh quota in BTC per unit negotiated"),
    ("Expansions", "BTC-KZ-QUOTA.cost", ILLUSTRATIVE, "USD per unit for 2026-27"),
    ("Expansions", "BTC-KZ-QUOTA.max_units", ILLUSTRATIVE,
     "at most 1 Mt/yr more than the quota"),
]
# fmt: on

# What robustness costs (README; tests re-solve to check), US$ million over 2026-27: the
# robust plan, and the same workbook with robust mode off (the 50 % cap alone).
ROBUST_COST_MUSD = {"robust": 526.2, "cap_alone": 514.1}


def robust_sources_frame() -> pd.DataFrame:
    """The Sources sheet of the robust variant."""
    return sources_frame(robust_frames(), _ROBUST_SOURCE_ROWS, ROBUST_SHEETS)


def robust_about_lines() -> list[str]:
    """The About sheet of the robust variant."""
    robust, alone = ROBUST_COST_MUSD["robust"], ROBUST_COST_MUSD["cap_alone"]
    return [
        "Kazakhstan to Japan, planned to survive any one closure (corridor robust example)",
        "The contract example (caspian_corridor.xlsx) with robust_min_delivery 0.8: in a year "
        "in which any one transit country (CN, RU, AZ, GE or TR) closes, every contract must "
        "still receive 80 % of what the plan delivers to it, re-routed over what stays open.",
        f"Capacity on the TITR routes must be booked ahead (booking_cost US${TITR_BOOKING_USD} "
        "per t a year) to be there in a closure, and the Kazakh quota in BTC can be raised "
        f"by {BTC_QUOTA_STEP:,} t a year for US${BTC_QUOTA_USD / 1e6:g} M (Expansions).",
        f"The 50 % cap alone costs about US${alone:,.1f} M and cannot survive a closure of "
        "Russia: the Kazakh BTC quota (1.5 Mt in 2026, 2.2 Mt in 2027) is too small for 80 % "
        "of the oil, so the robust plan raises it by 600,000 t a year; and TITR capacity is "
        "there in a closure only if booked, so for a closure of China it books uranium "
        "capacity via Baku-Tbilisi-Kars besides Poti. It costs about "
        f"US${robust:,.1f} M, US${robust - alone:,.1f} M more, and ships what the cap alone "
        "ships.",
        "The Robustness sheet reports every closure and year like the stress test; Booking "
        "shows what is booked on each route against the highest load of any closure.",
        "Every number is cited or marked illustrative on the Sources sheet.",
        "Solve it: corridor solve inputs/caspian_robust.xlsx -o "
        "outputs/caspian_robust_results.xlsx; the price of robustness: corridor robust "
        "inputs/caspian_robust.xlsx",
    ]


def write_robust_example(path: str | Path) -> Path:
    """Write the robust variant (About, the input sheets, Sources) to `path`."""
    return _write_book(
        path, robust_about_lines(), robust_frames(), ROBUST_SHEETS, robust_sources_frame()
    )


def _write_book(
    path: str | Path,
    about_text: list[str],
    frames: dict[str, pd.DataFrame],
    sheets: Sequence[str],
    sources: pd.DataFrame,
) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    wb = Workbook()
    about = wb.active
    about.title = "About"
    for i, line in enumerate(about_text, start=1):
        cell = about.cell(row=i, column=1, value=line)
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 1:
            cell.font = Font(bold=True)
    about.column_dimensions["A"].width = 110
    for name in sheets:
        _write_sheet(wb, name, frames[name])
    _write_sheet(wb, "Sources", sources)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m corridor.example OUT.xlsx [SOURCING.xlsx [ROBUST.xlsx]]``: the contract
    example, and the sourcing and robust variants when their paths are given."""
    args = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m corridor.example OUT.xlsx [SOURCING.xlsx [ROBUST.xlsx]]"
    if len(args) not in (1, 2, 3) or args[0] in ("-h", "--help"):
        print(usage, file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    writers = (write_example, write_sourcing_example, write_robust_example)
    for path, write in zip(args, writers, strict=False):
        print(f"wrote {write(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

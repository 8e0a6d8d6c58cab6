"""Robust-plan inputs (Disruptions, robust_* settings) and the report-currency settings: each
bad input gives its exact message, cell and code.

Countries of the base world (`cases`): KZ (A), CN (X), RU (Y), AZ (Z), JP (D); no leg has
chokepoints; corridors are R_cn, R_ru (route ids, no corridor given) and Caspian (R_az).
"""

import pytest

import corridor

from cases import frames, world


def errors(sheets) -> list[tuple[str, str, str]]:
    with pytest.raises(corridor.InputError) as info:
        corridor.from_frames(frames(sheets))
    return [(f"{e.sheet}!{e.cell}", e.code, e.message) for e in info.value.errors]


def robust(rows: list[dict], **settings) -> dict[str, list[dict]]:
    return world({"robust_min_delivery": 0.8, **settings}, Disruptions=rows)


def test_valid_disruptions_are_typed_with_kind_and_id():
    sheets = robust(
        [
            {"closure": "country:RU", "probability": 0.1},
            {"closure": " Transit Country : CN ", "probability": "5%", "min_delivery": 0.5},
            {"closure": "corridor:Caspian"},
        ]
    )
    frame = corridor.from_frames(frames(sheets)).disruptions
    assert frame[["closure", "kind", "id", "probability"]].values.tolist() == [
        ["country:RU", "country", "RU", 0.1],
        ["transit_country:CN", "transit_country", "CN", 0.05],
        ["corridor:Caspian", "corridor", "Caspian", 0.0],
    ]
    assert frame["min_delivery"].tolist()[1] == 0.5 and frame["min_delivery"].isna().sum() == 2


def test_closures_are_kind_id_with_known_kinds_and_ids():
    sheets = robust(
        [
            {"closure": "contry:CN"},
            {"closure": "transit_country:ru"},
            {"closure": "chokepoint"},
            {"closure": "node:"},
            {"closure": "leg:AX"},
            {"closure": "Leg:AX"},
            {"closure": "chokepoint:Suez"},
        ]
    )
    assert errors(sheets) == [
        (
            "Disruptions!A2",
            "bad-closure",
            "unknown kind 'contry'; expected one of country, transit_country, origin_country, "
            "chokepoint, corridor, node, leg, route (did you mean 'country'?)",
        ),
        ("Disruptions!A3", "unknown-ref", "unknown transit country 'ru' (did you mean 'RU'?)"),
        (
            "Disruptions!A4",
            "bad-closure",
            "expected kind:id (e.g. country:RU, chokepoint:Bosporus) with kind one of country, "
            "transit_country, origin_country, chokepoint, corridor, node, leg, route",
        ),
        (
            "Disruptions!A5",
            "bad-closure",
            "expected an id after 'node:' (e.g. country:RU, chokepoint:Bosporus)",
        ),
        ("Disruptions!A7", "duplicate-id", "closure listed again; first in row 6"),
        ("Disruptions!A8", "unknown-ref", "unknown chokepoint 'Suez'"),
    ]


def test_probabilities_are_shares_summing_to_at_most_one():
    sheets = robust(
        [
            {"closure": "country:RU", "probability": 0.7},
            {"closure": "country:CN", "probability": "50%"},
            {"closure": "country:AZ", "probability": 1.5},
        ]
    )
    assert errors(sheets) == [
        ("Disruptions!B4", "bad-share", "expected a share between 0 and 1 (0.4 or 40%)"),
        (
            "Disruptions!",
            "probability-sum",
            "the probabilities sum to 1.2; a closure lasts one period and at most one happens "
            "in a period, so they may sum to at most 1",
        ),
    ]


def test_disruptions_without_robust_min_delivery_name_the_setting():
    sheets = world({"currency": "EUR"}, Disruptions=[{"closure": "country:RU"}])
    assert errors(sheets) == [
        (
            "Settings!",
            "missing-setting",
            "the Disruptions sheet lists 1 closure(s) but robust_min_delivery is not set; set "
            "it (e.g. 0.9) to plan robustly against them, or delete the rows",
        )
    ]
    sheets = world({"robust_min_delivery": None}, Disruptions=[{"closure": "country:RU"}])
    assert errors(sheets)[0][0] == "Settings!B2"  # the blank value cell of the setting


def test_an_empty_disruptions_sheet_warns_that_it_guards_nothing():
    inputs = corridor.from_frames(frames(robust([])))
    assert [(str(w), w.code) for w in inputs.warnings] == [
        (
            "Disruptions: the sheet has no rows, so a robust plan guards against no closure; "
            "list the closures (kind:id) or delete the sheet",
            "empty-sheet",
        )
    ]
    assert inputs.disruptions.empty


def test_robust_settings_are_parsed_and_checked():
    inputs = corridor.from_frames(
        frames(world({"robust_min_delivery": "90%", "robust_against": "chokepoint, Corridor"}))
    )
    assert inputs.settings["robust_min_delivery"] == 0.9
    assert inputs.settings["robust_against"] == ("chokepoint", "corridor")
    assert corridor.from_frames(frames(world())).settings["robust_against"] == ("transit_country",)
    sheets = world({"robust_against": "transit_country, chokepoints", "robust_min_delivery": 2})
    assert errors(sheets) == [
        (
            "Settings!B2",
            "bad-choice",
            "robust_against: expected one of transit_country, origin_country, chokepoint, "
            "corridor (did you mean 'chokepoint'?)",
        ),
        (
            "Settings!B3",
            "bad-share",
            "robust_min_delivery: expected a share between 0 and 1 (0.4 or 40%)",
        ),
    ]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"report_currency": "JPY"},
            [
                (
                    "Settings!",
                    "missing-setting",
                    "report_currency JPY needs an exchange_rate (units of JPY per USD)",
                )
            ],
        ),
        (
            {"exchange_rate": 150},
            [
                (
                    "Settings!",
                    "missing-setting",
                    "exchange_rate is set but report_currency is not; name the currency it "
                    "converts into",
                )
            ],
        ),
        (
            {"report_currency": "JPY", "exchange_rate": 0},
            [("Settings!B3", "bad-number", "exchange_rate: expected a number > 0")],
        ),
        (
            {"report_currency": "JPY", "exchange_rate": -2},
            [("Settings!B3", "bad-number", "exchange_rate: expected a number > 0")],
        ),
    ],
)
def test_report_currency_and_exchange_rate_go_together(settings, expected):
    assert errors(world(settings)) == expected


def test_report_currency_with_a_rate_is_valid():
    inputs = corridor.from_frames(frames(world({"report_currency": "JPY", "exchange_rate": 150})))
    assert (inputs.settings["report_currency"], inputs.settings["exchange_rate"]) == ("JPY", 150)

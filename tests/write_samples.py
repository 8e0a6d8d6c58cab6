"""Realistic Dashboard content and an Exposure matrix built from solved results, for the
writer's tests (the real ones come from results.py; the writer renders whatever blocks come).
"""

from __future__ import annotations

import pandas as pd

from corridor.report import Block, ChartSpec, Dashboard
from corridor.schema import COST_COMPONENTS


def sample_dashboard(results) -> Dashboard:
    """Headline (status, total cost and its components), delivered share per commodity,
    the highest transit share per commodity against its cap, the five most binding
    capacities and rules with their marginal values; two charts over the blocks."""
    s = results.summary
    headline = pd.DataFrame(  # one value column, a format per row (the `fmt` column)
        [("status", s["status"], "text"), ("total cost", s["objective"], "money")]
        + [("gap", s["gap"], "share")]
        + [(c.replace("_", " "), s[c], "money") for c in COST_COMPONENTS if s.get(c)],
        columns=["item", "value", "fmt"],
    )
    contracts = results["Contracts"]
    delivered = contracts.groupby("commodity")[["volume", "delivered"]].sum().reset_index()
    delivered["delivered_share"] = delivered["delivered"] / delivered["volume"]
    exposure = results["Exposure"]
    transit = exposure[exposure["measure"] == "transit_country"]
    top = transit.sort_values("share", ascending=False).groupby("commodity").head(1)
    rules = results["Rules"]
    caps = rules[rules["bound"] == "max_share"].groupby("commodity")["limit"].min()
    highest = pd.DataFrame(
        {
            "commodity": top["commodity"],
            "country": top["value"],
            "highest_share": top["share"],
            "cap": top["commodity"].map(caps),
        }
    ).sort_values("commodity")
    capacity = results["Capacity"].assign(what=lambda f: f["type"] + " " + f["id"])
    binding = pd.concat(
        [
            capacity[["what", "period", "marginal_value"]].assign(kind="capacity"),
            rules.assign(what=rules["rule"] + " " + rules["value"].astype(str))[
                ["what", "period", "marginal_value"]
            ].assign(kind="rule"),
        ]
    )
    binding = binding[binding["marginal_value"].abs() > 0]
    binding = binding.reindex(binding["marginal_value"].abs().sort_values(ascending=False).index)
    binding = binding.head(5)[["kind", "what", "period", "marginal_value"]]
    return Dashboard(
        title="Caspian corridor plan",
        subtitle=f"{s['input_file']}, run {s['time_of_run']}",
        blocks=[
            Block("Headline", headline, {"value": "general"}),
            Block(
                "Delivered per commodity",
                delivered,
                {"volume": "number", "delivered": "number", "delivered_share": "share"},
            ),
            Block(
                "Highest transit share vs its cap",
                highest,
                {"highest_share": "share", "cap": "share"},
            ),
            Block("Most binding capacities and rules", binding, {"marginal_value": "money"}),
        ],
        charts=[
            ChartSpec(
                "Dashboard",
                "bar",
                "Highest transit share per commodity vs its cap",
                "commodity",
                ["highest_share", "cap"],
                y_format="share",
                block="Highest transit share vs its cap",
            ),
            ChartSpec(
                "Dashboard",
                "column",
                "Delivered share per commodity",
                "commodity",
                ["delivered_share"],
                y_format="share",
                block="Delivered per commodity",
            ),
        ],
    )


def exposure_matrix(results) -> pd.DataFrame:
    """destination, commodity, period, cap, then one share column per transit country."""
    exposure = results["Exposure"]
    transit = exposure[exposure["measure"] == "transit_country"]
    wide = transit.pivot_table(
        index=["destination", "commodity", "period"], columns="value", values="share"
    ).reset_index()
    wide.columns.name = None
    rules = results["Rules"]
    caps = (
        rules[rules["bound"] == "max_share"]
        .groupby(["destination", "commodity", "period"])["limit"]
        .min()
        .rename("cap")
        .reset_index()
    )
    out = wide.merge(caps, on=["destination", "commodity", "period"], how="left")
    countries = [c for c in wide.columns if c not in ("destination", "commodity", "period")]
    return out[["destination", "commodity", "period", "cap", *countries]]

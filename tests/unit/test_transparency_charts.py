"""The SVG bar chart's geometry (marketplace.transparency.charts)."""

from __future__ import annotations

from marketplace.transparency.charts import bar_chart

SERIES = [("raised_fen", "Raised"), ("disbursed_fen", "Disbursed")]


def test_bars_scale_to_the_largest_value_of_any_series() -> None:
    rows = [
        {"month": "2026-10", "raised_fen": 1000, "disbursed_fen": 250},
        {"month": "2026-11", "raised_fen": 500, "disbursed_fen": 0},
    ]
    chart = bar_chart(rows, "month", SERIES, width=560, label_width=120)
    plot = 560 - 120 - 10
    first, second = chart["groups"]
    assert [b["w"] for b in first["bars"]] == [plot, plot / 4]
    assert [b["w"] for b in second["bars"]] == [plot / 2, 0]
    assert all(b["x"] == 120 for g in chart["groups"] for b in g["bars"])
    assert second["bars"][0]["y"] > first["bars"][1]["y"]  # groups do not overlap
    assert chart["height"] > second["bars"][1]["y"]
    assert [item["label"] for item in chart["legend"]] == ["Raised", "Disbursed"]
    assert not chart["empty"]


def test_tiny_values_stay_visible_and_nothing_is_empty() -> None:
    rows = [{"label": "a", "raised_fen": 10**9, "disbursed_fen": 1}]
    bars = bar_chart(rows, "label", SERIES)["groups"][0]["bars"]
    assert bars[1]["w"] == 1  # one fen still shows as a hairline
    empty = bar_chart([], "label", SERIES)
    assert empty["groups"] == [] and empty["empty"]
    zeros = bar_chart([{"label": "a", "raised_fen": 0, "disbursed_fen": 0}], "label", SERIES)
    assert zeros["empty"] and all(b["w"] == 0 for b in zeros["groups"][0]["bars"])

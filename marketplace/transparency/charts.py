"""Server-rendered bar charts: the geometry of an SVG horizontal bar chart (no JavaScript).

The template draws what :func:`bar_chart` returns; the numbers stay in a plain table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: colours of the series, in order (the site's red, then a muted blue-grey)
PALETTE = ("#a4262c", "#5b6b7f", "#c2410c")


def bar_chart(
    rows: Sequence[dict[str, Any]],
    label_key: str,
    series: Sequence[tuple[str, Any]],
    *,
    width: int = 420,
    label_width: int = 110,
    bar_height: int = 18,
    gap: int = 10,
) -> dict[str, Any]:
    """Geometry of a grouped horizontal bar chart: one group of bars per row, one bar per series.

    ``series`` holds ``(key, label)`` pairs: each row's ``row[key]`` (integer fen or a count) is
    drawn as a bar scaled to the largest value of all series. Returns the SVG ``width`` and
    ``height``, the ``legend`` and the ``groups`` with their bars (x, y, w, h, value, fill).
    """
    peak = max((int(row.get(key) or 0) for row in rows for key, _ in series), default=0)
    plot = width - label_width - 10
    group_height = bar_height * len(series) + gap
    legend_height = 22
    groups = []
    for i, row in enumerate(rows):
        top = legend_height + i * group_height
        bars = []
        for j, (key, label) in enumerate(series):
            value = int(row.get(key) or 0)
            length = round(value / peak * plot, 1) if peak and value > 0 else 0
            bars.append(
                {
                    "x": label_width,
                    "y": top + j * bar_height,
                    "w": max(length, 1 if value > 0 else 0),
                    "h": bar_height - 2,
                    "value": value,
                    "key": key,
                    "series": label,
                    "fill": PALETTE[j % len(PALETTE)],
                }
            )
        groups.append(
            {
                "label": str(row.get(label_key, "")),
                "text_y": top + (bar_height * len(series)) / 2 + 4,
                "bars": bars,
            }
        )
    legend = [
        {"label": label, "fill": PALETTE[j % len(PALETTE)], "x": label_width + j * 150}
        for j, (_, label) in enumerate(series)
    ]
    return {
        "width": width,
        "height": legend_height + len(rows) * group_height,
        "label_width": label_width,
        "legend": legend,
        "groups": groups,
        "empty": peak == 0,
    }

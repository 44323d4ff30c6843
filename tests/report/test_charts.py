"""The chart specifications shared by the report and the dashboard."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from gigsight.report.charts import figure, size_against_growth


def _segments(n: int) -> pd.DataFrame:
    # many segments of similar size and growth: a crowd whose names would print over each other
    gsv = [2e6 * (1.15 ** i) for i in range(n)]
    growth = [0.02 * math.sin(i) for i in range(n)]
    return pd.DataFrame({"segment": [f"Segment number {i}" for i in range(n)], "gsv": gsv, "growth": growth,
                         "growth_low": [g - 0.1 for g in growth], "growth_high": [g + 0.1 for g in growth]})


def _label_boxes(trace: dict[str, Any]) -> list[tuple[float, float, float, float]]:
    """Where each point's name would print, in fractions of the plot: about 0.016 of the width per letter and 0.09
    of the height, above the point, to its left or right where the chart says."""
    lx = [math.log10(v) for v in trace["x"]]
    ux = [(v - min(lx)) / (max(lx) - min(lx)) for v in lx]
    uy = [(v - min(trace["y"])) / (max(trace["y"]) - min(trace["y"])) for v in trace["y"]]
    boxes = []
    for name, u, v, side in zip(trace["hovertext"], ux, uy, trace["textposition"], strict=True):
        w = 0.016 * len(name)
        left = {"top center": u - w / 2, "top left": u - w, "top right": u}[side]
        boxes.append((left, left + w, v, v + 0.09))
    return boxes


def _cross(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def test_size_against_growth_names_the_largest_and_never_prints_names_over_each_other() -> None:
    fig = figure(size_against_growth(_segments(12), "category", "2025Q3"))
    trace = fig["data"][0]
    assert trace["text"][0] == "Segment number 11"  # the largest segment comes first and is named
    boxes = _label_boxes(trace)
    named = [b for b, t in zip(boxes, trace["text"], strict=True) if t]
    assert all(not _cross(a, b) for i, a in enumerate(named) for b in named[i + 1:])  # no name over another
    assert all(any(_cross(b, n) for n in named) for b, t in zip(boxes, trace["text"], strict=True) if not t)
    assert len(named) < 12  # a crowd: some names go to the hover text
    assert sorted(trace["hovertext"]) == sorted(f"Segment number {i}" for i in range(12))  # none is lost
    lo, hi = (math.log10(v) for v in (min(trace["x"]), max(trace["x"])))
    assert fig["layout"]["xaxis"]["range"][0] < lo and fig["layout"]["xaxis"]["range"][1] > hi
    assert trace["textposition"][0] == "top left"  # the rightmost point's name stays inside the plot


def test_few_segments_are_all_named() -> None:
    g = _segments(3).assign(gsv=[1e5, 1e6, 1e7], growth=[-0.3, 0.0, 0.3])
    assert sorted(t for t in figure(size_against_growth(g, "category", "2025Q3"))["data"][0]["text"] if t) == \
        ["Segment number 0", "Segment number 1", "Segment number 2"]

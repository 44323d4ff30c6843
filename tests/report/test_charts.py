"""The chart specifications shared by the report and the dashboard."""

from __future__ import annotations

import math

import pandas as pd

from gigsight.report.charts import figure, size_against_growth


def _segments(n: int) -> pd.DataFrame:
    # many segments of similar size and growth: a crowd whose names would print over each other
    gsv = [2e6 * (1.15 ** i) for i in range(n)]
    growth = [0.02 * math.sin(i) for i in range(n)]
    return pd.DataFrame({"segment": [f"Segment number {i}" for i in range(n)], "gsv": gsv, "growth": growth,
                         "growth_low": [g - 0.1 for g in growth], "growth_high": [g + 0.1 for g in growth]})


def test_size_against_growth_names_the_largest_and_never_prints_names_over_each_other() -> None:
    fig = figure(size_against_growth(_segments(12), "category", "2025Q3"))
    trace = fig["data"][0]
    shown = [t for t in trace["text"] if t]
    assert trace["text"][0] == "Segment number 11"  # the largest segment comes first and is named
    assert 1 < len(shown) < 12  # a crowd: some names go to the hover text
    assert sorted(trace["hovertext"]) == sorted(f"Segment number {i}" for i in range(12))  # none is lost
    lo, hi = (math.log10(v) for v in (min(trace["x"]), max(trace["x"])))
    assert fig["layout"]["xaxis"]["range"][0] < lo and fig["layout"]["xaxis"]["range"][1] > hi
    assert trace["textposition"][0] == "top left"  # the rightmost point's name stays inside the plot


def test_few_segments_are_all_named() -> None:
    g = _segments(3).assign(gsv=[1e5, 1e6, 1e7], growth=[-0.3, 0.0, 0.3])
    assert sorted(t for t in figure(size_against_growth(g, "category", "2025Q3"))["data"][0]["text"] if t) == \
        ["Segment number 0", "Segment number 1", "Segment number 2"]

"""One metric's value and growth in one period (and segment): what claim checks and scenario targets measure.

:func:`at_scale` is what a full-size figure becomes in a store simulated at scale s: money and counts s times
it, metrics free of scale (``Metric.free_of_scale``: ratios, per-client figures) as they are.
"""
from __future__ import annotations

from typing import Any

from gigsight.backends.base import Connection
from gigsight.metrics.compute import compute
from gigsight.metrics.periods import grain_of_label
from gigsight.metrics.registry import get


def at_scale(metric: str, full_size: float, scale: float) -> float:
    """``full_size`` of ``metric`` as a store simulated at ``scale`` reports it.

    >>> at_scale("gsv", 100.0, 0.1), at_scale("take_rate", 0.15, 0.1)
    (10.0, 0.15)
    """
    return full_size * (1.0 if get(metric).free_of_scale else scale)


def value_and_growth(con: Connection, metric: str, period: str, segment: dict[str, str] | None = None,
                     compare: str = "yoy") -> tuple[float | None, float | None]:
    """(value, growth) of ``metric`` in ``period`` (a label such as "2025Q3" or "2025"), in the segment given as
    ``{column: value}`` (compared as lower-case text); None for what the data cannot give."""
    seg = segment or {}
    df = compute(metric, period=grain_of_label(period), by=list(seg) or None, compare=[compare], con=con)
    rows = df[df.period == period]
    for k, v in seg.items():
        rows = rows[rows[k].astype(str).str.lower() == v]
    if rows.empty:
        return None, None
    r = rows.iloc[0]
    return _num(r[metric]), _num(r[f"{metric}_{compare}"])


def _num(v: Any) -> float | None:
    return None if v is None or v != v else float(v)

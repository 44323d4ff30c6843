"""One metric's value and growth in one period (and segment): what claim checks and scenario targets measure.

``SCALE_FREE``: metrics that do not grow with the size of the marketplace (ratios, per-client figures), so a
simulated store at scale s reports them as they are, while money and counts come out s times their full size.
"""
from __future__ import annotations

from typing import Any

from gigsight.metrics.compute import compute
from gigsight.metrics.periods import grain_of_label

SCALE_FREE = frozenset({"take_rate", "gsv_per_active_client", "gsv_per_new_client", "ai_gsv_share", "fill_rate",
                        "time_to_hire", "proposals_per_job", "client_spend_retention"})


def value_and_growth(con: Any, metric: str, period: str, segment: dict[str, str] | None = None,
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

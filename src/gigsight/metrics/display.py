"""Metric values and their changes as a reader sees them: in words and units, with the colour of good news.

One place for the report, the CLI and the web app to agree on: "$35.7M", "28,999", "11.6%", "+15.8%", and
whether a rise is good (more GSV) or bad (more days to hire).

>>> from gigsight.metrics.registry import get
>>> shown(get("gsv"), 35683051.02), shown(get("active_clients"), 28999), shown(get("take_rate"), 0.15591)
('$35.7M', '28,999', '15.6%')
>>> change(0.1582), change(-0.08), change(None), tone(get("time_to_hire"), 0.2)
('+15.8%', '-8.0%', 'n/a', 'bad')
"""
from __future__ import annotations

from decimal import Decimal

from gigsight.metrics.registry import Metric

FLAT = 0.005  # a change below half a percent reads as flat


def money(v: float | Decimal | None) -> str:
    """Compact dollars: $717.5M, $1.20B, $4,787 (rounded for reading: exact sums are Decimals).

    >>> money(Decimal("717512345.67")), money(-4787.2), money(None)
    ('$717.5M', '-$4,787', 'n/a')
    """
    if v is None:
        return "n/a"
    a = abs(float(v))
    s = f"${a / 1e9:,.2f}B" if a >= 1e9 else f"${a / 1e6:,.1f}M" if a >= 1e6 else f"${a:,.0f}"
    return f"-{s}" if v < 0 else s


def shown(metric: Metric, v: float | Decimal | int | None) -> str:
    """``v`` in ``metric``'s unit, rounded for reading."""
    if v is None or v != v:  # NaN
        return "n/a"
    if metric.unit == "usd":
        return money(v)
    if metric.unit == "count":
        return f"{float(v):,.0f}"
    if metric.unit == "ratio":
        return f"{float(v):.1%}"
    if metric.unit == "days":
        return f"{float(v):,.1f} days"
    return f"{float(v):,.2f}"


def change(g: float | None) -> str:
    """A relative change signed, as a percentage."""
    if g is None or g != g:
        return "n/a"
    return f"{'+' if g >= 0 else '-'}{abs(g):.1%}"


def tone(metric: Metric, g: float | None) -> str:
    """"good", "bad", "flat" or "none" (no comparison), by the way ``metric`` is better."""
    if g is None or g != g:
        return "none"
    if abs(g) < FLAT or metric.better == "neither":
        return "flat"
    return "good" if (g > 0) == (metric.better == "up") else "bad"


KIND_OF_UNIT = {"usd": "$", "count": "n", "ratio": "%", "days": "d", "number": "x"}


def cell(v: object, kind: str) -> str:
    """A table cell for reading: ``kind`` "$" money, "n" a count, "%" a share, "+%" a signed change, "d" days,
    "x" a plain number, "" as it is.

    >>> cell(1766886.25, "$"), cell(2598, "n"), cell(0.3624, "%"), cell(-0.1272, "+%"), cell(None, "$")
    ('$1.8M', '2,598', '36.2%', '-12.7%', '-')
    """
    if v is None or v != v:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if not isinstance(v, int | float | Decimal):
        return str(v)
    if kind == "$":
        return money(v)
    if kind == "n":
        return f"{float(v):,.0f}"
    if kind == "%":
        return f"{float(v):.1%}"
    if kind == "+%":
        return change(float(v))
    if kind == "d":
        return f"{float(v):,.1f}"
    if kind == "x":
        return f"{float(v):,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{float(v):,.4f}" if abs(float(v)) < 10 else f"{float(v):,.2f}"

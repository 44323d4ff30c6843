"""Metric values and their changes as a reader sees them: in words and units, with the colour of good news.

One place for the report, the CLI and the web app to agree on: "$35.7M", "28,999", "11.6%", "+15.8%", and
whether a rise is good (more GSV) or bad (more days to hire); and a column's heading in words ("GSV per active
client", not ``gsv_per_active_client``).

>>> from gigsight.metrics.registry import get
>>> shown(get("gsv"), 35683051.02), shown(get("active_clients"), 28999), shown(get("take_rate"), 0.15591)
('$35.7M', '28,999', '15.6%')
>>> change(0.1582), change(-0.08), change(None), tone(get("time_to_hire"), 0.2)
('+15.8%', '-8.0%', 'n/a', 'bad')
"""
from __future__ import annotations

from decimal import Decimal

from gigsight.metrics.registry import REGISTRY, Metric, get

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
    """A table cell for reading: ``kind`` "$" money (compact), "$." every cent (a Decimal exactly), "n" a count,
    "%" a share, "+%" a signed change, "d" days, "x" a plain number, "" as it is.

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
    if kind == "$.":  # a Decimal formats exactly; through float, $94,999,996,005,190.99 would lose its cent
        return f"{'-' if v < 0 else ''}${abs(v if isinstance(v, Decimal) else float(v)):,.2f}"
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


COMPARED = {"yoy": "YoY", "qoq": "QoQ"}
# words of column names that are not metrics
WORDS = {"gsv": "GSV", "ai": "AI", "ttm": "TTM", "id": "ID", "clv": "CLV", "yoy": "YoY", "qoq": "QoQ",
         "p_active": "P(active)", "is_ai": "AI-related", "95ci": "95% interval",
         "mae": "MAE", "top10": "top-10%"}
# what a column that names no metric holds, by the words in its name; the first rule that matches wins
_KIND_BY_WORD = (({"error", "growth"}, "+%"), ({"ratio", "lift", "score", "z"}, "x"),
                 ({"share", "retention", "premium", "capture", "p"}, "%"),
                 ({"gsv", "spend", "clv", "revenue", "effect"}, "$"), ({"days"}, "d"), ({"per"}, "x"))


def column_words(col: str) -> tuple[str, str]:
    """A column's heading in words and its display kind (see :func:`cell`): from the metric registry where it names
    a metric, else from the words of its name ("" where they do not say).

    >>> column_words("gsv_per_active_client"), column_words("jobs_posted_yoy_low"), column_words("expected_gsv")
    (('GSV per active client', '$'), ('Jobs posted YoY, low', '+%'), ('Expected GSV', '$'))
    >>> column_words("share_ratio"), column_words("p_active"), column_words("cohort")
    (('Share ratio', 'x'), ('P(active)', '%'), ('Cohort', ''))
    """
    head, _, bound = col.rpartition("_") if col.endswith(("_low", "_high")) else (col, "", "")
    base, _, cmp = head.rpartition("_") if head.endswith(tuple(f"_{c}" for c in COMPARED)) else (head, "", "")
    if base in REGISTRY:
        words, kind = get(base).title, KIND_OF_UNIT[get(base).unit]
    else:
        names = base.split("_")
        words = WORDS.get(base) or " ".join(WORDS.get(w, w) for w in names)
        words = words[:1].upper() + words[1:]
        kind = next((k for found, k in _KIND_BY_WORD if found & set(names)), "")
    if cmp:
        words, kind = f"{words} {COMPARED[cmp]}", "+%"
    return (f"{words}, {bound}" if bound else words), kind


def segment_name(dimension: str, value: object) -> str:
    """A segment as read: the AI split's booleans in words.

    >>> segment_name("ai", True), segment_name("ai", "false"), segment_name("country", "US")
    ('AI-related', 'other work', 'US')
    """
    if dimension == "ai":
        return "AI-related" if str(value) in ("True", "true", "1") else "other work"
    return str(value)


def readable(rows: list[dict[str, object]], kinds: dict[str, str] | None = None
             ) -> tuple[list[str], list[list[str]], list[bool]]:
    """Rows of a result as a person reads them: headings in words, cells in units, and which columns hold numbers
    (to align right). Money is shown to the cent (the table is as exact as the store); ``kinds`` overrides a
    column's kind (see :func:`cell`), and the kind "unit" shows a cell in the unit its row names (``unit``: usd,
    count, ratio, days, number), as the before and after of a growth bridge's parts. Segments read as words (an
    ``ai`` column, or an ``ai`` dimension).

    >>> heads, cells, numeric = readable([{"ai": True, "gsv": 52095108.04, "gsv_yoy": 0.158, "clients": 61370}])
    >>> heads
    ['AI', 'GSV', 'GSV YoY', 'Clients']
    >>> cells, numeric
    ([['AI-related', '$52,095,108.04', '+15.8%', '61,370']], [False, True, True, True])
    >>> readable([{"part": "Take rate", "unit": "ratio", "after": 0.1559}], {"after": "unit"})[1]
    [['Take rate', '15.6%']]
    """
    kinds = kinds or {}
    keys = [k for k in (rows[0] if rows else {}) if not (k == "unit" and "unit" in kinds.values())]
    shown_as = {k: kinds.get(k) or column_words(k)[1] for k in keys}

    def one(r: dict[str, object], k: str) -> str:
        v = r.get(k)
        if k == "ai" or (k == "segment" and r.get("dimension") == "ai"):
            return "-" if v is None else segment_name("ai", v)
        kind = KIND_OF_UNIT.get(str(r.get("unit")), "") if shown_as[k] == "unit" else shown_as[k]
        return cell(v, "$." if kind == "$" else kind)
    numeric = [any(isinstance(r.get(k), int | float | Decimal) and not isinstance(r.get(k), bool) for r in rows)
               for k in keys]
    return [column_words(k)[0] for k in keys], [[one(r, k) for k in keys] for r in rows], numeric

"""Charts as data, drawn the same by the report and the dashboard: a :class:`Chart` says what to show, one
builder per chart makes it from the numbers, and :func:`figure` turns it into a Plotly figure (the report embeds
it; the dashboard fetches it from ``/api/charts/...`` and draws it with the same Plotly).

>>> fig = figure(Chart("GSV", "bar", ["2025Q2", "2025Q3"], [1.0, 2.0], y_format="$"))
>>> fig["data"][0]["type"], fig["layout"]["yaxis"]["tickprefix"]
('bar', '$')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gigsight.metrics.display import money, segment_name
from gigsight.metrics.grains import tier_labels


@dataclass
class Chart:
    """Chart data; ``kind``: waterfall, bar, line, heatmap or scatter (rendered with Plotly in the HTML)."""

    title: str
    kind: str
    x: list[Any]
    y: list[Any] | list[list[Any]]
    series: list[str] = field(default_factory=list)
    y_labels: list[Any] = field(default_factory=list)
    y_format: str = ""
    measure: list[str] = field(default_factory=list)  # a waterfall's bars: absolute, relative or total
    labels: list[str] = field(default_factory=list)  # a scatter's point names
    y_low: list[Any] = field(default_factory=list)  # a scatter's interval around y
    y_high: list[Any] = field(default_factory=list)
    x_title: str = ""
    y_title: str = ""
    line: list[Any] = field(default_factory=list)  # a second measure drawn as a line on its own right axis
    line_name: str = ""
    line_format: str = ""
    text: list[Any] = field(default_factory=list)  # what each bar (a heatmap: each cell) says, when not its value


def _bar_text(v: Any, measure: str) -> str:
    """A waterfall bar's label: totals as amounts, steps signed ("+$28.9M", "-$10.8M")."""
    if v is None:
        return ""
    return money(v) if measure != "relative" or v < 0 else "+" + money(v)


def _axis(fmt: str) -> dict[str, Any]:
    """A y axis that keeps its labels (sign and unit) in view; "$" is money in $1.2M / $3.4B steps."""
    axis: dict[str, Any] = {"automargin": True}
    if fmt == "$":
        axis.update(tickprefix="$", exponentformat="B", separatethousands=True)
    elif fmt:
        axis["tickformat"] = fmt
    return axis


def _one_series(c: Chart) -> list[dict[str, Any]]:
    """Bars or a line of one series: with its interval, its printed values and a second measure on a right axis
    where the chart has them."""
    data: list[dict[str, Any]] = [{"type": "bar" if c.kind == "bar" else "scatter", "x": c.x, "y": c.y,
                                   "name": (c.series or [""])[0]}]
    if c.text:
        data[0].update(text=c.text, textposition="outside", cliponaxis=False)
    if c.y_low:  # an interval around each bar
        data[0]["error_y"] = {"type": "data", "symmetric": False, "color": "#5b6472",
                              "array": [None if h is None or y is None else h - y
                                        for y, h in zip(c.y, c.y_high, strict=True)],
                              "arrayminus": [None if lo is None or y is None else y - lo
                                             for y, lo in zip(c.y, c.y_low, strict=True)]}
    if c.line:
        data.append({"type": "scatter", "mode": "lines+markers", "x": c.x, "y": c.line, "name": c.line_name,
                     "yaxis": "y2", "line": {"color": "#e07b00"}})
    return data


def figure(c: Chart) -> dict[str, Any]:
    """A Plotly figure (data and layout) for one chart."""
    if c.kind == "waterfall":
        measure = c.measure or ["relative"] * len(c.x)
        data: list[dict[str, Any]] = [{"type": "waterfall", "x": c.x, "y": c.y, "measure": measure,
                                       "text": c.text or [_bar_text(v, m) for v, m in zip(c.y, measure, strict=True)],
                                       "textposition": "outside", "cliponaxis": False,
                                       "decreasing": {"marker": {"color": "#c62828"}},
                                       "increasing": {"marker": {"color": "#1a7f37"}},
                                       "totals": {"marker": {"color": "#3b6fb6"}}}]
    elif c.kind == "heatmap":
        # a change ("+" format) diverges around zero, red falls and green grows; a level runs light to dark
        scale = {"colorscale": [[0, "#c62828"], [0.5, "#f4f5f7"], [1, "#1a7f37"]], "zmid": 0} \
            if c.y_format.startswith("+") else {"colorscale": "Blues", "reversescale": True, "zmin": 0}
        shown = {"text": c.text, "texttemplate": "%{text}"} if c.text else {
            "texttemplate": f"%{{z:{c.y_format or '.2f'}}}"}
        data = [{"type": "heatmap", "x": c.x, "y": c.y_labels, "z": c.y, **scale, **shown,
                 "colorbar": {"tickformat": c.y_format}}]
    elif c.kind == "scatter":
        up = [None if h is None or y is None else h - y for y, h in zip(c.y, c.y_high, strict=True)]
        down = [None if lo is None or y is None else y - lo for y, lo in zip(c.y, c.y_low, strict=True)]
        data = [{"type": "scatter", "mode": "markers+text", "x": c.x, "y": c.y, "text": c.text or c.labels,
                 "hovertext": c.labels, "textposition": _label_sides(c.x), "cliponaxis": False,
                 "marker": {"size": 9, "color": "#3b6fb6"},
                 "error_y": {"type": "data", "symmetric": False, "array": up, "arrayminus": down,
                             "color": "#9aa4b2"}}]
    elif (c.kind == "line" and c.series) or (c.kind == "bar" and len(c.series) > 1):
        data = [{"type": "scatter", "mode": "lines+markers", "x": c.x, "y": ys, "name": n} if c.kind == "line"
                else {"type": "bar", "x": c.x, "y": ys, "name": n} for n, ys in zip(c.series, c.y, strict=True)]
    else:
        data = _one_series(c)
    layout: dict[str, Any] = {"title": {"text": c.title}, "margin": {"l": 60, "r": 20, "t": 50, "b": 80},
              "yaxis": _axis(c.y_format) if c.kind != "heatmap" else {"automargin": True},
              "xaxis": {"automargin": True}, "autosize": True, "showlegend": bool(c.series)}
    if c.kind == "heatmap":  # a row per label, each tall enough for its text
        layout["height"] = max(340, 30 * len(c.y_labels) + 140)
    if c.kind == "scatter":  # size against growth: sizes span orders of magnitude
        logs = [v for v in _logs(c.x) if v is not None]
        layout["xaxis"] = {"type": "log", "dtick": 1, "tickprefix": "$", "automargin": True}
        if logs:  # room for the outermost points' names
            layout["xaxis"]["range"] = [min(logs) - 0.2, max(logs) + 0.2]
    if c.series or c.line:  # a legend above the plot, not beside it: on a phone it would take half the width
        layout["legend"] = {"orientation": "h", "y": 1.08}
    if c.line:
        layout["yaxis2"] = {**_axis(c.line_format), "overlaying": "y", "side": "right", "showgrid": False}
        layout["showlegend"] = True
    if c.x_title:
        layout["xaxis"]["title"] = {"text": c.x_title}
    if c.y_title:
        layout["yaxis"]["title"] = {"text": c.y_title}
    return {"data": data, "layout": layout}


def _unit(values: list[float | None]) -> list[float | None]:
    """Values as fractions of their span (0 the smallest, 1 the largest)."""
    known = [v for v in values if v is not None]
    lo, span = (min(known), (max(known) - min(known)) or 1.0) if known else (0.0, 1.0)
    return [None if v is None else (v - lo) / span for v in values]


def _logs(x: list[Any]) -> list[float | None]:
    return [math.log10(v) if v is not None and v > 0 else None for v in x]


def _side(u: float | None) -> str:
    """Names of points near the right edge go to their left, near the left edge to their right: kept in view."""
    return "top center" if u is None or 0.2 <= u <= 0.8 else "top left" if u > 0.8 else "top right"


def _label_sides(x: list[Any]) -> list[str]:
    return [_side(u) for u in _unit(_logs(x))]


def uncluttered(names: list[str], x: list[float | None], y: list[float | None], char: float = 0.016,
                line: float = 0.09) -> list[str]:
    """The names to print above scatter points (x on a log scale), the first-listed first: a name whose box (about
    ``char`` of the width per letter, ``line`` of the height) would cross a printed one is left to the hover text.

    >>> uncluttered(["big", "near", "far"], [1e7, 1.1e7, 1e5], [0.1, 0.11, -0.2])
    ['big', '', 'far']
    """
    boxes: list[tuple[float, float, float, float]] = []
    shown = []
    for name, u, v in zip(names, _unit(_logs(x)), _unit(y), strict=True):
        if u is None or v is None:
            shown.append("")
            continue
        width = char * len(name)
        left = {"top center": u - width / 2, "top left": u - width, "top right": u}[_side(u)]
        box = (left, left + width, v, v + line)
        if any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3] for b in boxes):
            shown.append("")
        else:
            boxes.append(box)
            shown.append(name)
    return shown


def _num(v: Any) -> float | None:
    return None if v is None or v != v else float(v)


def _wrapped(label: str) -> str:
    """Two short lines instead of a slanted, cut one under a bar."""
    return re.sub(r"(.{5,}?) ", r"\1<br>", label)


def bridge_charts(steps: list[dict[str, Any]], before: str, after: str) -> list[Chart]:
    """One waterfall per identity of a growth bridge: the earlier total, each part's effect (with its share of the
    change), the later total."""
    charts = []
    for bridge in dict.fromkeys(s["bridge"] for s in steps):
        part = [s for s in steps if s["bridge"] == bridge]
        first = part[0]
        effects = [_num(s["effect"]) for s in part]
        text = [money(_num(first["total_before"])),
                *[f"{_bar_text(e, 'relative')} ({s['share']:.0%})" if e is not None and s["share"] is not None
                  else _bar_text(e, "relative") for e, s in zip(effects, part, strict=True)],
                money(_num(first["total_after"]))]
        x = [before, *[_wrapped(str(s["part"])) for s in part], after]
        charts.append(Chart(str(first["identity"]), "waterfall", x,
                            [_num(first["total_before"]), *effects, _num(first["total_after"])], y_format="$",
                            measure=["absolute", *["relative"] * len(part), "total"], text=text))
    return charts


def size_against_growth(g: pd.DataFrame, by: str, period: str) -> Chart:
    """Each segment's GSV (log scale) against its growth, with the growth's 95% interval."""
    known = g[g.growth.notna()].sort_values("gsv", ascending=False)  # the largest segments are named first
    x, y = [_num(v) for v in known.gsv], [_num(v) for v in known.growth]
    names = [segment_name(by, v) for v in known.segment]
    return Chart(f"Size against growth by {by}, {period} (95% interval)", "scatter", x, y,
                 labels=names, text=uncluttered(names, x, y), y_low=[_num(v) for v in known.growth_low],
                 y_high=[_num(v) for v in known.growth_high], y_format=".0%",
                 x_title="GSV in the quarter (log scale)", y_title="GSV year over year")


def _ordered(dimension: str, values: list[str], tiers: list[str]) -> list[str]:
    """Spend tiers from the smallest up (alphabetical order puts "$100K+" before "$1K-$5K"), others as given."""
    if dimension != "tier":
        return values
    order = {t: i for i, t in enumerate(tiers)}
    return sorted(values, key=lambda t: order.get(t, len(order)))


def segment_cross(cross: pd.DataFrame, by: str, second: str, period: str, tier_bounds: tuple[int, ...],
                  compare: str = "yoy") -> Chart:
    """GSV growth (``compare``: yoy or qoq) for every pair of two segments (rows ``by``, columns ``second``), each
    cell saying its growth and its GSV."""
    named = cross.assign(**{d: [segment_name(d, v) for v in cross[d]] for d in (by, second)})
    tiers = tier_labels(tier_bounds)
    rows = _ordered(by, list(dict.fromkeys(named[by])), tiers)
    cols = _ordered(second, list(dict.fromkeys(named[second])), tiers)
    cells = {(a, b): (g, v) for a, b, g, v in zip(named[by], named[second], named[f"gsv_{compare}"], named.gsv,
                                                   strict=True)}
    z = [[_num(cells.get((a, b), (None, None))[0]) for b in cols] for a in rows]
    text = [[("n/a" if cells.get((a, b), (None,))[0] is None else f"{cells[(a, b)][0]:+.0%}") + "<br>"
             + money(_num(cells.get((a, b), (None, None))[1])) for b in cols] for a in rows]
    words = "year over year" if compare == "yoy" else "quarter over quarter"
    return Chart(f"GSV {words} by {by} and {second}, {period}", "heatmap", cols, z, y_labels=rows,
                 y_format="+.0%", text=text)


def in_tier_order(df: pd.DataFrame, col: str, tier_bounds: tuple[int, ...]) -> pd.DataFrame:
    """Rows by the spend tier in ``col``, from the smallest up (alphabetical order puts "$100K+" before "$1K-$5K")."""
    order = {t: i for i, t in enumerate(tier_labels(tier_bounds))}
    return df.sort_values(col, key=lambda s: s.map(lambda t: order.get(t, len(order)))).reset_index(drop=True)


def tier_mix(tiers: pd.DataFrame, period: str, tier_bounds: tuple[int, ...]) -> Chart:
    """Each spend tier's share of active clients beside its share of their trailing-twelve-month GSV (tiers from
    the smallest up): few clients, most of the money."""
    t = in_tier_order(tiers, "tier", tier_bounds)
    clients, gsv = (pd.to_numeric(t[c]).astype(float) for c in ("clients_by_tier", "gsv_by_tier"))
    return Chart(f"Spend tiers: share of active clients and of their GSV, {period}", "bar", list(t.tier),
                 [list(clients / (clients.sum() or 1.0)), list(gsv / (gsv.sum() or 1.0))],
                 series=["share of active clients", "share of trailing-twelve-month GSV"], y_format=".0%")


def clv_deciles(deciles: pd.DataFrame, horizon_days: int) -> Chart:
    """How concentrated next period's value is: the share of the expected GSV of the next ``horizon_days`` held by
    each tenth of the active clients, ranked by it (the top tenth first)."""
    shares = [_num(v) for v in deciles.share]
    return Chart(f"Share of the next {horizon_days} days' expected GSV by decile of active clients", "bar",
                 [f"{10 * (int(i) - 1)}-{10 * int(i)}%" for i in deciles.decile], shares, y_format=".0%",
                 text=["" if v is None else f"{v:.0%}" for v in shares],
                 x_title="active clients ranked by expected GSV", y_title="share of expected GSV")


RETENTION = {"spend_retention": "Spend retention", "logo_retention": "Logo retention"}


def cohort_retention(cohorts: pd.DataFrame, measure: str = "spend_retention", until: str | None = None,
                     last: int = 12) -> Chart:
    """A retention triangle: the ``last`` acquisition cohorts up to ``until`` (rows) by quarters since their first
    payment (columns); ``measure`` is spend_retention (GSV against the first quarter's) or logo_retention (share
    of the cohort still paying)."""
    c = cohorts if until is None else cohorts[cohorts.cohort <= until]
    heat = c.pivot(index="cohort", columns="age", values=measure).tail(last)
    return Chart(f"{RETENTION[measure]} by acquisition cohort (quarters since acquisition)", "heatmap",
                 [str(a) for a in heat.columns], [[_num(v) for v in r] for r in heat.to_numpy()],
                 y_labels=list(heat.index), y_format=".0%")


__all__ = ["RETENTION", "Chart", "bridge_charts", "clv_deciles", "cohort_retention", "figure", "in_tier_order",
           "segment_cross", "size_against_growth", "tier_mix", "uncluttered"]

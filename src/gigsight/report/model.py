"""The quarterly report as pure data: sentences with their sources, sections of tables and chart data.

Every number a sentence states is kept beside it (``Source``: metric, period, segment, value, growth), so the text
can be audited and tested against ``compute()``. Wording follows the data: "rose", "fell", "was flat", and no
growth claim where the comparison period is missing or its count too small (``MIN_BASE``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from gigsight.backends.base import Connection
from gigsight.errors import ConfigError
from gigsight.metrics.compute import compute
from gigsight.metrics.display import FLAT, change, column_words, money, shown, tone
from gigsight.metrics.periods import Periods
from gigsight.metrics.registry import get
from gigsight.report.charts import Chart

KPIS = ["gsv", "revenue", "take_rate", "active_clients", "gsv_per_active_client", "new_clients",
        "gsv_per_new_client", "client_spend_retention", "ai_gsv_share", "ai_jobs", "jobs_posted", "fill_rate",
        "active_freelancers", "ai_freelancers"]
COUNTS = {"active_clients", "new_clients", "ai_jobs", "jobs_posted", "active_freelancers", "ai_freelancers"}
MIN_BASE = 20  # a count below this a year earlier gets no growth claim


@dataclass
class Source:
    metric: str
    period: str
    segment: str = "all"
    value: float | None = None
    growth: float | None = None  # year over year, as a fraction


@dataclass
class Sentence:
    text: str
    sources: list[Source]


@dataclass
class Table:
    """Rows as computed (exact in report.json) with, per column, how to show it (``metrics.display.cell``)."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    kinds: list[str] = field(default_factory=list)


@dataclass
class Tile:
    """One key figure: its value and changes as read (``shown``), the numbers behind them, the colour of each
    change ("good", "bad", "flat", "none") and the quarters before it for a sparkline."""

    metric: str
    label: str
    value: float | None
    shown: str
    yoy: float | None
    yoy_shown: str
    yoy_tone: str
    qoq: float | None
    qoq_shown: str
    qoq_tone: str
    trend: list[float | None] = field(default_factory=list)
    trend_periods: list[str] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    text: list[str] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    period: str
    store: str
    sentences: list[Sentence]
    sections: list[Section]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _clean(asdict(self))
        return out


def _clean(v: Any) -> Any:
    """No NaN anywhere (JSON has none): NaN and pandas NA become None, numpy scalars plain Python."""
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if v is None or isinstance(v, str | bool):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return v
    return v.item() if hasattr(v, "item") else v


def pct(v: float | None) -> str:
    return "n/a" if v is None else f"{abs(v):.0%}"


def growth_words(g: float | None, up: str = "rose", down: str = "fell") -> str | None:
    """'rose 16%', 'fell 8%', 'was flat'; None when there is no comparison."""
    if g is None:
        return None
    if abs(g) < FLAT:
        return "was flat"
    return f"{up if g > 0 else down} {pct(g)}"


def _num(v: Any) -> float | None:
    """A float, or None for a missing value (None, NaN, pandas NA)."""
    return None if v is None or pd.isna(v) else float(v)


class _Kpis:
    """The period's KPIs with yoy and qoq, and each metric's year-earlier value for the volume guard."""

    def __init__(self, con: Connection, period: str) -> None:
        Periods("quarter").parse(period)  # "2025-Q3" gets a clear error before any query
        df = compute(KPIS, period="quarter", compare=["yoy", "qoq"], con=con)
        if period not in set(df.period):
            have = sorted(df.period)
            raise ConfigError(f"no data for {period}; quarters with data: {have[0]} .. {have[-1]}")
        p = Periods("quarter")
        self.prev = p.label(p.parse(period) - p.offset("yoy"))
        self.frame = df
        self.row = df[df.period == period].iloc[0].to_dict()
        prev = df[df.period == self.prev]
        self.prev_row = prev.iloc[0].to_dict() if len(prev) else {}
        self.period = period

    def value(self, m: str) -> float | None:
        return _num(self.row.get(m))

    def yoy(self, m: str) -> float | None:
        g = _num(self.row.get(f"{m}_yoy"))
        base = _num(self.prev_row.get(m))
        if m in COUNTS and (base is None or base < MIN_BASE):
            return None  # too small a base for a growth claim
        return g

    def source(self, m: str, segment: str = "all") -> Source:
        return Source(m, self.period, segment, self.value(m), self.yoy(m))


def _ai_part(k: _Kpis) -> str:
    """'; AI-related work made 37% of the change': AI GSV's change over GSV's (the growth bridge's AI split)."""
    now, then = k.row, k.prev_row
    try:
        ai_now, ai_then = _num(now["gsv"]) * now["ai_gsv_share"], _num(then["gsv"]) * then["ai_gsv_share"]
        change = now["gsv"] - then["gsv"]
    except (KeyError, TypeError):
        return ""
    if not change:
        return ""
    return f"; AI-related work made {(ai_now - ai_then) / float(change):.0%} of the change"


def sentences(k: _Kpis, top_ai_skills: list[str]) -> list[Sentence]:
    """The headline sentences, each with the figures it states."""
    p = k.period
    out = []
    gsv, ai = k.source("gsv"), k.source("ai_jobs")
    g = growth_words(gsv.growth)
    if g is None:
        text = f"GSV was {money(gsv.value)} in {p}; there is no year-earlier quarter to compare."
    elif g == "was flat":
        text = f"GSV was flat year over year at {money(gsv.value)} in {p}"
    else:
        text = f"GSV {g} year over year to {money(gsv.value)} in {p}"
    ai_words = growth_words(ai.growth)
    if g is not None:
        if ai_words is not None and gsv.growth and ai.growth and (gsv.growth > 0) == (ai.growth > 0):
            # "driven by" would overclaim: say how much of the change AI work made, as the bridge splits it
            text += f", with a {pct(ai.growth)} {'rise' if ai.growth > 0 else 'fall'} in AI-related project " \
                    "volume (AI jobs posted)" + _ai_part(k) + "."
        elif ai_words is not None:
            text += f", while AI-related project volume (AI jobs posted) {ai_words}."
        else:
            text += "."
    out.append(Sentence(text, [gsv, ai]))
    ac, gpc = k.source("active_clients"), k.source("gsv_per_active_client")
    a_words, g_words = growth_words(ac.growth), growth_words(gpc.growth)
    if a_words and g_words:
        out.append(Sentence(f"Active clients {a_words} to {ac.value:,.0f} while GSV per active client {g_words} "
                            f"to {money(gpc.value)}.", [ac, gpc]))
    elif ac.value is not None:
        out.append(Sentence(f"{ac.value:,.0f} clients were active in the twelve months to {p}, spending "
                            f"{money(gpc.value)} each.", [ac, gpc]))
    npc = k.source("gsv_per_new_client")
    n_words = growth_words(npc.growth)
    if n_words and npc.value is not None:
        out.append(Sentence(f"GSV per new client (first 90 days) {n_words} to {money(npc.value)}.", [npc]))
    share, af = k.source("ai_gsv_share"), k.source("ai_freelancers")
    share.growth = None  # the sentence states the share, not its growth
    f_words = growth_words(af.growth, "grew", "shrank")
    if share.value is not None:
        tail = f"; AI-specialised freelancers {f_words} to {af.value:,.0f}." if f_words and af.value else "."
        out.append(Sentence(f"AI-related work was {share.value:.1%} of GSV{tail}", [share, af]))
    if top_ai_skills:
        out.append(Sentence(f"The most demanded AI skills in {p}: {', '.join(top_ai_skills[:5])}.",
                            [Source("jobs_posted", p, "skill")]))
    return out


def definitions(metrics: list[str]) -> Table:
    return Table("Definitions", ["metric", "definition", "unit", "name in the API"],
                 [[get(m).title, get(m).description, UNIT_WORDS[get(m).unit], m] for m in metrics])


UNIT_WORDS = {"usd": "US dollars", "count": "count", "ratio": "share (%)", "days": "days", "number": "number"}
TRAILING = 8  # quarters in a tile's sparkline


def kpi_tiles(k: _Kpis, metrics: list[str]) -> list[Tile]:
    """A tile per metric for the period, growth coloured by whether up is good for that metric."""
    past = k.frame[k.frame.period <= k.period].tail(TRAILING)
    out = []
    for m in metrics:
        spec, yoy, qoq = get(m), k.yoy(m), _num(k.row.get(f"{m}_qoq"))
        out.append(Tile(m, spec.title, k.value(m), shown(spec, k.value(m)), yoy, change(yoy), tone(spec, yoy), qoq,
                        change(qoq), tone(spec, qoq), [_num(v) for v in past[m]], list(past.period)))
    return out


def kpi_table(k: _Kpis) -> Table:
    rows = [[get(m).title, shown(get(m), k.value(m)), change(k.yoy(m)), change(_num(k.row.get(f"{m}_qoq")))]
            for m in KPIS]
    return Table(f"Key figures, {k.period}", ["metric", "value", "year over year", "quarter over quarter"], rows,
                 note=f"n/a where the comparison quarter has no data, or a count had fewer than {MIN_BASE} a year "
                      "earlier; exact values in report.json")


def frame_table(title: str, df: pd.DataFrame, note: str = "", kinds: dict[str, str] | None = None) -> Table:
    """A table of ``df`` with headings in words; ``kinds`` says how to show columns the registry does not name."""
    heads = [column_words(str(c)) for c in df.columns]
    shown_as = [(kinds or {}).get(str(c), kind) for c, (_, kind) in zip(df.columns, heads, strict=True)]
    return Table(title, [w for w, _ in heads], _clean(df.to_numpy().tolist()), note, shown_as)

"""Charts as the report draws them, for any face: the same :class:`~gigsight.report.charts.Chart` builders, returned
as Plotly figures (data and layout) that a browser draws with Plotly as they are."""

from __future__ import annotations

from typing import Any

from gigsight.config import Settings
from gigsight.errors import ConfigError, did_you_mean
from gigsight.facade.opening import StoreLike, reading
from gigsight.insights import cohorts, growth_bridge, segment_growth
from gigsight.metrics import compute
from gigsight.metrics.periods import Periods, grain_of_label
from gigsight.model.exact import plain
from gigsight.report.charts import (
    RETENTION,
    Chart,
    bridge_charts,
    cohort_retention,
    figure,
    segment_cross,
    size_against_growth,
    tier_mix,
)

CHARTS = ("growth_bridge", "size_against_growth", "segment_cross", "tier_mix", "cohort_retention")


def _earlier(period: str, compare: str, settings: Settings) -> str:
    p = Periods(grain_of_label(period), settings.fiscal_year_start_month)
    return p.label(p.parse(period) - p.offset(compare))


def charts(name: str, period: str, *, by: str = "category", second: str = "ai", compare: str = "yoy",
           con: StoreLike = None, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The figures of chart ``name`` for ``period``: "growth_bridge" (a waterfall per KPI identity, against the
    ``compare`` period), "size_against_growth" (each ``by`` segment's GSV against its growth, 95% intervals),
    "segment_cross" (GSV growth for every pair of ``by`` and ``second`` segments), "tier_mix" (each spend tier's
    share of active clients and of GSV) or "cohort_retention" (spend, then logo retention triangles of the quarterly
    acquisition cohorts up to ``period``).

    >>> import tempfile, gigsight
    >>> db = tempfile.mkdtemp() + "/c.duckdb"
    >>> _ = gigsight.simulate(db, "steady", scale=0.002, validate=False)
    >>> [f["data"][0]["type"] for f in charts("growth_bridge", "2025Q3", con=db)][:2]
    ['waterfall', 'waterfall']
    """
    if name not in CHARTS:
        raise ConfigError(did_you_mean(name, CHARTS, "chart"))
    settings = settings or Settings.from_env()

    def build(store: Any) -> list[Chart]:
        if name == "growth_bridge":
            steps = [s.to_dict() for s in growth_bridge(period, compare=compare, con=store, settings=settings)]
            return bridge_charts(steps, _earlier(period, compare, settings), period)
        if name == "size_against_growth":
            g = segment_growth(period, by, compare=compare, con=store, settings=settings)
            return [size_against_growth(g, by, period)]
        if name == "tier_mix":
            tiers = compute(["clients_by_tier", "gsv_by_tier"], period=grain_of_label(period), by="tier", con=store,
                            start=period, end=period, settings=settings)
            return [tier_mix(tiers, period, settings.tier_bounds)]
        if name == "cohort_retention":
            c = cohorts(con=store, period="quarter", settings=settings)
            until = period if grain_of_label(period) == "quarter" else None  # cohorts are quarters
            return [cohort_retention(c, measure, until=until) for measure in RETENTION]
        cross = compute(["gsv"], period=grain_of_label(period), by=[by, second], compare=[compare], con=store,
                        start=period, end=period, settings=settings)
        return [segment_cross(cross, by, second, period, settings.tier_bounds, compare)]

    return [plain(figure(c)) for c in reading(con, build)]


__all__ = ["CHARTS", "charts"]

"""Verbs that answer questions about the marketplace: metrics per period and segment, what the data covers, why a
number moved (growth bridge, drivers, segment growth), cohorts, the quarterly report and published claims."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from gigsight.config import Settings
from gigsight.facade.opening import StoreLike, reading, using
from gigsight.insights import cohorts as _cohorts
from gigsight.insights import explain_change as _explain_change
from gigsight.insights import growth_bridge as _growth_bridge
from gigsight.insights import segment_growth as _segment_growth
from gigsight.insights.growth_bridge import Step
from gigsight.metrics import compute as _compute
from gigsight.metrics.coverage import catalog
from gigsight.metrics.coverage import coverage as _coverage
from gigsight.report import build_report, load_claims, write
from gigsight.report import check_claims as _check_claims


def compute(metrics: str | list[str], *, period: str = "quarter", by: str | list[str] | None = None,
            compare: str | list[str] | None = None, con: StoreLike = None, start: str | None = None,
            end: str | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """Metrics per period (and segment) as a DataFrame; ``compare=["yoy", "qoq"]`` adds growth columns.

    See :func:`gigsight.metrics.compute.compute` and docs/metrics.md for every metric.
    """
    return reading(con, lambda store: _compute(metrics, period=period, by=by, compare=compare, con=store,
                                               start=start, end=end, settings=settings))


def coverage(*, con: StoreLike = None, settings: Settings | None = None) -> dict[str, Any]:
    """The periods the data covers per grain, the default (latest complete) quarter, a partial last quarter, the
    warm-up quarters and the first and last payment; see :mod:`gigsight.metrics.coverage`."""
    return reading(con, lambda store: _coverage(store, settings))


def growth_bridge(period: str, *, compare: str = "yoy", con: StoreLike = None,
                  settings: Settings | None = None) -> list[Step]:
    """The period's change split along the KPI identities (active clients x GSV per client, new vs existing,
    AI vs other, volume vs take rate); see :mod:`gigsight.insights.growth_bridge`."""
    return reading(con, lambda store: list(_growth_bridge(period, compare=compare, con=store, settings=settings)))


def explain_change(metric: str, from_period: str, to_period: str, by: str | list[str], *,
                   con: StoreLike = None, settings: Settings | None = None) -> pd.DataFrame:
    """Segments ranked by the share of the change they explain, split into size and rate effects."""
    return reading(con, lambda store: _explain_change(metric, from_period, to_period, by, con=store,
                                                      settings=settings))


def segment_growth(period: str, by: str, *, compare: str = "yoy", con: StoreLike = None,
                   settings: Settings | None = None) -> pd.DataFrame:
    """Each segment's GSV against its growth, with a 95% interval; see :mod:`gigsight.insights.segment_growth`.

    >>> import tempfile, gigsight
    >>> db = tempfile.mkdtemp() + "/g.duckdb"
    >>> _ = gigsight.simulate(db, "seed-q3", scale=0.002, validate=False)
    >>> g = segment_growth("2025Q3", "ai", con=db)
    >>> list(g.columns[:4]), bool((g.growth_low <= g.growth).all() and (g.growth <= g.growth_high).all())
    (['dimension', 'segment', 'gsv_before', 'gsv'], True)
    """
    return reading(con, lambda store: _segment_growth(period, by, compare=compare, con=store, settings=settings))


def cohorts(*, period: str = "quarter", con: StoreLike = None, settings: Settings | None = None) -> pd.DataFrame:
    """Logo and spend retention by acquisition cohort."""
    return reading(con, lambda store: _cohorts(con=store, period=period, settings=settings))


def report(period: str, out: str | Path = "report", *, con: StoreLike = None) -> dict[str, Path]:
    """Write the quarterly report for ``period`` (report.html, report.md, report.json) into ``out``."""
    return using(con, lambda store: write(build_report(store, period), out))


def check_claims(claims_file: str | Path, *, scale: float | str = "auto", con: StoreLike = None) -> list[Any]:
    """Measure the claims of a YAML file on the records; each result says whether it holds (``.passed``).
    ``scale``: "auto" (the scale a simulated store records, 1 for real data) or a number."""
    claims = load_claims(claims_file)
    return reading(con, lambda store: _check_claims(claims, store, scale=scale))


__all__ = ["catalog", "check_claims", "cohorts", "compute", "coverage", "explain_change", "growth_bridge", "report",
           "segment_growth"]

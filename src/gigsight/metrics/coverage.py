"""What a store's data covers, and what can be asked of it: the periods per grain from the first to the last
payment, the latest quarter when it is still partial, the warm-up quarters (the first twelve months, where
trailing-twelve-month metrics are incomplete), and the catalog of metrics and segments.

>>> from gigsight.ingest.sample import sample_store
>>> c = coverage(sample_store(clients=30, seed=1))
>>> c["default_period"] in c["periods"]["quarter"], set(c["periods"]) == {"month", "quarter", "year"}
(True, True)
>>> [m["name"] for m in catalog()["metrics"]][:2]
['gsv', 'payments']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from gigsight.backends.base import Connection, ibis_of
from gigsight.config import Settings
from gigsight.errors import ConfigError
from gigsight.metrics.periods import GRAINS, Periods
from gigsight.metrics.registry import OVERLAPPING, REGISTRY, SEGMENTS


def catalog() -> dict[str, Any]:
    """Every metric (name, title, unit, which direction is better, description, the segments it splits by, whether
    segments add up to it and whether it grows with the marketplace) and every segment, as the dashboard's
    filters, the API's parameters and a notebook's pickers offer them."""
    metrics = [{"name": m.name, "title": m.title, "unit": m.unit, "better": m.better, "description": m.description,
                "segments": list(m.segments), "additive": m.additive, "scale_free": m.free_of_scale,
                "point_in_time": m.point_in_time} for m in REGISTRY.values()]
    return {"metrics": metrics, "segments": list(SEGMENTS),
            "partitions": [s for s in SEGMENTS if s not in OVERLAPPING]}


def coverage(con: Connection, settings: Settings | None = None) -> dict[str, Any]:
    """The periods the store's payments cover per grain, the default period (the latest complete quarter), the
    partial quarter (if the data stops inside it), the warm-up quarters, and the first and last payment."""
    settings = settings or Settings.from_env()
    p = ibis_of(con).table("payments")
    lo, hi = p.aggregate(lo=p.paid_at.min(), hi=p.paid_at.max()).execute().iloc[0]
    if lo is None or pd.isna(lo):
        raise ConfigError("no payments in the store: nothing to show")
    lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
    first_month = lo.year * 12 + lo.month - 1
    periods: dict[str, list[str]] = {}
    for grain in GRAINS:
        pp = Periods(grain, settings.fiscal_year_start_month)
        keys = range(pp.key_of_month(first_month), pp.key_of_month(hi.year * 12 + hi.month))
        periods[grain] = [pp.label(k) for k in keys]
    q = Periods("quarter", settings.fiscal_year_start_month)
    warmup = [label for label in periods["quarter"]
              if q.end_month(q.parse(label)) - first_month + 1 < settings.ttm_months]
    end = q.end_month(q.parse(periods["quarter"][-1])) + 1
    partial = periods["quarter"][-1] if hi + pd.Timedelta(days=1) < pd.Timestamp(
        year=end // 12, month=end % 12 + 1, day=1) else None
    default = periods["quarter"][-2] if partial and len(periods["quarter"]) > 1 else periods["quarter"][-1]
    return {"periods": periods, "default_period": default, "partial_period": partial, "warmup_periods": warmup,
            "data_from": lo.isoformat(), "data_to": hi.isoformat()}


__all__ = ["catalog", "coverage"]

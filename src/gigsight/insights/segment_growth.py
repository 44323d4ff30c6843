"""Size against growth: each segment's GSV in a period, its growth over the comparison period and how sure that
growth is.

A segment's GSV is a sum over its paying clients, S = x_1 + ... + x_n, and which clients pay in a quarter is
itself chance. Treating each period's clients as a compound-Poisson draw, Var(S) is estimated by the sum of
squared client totals, so the standard error of log S is sqrt(sum x^2) / S. The growth S1 / S0 - 1 gets the
interval exp(log(S1 / S0) +- z * sqrt(sum x1^2 / S1^2 + sum x0^2 / S0^2)) - 1. The two periods are treated as
independent; the same clients paying in both make the true interval narrower, so this one errs wide. A segment
carried by a few large clients gets a wide interval, as it should: one client leaving moves it.

>>> import pandas as pd
>>> g = growth_interval(pd.DataFrame({"y0": [100.0], "y0_sq": [2500.0], "y1": [150.0], "y1_sq": [5625.0]}))
>>> [round(float(v), 3) for v in (g.growth[0], g.growth_low[0], g.growth_high[0])]  # four clients of $25, then of $37.5
[0.5, -0.625, 4.998]
"""

from __future__ import annotations

import math

import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.config import Settings
from gigsight.errors import ConfigError
from gigsight.metrics.grains import Grains
from gigsight.metrics.periods import Periods, grain_of_label

BY = ("ai", "category", "country")  # the segments every payment carries
Z95 = 1.959964


def growth_interval(df: pd.DataFrame, z: float = Z95) -> pd.DataFrame:
    """Columns y0, y0_sq, y1, y1_sq (GSV and the sum of squared client totals, earlier and later) -> adds
    growth, growth_low, growth_high (None where either period's GSV is not positive)."""
    out = df.copy()
    growth: list[float | None] = []
    low: list[float | None] = []
    high: list[float | None] = []
    for y0, q0, y1, q1 in zip(out.y0, out.y0_sq, out.y1, out.y1_sq, strict=True):
        if not (y0 and y1) or y0 <= 0 or y1 <= 0:
            growth.append(None if not y0 or y0 <= 0 else y1 / y0 - 1)
            low.append(None)
            high.append(None)
            continue
        centre, se = math.log(y1 / y0), math.sqrt(q1 / y1**2 + q0 / y0**2)
        growth.append(y1 / y0 - 1)
        low.append(math.exp(centre - z * se) - 1)
        high.append(math.exp(centre + z * se) - 1)
    out["growth"], out["growth_low"], out["growth_high"] = growth, low, high
    return out


def segment_growth(period: str, by: str, *, compare: str = "yoy", con: Connection = None,
                   settings: Settings | None = None) -> pd.DataFrame:
    """Per segment of ``by`` (ai, category or country): GSV and paying clients in ``period`` and the comparison
    period, GSV growth with its 95% interval, ordered by GSV."""
    if by not in BY:
        raise ConfigError(f"segment growth is by one of {', '.join(BY)}, not {by!r}")
    settings = settings or Settings.from_env()
    periods = Periods(grain_of_label(period), settings.fiscal_year_start_month)
    k1 = periods.parse(period)
    k0 = k1 - periods.offset(compare)
    facts = Grains(ibis_of(con), periods, settings, materialize=False, segments=(by,)).payment_facts
    rows = facts.filter(facts.pk.isin([k0, k1]))
    clients = rows.group_by([by, "pk", "client_id"]).aggregate(x=rows.gsv.sum().cast("float64"))
    seg = clients.group_by([by, "pk"]).aggregate(y=clients.x.sum(), y_sq=(clients.x * clients.x).sum(),
                                                 n=clients.x.count(where=clients.x > 0)).to_pyarrow().to_pandas()
    if k1 not in set(seg.pk):
        raise ConfigError(f"no payments in {period}")
    seg[by] = seg[by].astype(str)
    before, after = (seg[seg.pk == k].set_index(by) for k in (k0, k1))
    names = sorted(set(before.index) | set(after.index))
    table = pd.DataFrame({
        "segment": names,
        "y0": [float(before.y.get(s, 0.0)) for s in names], "y0_sq": [float(before.y_sq.get(s, 0.0)) for s in names],
        "y1": [float(after.y.get(s, 0.0)) for s in names], "y1_sq": [float(after.y_sq.get(s, 0.0)) for s in names],
        "clients": [int(after.n.get(s, 0)) for s in names],
        "clients_before": [int(before.n.get(s, 0)) for s in names],
    })
    out = growth_interval(table).rename(columns={"y1": "gsv", "y0": "gsv_before"})
    out.insert(0, "dimension", by)
    out = out.drop(columns=["y0_sq", "y1_sq"]).sort_values("gsv", ascending=False).reset_index(drop=True)
    return out.astype(object).where(out.notna(), None)

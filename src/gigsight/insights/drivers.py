"""Drivers: which segments explain a change, split into mix (how many paying clients a segment has) and
rate (what each of them spends), ranked by the size of their contribution.

For an additive metric Y = sum over segments of N_s x v_s (N_s paying clients, v_s = Y_s / N_s), each
segment's change splits by the two-factor Shapley rule (see :mod:`gigsight.insights.growth_bridge`):
size effect (N1 - N0)(v0 + v1)/2 and rate effect (v1 - v0)(N0 + N1)/2. A segment new in the later
period has no earlier rate: all its change is size. The effects of one dimension add up to the total
change exactly. This is the size/average split wise-pizza popularised, computed directly for each
dimension (no search over segment combinations).

>>> import pandas as pd
>>> split = segment_effects(pd.DataFrame({"segment": ["a", "b"], "y0": [100.0, 50.0], "n0": [10, 5],
...                                       "y1": [200.0, 50.0], "n1": [20, 2]}))
>>> [(r.segment, r.size_effect, r.rate_effect) for r in split.itertuples()]
[('a', 100.0, 0.0), ('b', -52.5, 52.5)]
"""

from __future__ import annotations

import pandas as pd

from gigsight.backends.base import Connection
from gigsight.backends.shared import sharing
from gigsight.config import Settings
from gigsight.errors import ConfigError
from gigsight.metrics.compute import compute, resolve
from gigsight.metrics.periods import Periods, grain_of_label
from gigsight.metrics.registry import REGISTRY, get


def segment_effects(df: pd.DataFrame) -> pd.DataFrame:
    """Columns segment, y0, n0, y1, n1 -> adds change, size_effect, rate_effect."""
    out = df.copy()
    n0, n1 = out.n0.astype(float), out.n1.astype(float)
    v0 = (out.y0.astype(float) / n0.where(n0 > 0)).fillna(0.0)
    v1 = (out.y1.astype(float) / n1.where(n1 > 0)).fillna(0.0)
    v0 = v0.where(n0 > 0, v1)  # a segment new in the later period: its earlier rate is taken as the later one
    v1 = v1.where(n1 > 0, v0)  # a segment gone: likewise
    out["change"] = out.y1.astype(float) - out.y0.astype(float)
    out["size_effect"] = (n1 - n0) * (v0 + v1) / 2
    out["rate_effect"] = (v1 - v0) * (n0 + n1) / 2
    return out


@sharing
def explain_change(metric: str, from_period: str, to_period: str, by: list[str] | str, *, con: Connection = None,
                   settings: Settings | None = None) -> pd.DataFrame:
    """Rank the segments of each dimension in ``by`` by how much of the change in ``metric`` they explain."""
    settings = settings or Settings.from_env()
    dims = [b.strip() for b in by.split(",")] if isinstance(by, str) else list(by)
    if not get(metric).additive:
        additive = ", ".join(m.name for m in REGISTRY.values() if m.additive)
        raise ConfigError(f"explain_change works on additive payment metrics ({additive}), "
                          f"not {metric!r}; ratios are explained through their parts")
    grain = grain_of_label(from_period)
    if grain_of_label(to_period) != grain:
        raise ConfigError(f"{from_period} and {to_period} are periods of different lengths")
    periods = Periods(grain, settings.fiscal_year_start_month)
    k0, k1 = periods.parse(from_period), periods.parse(to_period)
    if k0 >= k1:
        raise ConfigError(f"from ({from_period}) must come before to ({to_period})")
    for d in dims:
        resolve([metric, "paying_clients"], [d])
    frames = []
    for d in dims:
        # the two periods compared, each alone: the periods between them are never fanned out by segment
        df = pd.concat([compute([metric, "paying_clients"], period=grain, by=[d], con=con, settings=settings,
                                start=p, end=p) for p in (from_period, to_period)], ignore_index=True)
        before = df[df.period == from_period].set_index(d)
        after = df[df.period == to_period].set_index(d)
        segs = sorted(set(before.index) | set(after.index), key=str)
        table = pd.DataFrame({
            "segment": [str(s) for s in segs],
            "y0": [float(before[metric].get(s) or 0) for s in segs],
            "n0": [int(before["paying_clients"].get(s) or 0) for s in segs],
            "y1": [float(after[metric].get(s) or 0) for s in segs],
            "n1": [int(after["paying_clients"].get(s) or 0) for s in segs],
        })
        eff = segment_effects(table)
        total = eff.change.sum()
        eff.insert(0, "dimension", d)
        eff["share_of_change"] = eff.change / total if total else None
        frames.append(eff)
    out = pd.concat(frames, ignore_index=True)
    out = out.rename(columns={"y0": f"{metric}_from", "y1": f"{metric}_to", "n0": "clients_from",
                              "n1": "clients_to"})
    out = out.reindex(out.change.abs().sort_values(ascending=False).index).reset_index(drop=True)
    return out.astype(object).where(out.notna(), None)

"""Measure a scenario's targets on a store with the KPI engine users run, and say which hold.

Value targets scale with ``--scale`` (money and counts are per full-size marketplace); growth rates,
shares and rankings do not.

>>> from gigsight.backends import connect
>>> from gigsight.simulate import simulate
>>> with connect("duckdb://:memory:") as store:
...     _ = simulate(store, "ai-boom", scale=0.002, seed=5)
...     rows = check_targets(store, "ai-boom", scale=0.002)
>>> [r.metric for r in rows]
['ai_jobs', 'active_clients', 'gsv']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gigsight.backends.base import Store
from gigsight.backends.shared import sharing
from gigsight.metrics import compute
from gigsight.metrics.point import at_scale, value_and_growth
from gigsight.simulate.scenario import Scenario, Target, load_scenario


@dataclass(frozen=True)
class Check:
    metric: str
    period: str
    kind: str
    expected: str
    measured: str
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _period_kind(period: str) -> str:
    return "quarter" if "Q" in period else "year"


def _measure(store: Store, t: Target, scale: float) -> Check:
    if t.top_skills:
        df = compute(["ai_jobs"], period=_period_kind(t.period), by="skill", con=store)
        df = df[df.period == t.period].sort_values("ai_jobs", ascending=False)
        top = [str(s) for s in df.skill.head(t.within)]
        have = {s.lower() for s in top}  # tags before enrich, canonical names ("ChatGPT") after
        missing = [s for s in t.top_skills if s.lower() not in have]
        return Check(t.metric, t.period, "top_skills", f"{', '.join(t.top_skills)} in top {t.within}",
                     ", ".join(top), not missing)
    value, yoy = value_and_growth(store, t.metric, t.period)
    if t.kind == "value":
        assert t.value is not None and t.tolerance is not None
        want = at_scale(t.metric, t.value, scale)
        ok = value is not None and abs(value / want - 1) <= t.tolerance
        return Check(t.metric, t.period, "value", f"{want:,.0f} ±{t.tolerance:.1%}",
                     "n/a" if value is None else f"{value:,.0f}", ok)
    if t.kind == "yoy":
        assert t.yoy is not None and t.tolerance is not None
        ok = yoy is not None and abs(yoy - t.yoy) <= t.tolerance
        return Check(t.metric, t.period, "yoy", f"{t.yoy:+.1%} ±{t.tolerance * 100:.1f}pp",
                     "n/a" if yoy is None else f"{yoy:+.2%}", ok)
    up = t.direction == "up"
    ok = yoy is not None and (yoy > 0 if up else yoy < 0)
    return Check(t.metric, t.period, "direction", "up" if up else "down",
                 "n/a" if yoy is None else f"{yoy:+.2%}", ok)


@sharing
def check_targets(store: Store, scenario: str | Path | Scenario, scale: float = 1.0) -> list[Check]:
    """One :class:`Check` per target of the scenario, measured on ``store`` (generated at ``scale``)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return [_measure(store, t, scale) for t in sc.targets]


__all__ = ["Check", "check_targets"]

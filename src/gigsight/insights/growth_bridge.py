"""The growth bridge: a period's change split along the KPI identities, exactly.

- TTM GSV = active clients x GSV per active client,
- GSV = GSV from new clients + GSV from existing clients,
- GSV = AI-related GSV + other GSV,
- revenue = GSV x take rate.

Products are split with the two-factor Shapley rule: for Y = A x B the A effect is
(A1 - A0)(B0 + B1)/2 and the B effect (B1 - B0)(A0 + A1)/2. The two add up to Y1 - Y0 exactly, need no
logarithms (so zero and negative values are fine) and treat both factors alike.

>>> shapley(100, 10.0, 110, 12.0)
(110.0, 210.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gigsight.backends.base import Connection
from gigsight.config import Settings
from gigsight.errors import ConfigError
from gigsight.metrics.compute import compute
from gigsight.metrics.periods import Periods, grain_of_label
from gigsight.metrics.registry import REGISTRY


def shapley(a0: float, b0: float, a1: float, b1: float) -> tuple[float, float]:
    """(effect of A, effect of B) for the change of A x B from (a0, b0) to (a1, b1)."""
    return (a1 - a0) * (b0 + b1) / 2, (b1 - b0) * (a0 + a1) / 2


# the parts that are not metrics, in words (a part that is a metric reads as the metric's title)
PART_WORDS = {"new_clients": "GSV from new clients", "existing_clients": "GSV from existing clients",
              "ai_related": "AI-related work", "other": "Other work", "volume (gsv)": "Volume (GSV)"}


@dataclass(frozen=True)
class Step:
    """One part of one identity's change. ``bridge`` and ``component`` are ids; ``identity`` and ``part`` the
    same in words; ``total_before`` and ``total_after`` the identity's left side (e.g. TTM GSV) in both periods,
    which the parts' effects bridge exactly; ``unit`` that of ``before`` and ``after`` (a factor of a product keeps
    its own: active clients are a count)."""

    bridge: str
    component: str
    before: float | None
    after: float | None
    effect: float
    share: float | None  # of the bridge's total change
    identity: str = ""
    part: str = ""
    total_before: float = 0.0
    total_after: float = 0.0
    unit: str = "usd"

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _words(name: str, first: bool) -> str:
    """A part or total in words: capitalised at the start of a sentence, acronyms (GSV, AI) kept."""
    w = PART_WORDS.get(name) or (REGISTRY[name].title if name in REGISTRY else name)
    return w if first or w[:2].isupper() else w[:1].lower() + w[1:]


def _steps(bridge: str, total: float, parts: list[tuple[str, float | None, float | None, float]],
           after: float) -> list[Step]:
    whole, _, _ = bridge.partition(" = ")
    sign = " \u00d7 " if " x " in bridge else " + "
    identity = f"{_words(whole, True)} = {sign.join(_words(name, False) for name, *_ in parts)}"
    product = " x " in bridge
    return [Step(bridge, name, b, a, effect, effect / total if total else None, identity, _words(name, True),
                 after - total, after, REGISTRY[name].unit if product and name in REGISTRY else "usd")
            for name, b, a, effect in parts]


def growth_bridge(period: str, *, compare: str = "yoy", con: Connection = None,
                  settings: Settings | None = None) -> list[Step]:
    """Every bridge for ``period`` (e.g. "2025Q3") against its comparison period."""
    settings = settings or Settings.from_env()
    grain = grain_of_label(period)
    periods = Periods(grain, settings.fiscal_year_start_month)
    key = periods.parse(period)
    prior = periods.label(key - periods.offset(compare))
    names = ["ttm_gsv", "active_clients", "gsv_per_active_client", "gsv", "gsv_from_new_clients", "ai_gsv",
             "revenue", "take_rate"]
    try:
        df = compute(names, period=grain, con=con, start=prior, end=period, settings=settings)
    except ConfigError as exc:
        if "outside the data" in str(exc):
            raise ConfigError(f"no growth bridge for {period}: its comparison period {prior} must be in the data "
                              f"too ({exc})") from None
        raise
    rows = {r["period"]: r for r in df.to_dict(orient="records")}
    if prior not in rows or period not in rows:
        raise ConfigError(f"no growth bridge for {period}: {prior} has no data")
    b, a = rows[prior], rows[period]

    def v(r: dict[str, Any], k: str) -> float:
        return float(r[k] or 0)

    steps: list[Step] = []
    d_ttm = v(a, "ttm_gsv") - v(b, "ttm_gsv")
    active_fx, value_fx = shapley(v(b, "active_clients"), v(b, "gsv_per_active_client"),
                                  v(a, "active_clients"), v(a, "gsv_per_active_client"))
    steps += _steps("ttm_gsv = active_clients x gsv_per_active_client", d_ttm, [
        ("active_clients", b["active_clients"], a["active_clients"], active_fx),
        ("gsv_per_active_client", b["gsv_per_active_client"], a["gsv_per_active_client"], value_fx)], v(a, "ttm_gsv"))
    d_gsv = v(a, "gsv") - v(b, "gsv")
    new_b, new_a = v(b, "gsv_from_new_clients"), v(a, "gsv_from_new_clients")
    steps += _steps("gsv = new clients + existing clients", d_gsv, [
        ("new_clients", new_b, new_a, new_a - new_b),
        ("existing_clients", v(b, "gsv") - new_b, v(a, "gsv") - new_a, (v(a, "gsv") - new_a) - (v(b, "gsv") - new_b))],
        v(a, "gsv"))
    ai_b, ai_a = v(b, "ai_gsv"), v(a, "ai_gsv")
    steps += _steps("gsv = AI-related + other work", d_gsv, [
        ("ai_related", ai_b, ai_a, ai_a - ai_b),
        ("other", v(b, "gsv") - ai_b, v(a, "gsv") - ai_a, (v(a, "gsv") - ai_a) - (v(b, "gsv") - ai_b))], v(a, "gsv"))
    vol_fx, rate_fx = shapley(v(b, "gsv"), v(b, "take_rate"), v(a, "gsv"), v(a, "take_rate"))
    steps += _steps("revenue = gsv x take_rate", v(a, "revenue") - v(b, "revenue"), [
        ("volume (gsv)", b["gsv"], a["gsv"], vol_fx), ("take_rate", b["take_rate"], a["take_rate"], rate_fx)],
        v(a, "revenue"))
    return steps

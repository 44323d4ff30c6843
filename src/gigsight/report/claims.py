"""Claim checks: published statements about a marketplace, measured on its records.

A claims file (YAML) lists claims; each names a metric, a period, optionally a segment, and what is claimed: a
``value`` (relative ``tolerance``), a growth ``yoy`` or ``qoq`` (tolerance in fraction points) or a ``direction``
(up or down year over year). Money and count values are stated at full size: a store the simulator generated at a
scale reports that fraction of them, so values are compared after dividing by the scale the store records
(``scale="auto"``, the default; 1 for real data).

>>> claims = parse_claims({"claims": [{"metric": "gsv", "period": "2025Q3", "yoy": 0.16, "tolerance": 0.005}]})
>>> claims[0].kind, claims[0].describe()
('yoy', '+16.0% ±0.5pp')
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.backends.shared import sharing
from gigsight.errors import ConfigError, DataValidationError, Issue, did_you_mean
from gigsight.metrics.periods import Periods, grain_of_label
from gigsight.metrics.point import at_scale, value_and_growth
from gigsight.metrics.registry import REGISTRY, SEGMENTS

KINDS = ("value", "yoy", "qoq", "direction")
@dataclass(frozen=True)
class Claim:
    """One claim: ``metric`` in ``period`` (and ``segment``), ``kind`` = value | yoy | qoq | direction."""

    metric: str
    period: str
    kind: str
    expected: float | str
    tolerance: float = 0.0
    segment: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def describe(self) -> str:
        if self.kind == "value":
            return f"{float(self.expected):,.2f} ±{self.tolerance:.1%}"
        if self.kind in ("yoy", "qoq"):
            return f"{float(self.expected):+.1%} ±{self.tolerance * 100:.1f}pp"
        return f"{self.expected} year over year"


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    metric: str
    period: str
    segment: str
    kind: str
    expected: str
    measured: str
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_claims(raw: Any, source: str = "claims") -> list[Claim]:
    """Claims from parsed YAML; every problem is reported at once with the claim's index and field."""
    if not isinstance(raw, dict) or not isinstance(raw.get("claims"), list) or not raw["claims"]:
        raise ConfigError(f"{source}: expected a mapping with a non-empty 'claims' list")
    issues: list[Issue] = []
    out: list[Claim] = []

    def bad(i: int, fld: str | None, value: Any, msg: str) -> None:
        issues.append(Issue("claims", i, fld, None if value is None else str(value), "claim", msg, source=source))

    for i, c in enumerate(raw["claims"], start=1):
        if not isinstance(c, dict):
            bad(i, None, c, "a claim must be a mapping")
            continue
        metric, period = str(c.get("metric", "")), str(c.get("period", ""))
        if metric not in REGISTRY:
            bad(i, "metric", metric, did_you_mean(metric, REGISTRY, "metric"))
        try:
            Periods(grain_of_label(period)).parse(period)
        except ConfigError as exc:
            bad(i, "period", period, str(exc))
        kinds = [k for k in KINDS if k in c]
        if len(kinds) != 1:
            bad(i, None, None, f"give exactly one of {', '.join(KINDS)} (found {', '.join(kinds) or 'none'})")
            continue
        kind = kinds[0]
        expected = c[kind]
        if kind == "direction":
            if expected not in ("up", "down"):
                bad(i, "direction", expected, "direction must be 'up' or 'down'")
        elif not isinstance(expected, int | float) or isinstance(expected, bool):
            bad(i, kind, expected, "must be a number (write 717e+6, not 717e6: YAML reads that as text)")
        tol = c.get("tolerance", 0.0 if kind == "direction" else None)
        if tol is None or not isinstance(tol, int | float) or tol < 0:
            bad(i, "tolerance", tol, "needs a tolerance >= 0 (relative for values, fraction points for growth)")
        segment = c.get("segment") or {}
        if not isinstance(segment, dict):
            bad(i, "segment", segment, "segment must be a mapping like {ai: true}")
            segment = {}
        for s in segment:
            if s not in SEGMENTS:
                bad(i, "segment", s, did_you_mean(str(s), SEGMENTS, "segment"))
        out.append(Claim(metric, period, kind, expected, float(tol or 0.0),
                         {str(k): str(v).lower() for k, v in segment.items()}, str(c.get("text", ""))))
    if issues:
        raise DataValidationError(issues, source=source)
    return out


def load_claims(path: str | Path) -> list[Claim]:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{p}: cannot read claims: {exc}") from exc
    return parse_claims(raw, str(p))


def store_scale(con: Connection) -> float:
    """The scale a simulated store was generated at (``truth_targets.scale``), 1 for real data."""
    ib = ibis_of(con)
    if "truth_targets" not in ib.list_tables():
        return 1.0
    s = ib.table("truth_targets").scale.max().execute()
    return float(s) if s else 1.0


@sharing
def check_claims(claims: list[Claim], con: Connection, scale: float | str = "auto") -> list[ClaimResult]:
    """Measure every claim on the store ``con``."""
    factor = store_scale(con) if scale == "auto" else float(scale)
    out = []
    for c in claims:
        value, growth = value_and_growth(con, c.metric, c.period, c.segment, "qoq" if c.kind == "qoq" else "yoy")
        where = ", ".join(f"{k}={v}" for k, v in c.segment.items()) or "all"
        if c.kind == "value":
            want = at_scale(c.metric, float(c.expected), factor)
            ok = value is not None and want != 0 and abs(value / want - 1) <= c.tolerance
            shown = "n/a" if value is None else f"{value:,.2f}"
            expected = Claim(c.metric, c.period, "value", want, c.tolerance).describe()
        elif c.kind in ("yoy", "qoq"):
            ok = growth is not None and abs(growth - float(c.expected)) <= c.tolerance
            shown, expected = "n/a (no comparison period)" if growth is None else f"{growth:+.2%}", c.describe()
        else:
            ok = growth is not None and (growth > 0 if c.expected == "up" else growth < 0)
            shown, expected = "n/a (no comparison period)" if growth is None else f"{growth:+.2%}", c.describe()
        out.append(ClaimResult(c.text or f"{c.metric} {c.kind}", c.metric, c.period, where, c.kind, expected,
                               shown, bool(ok)))
    return out

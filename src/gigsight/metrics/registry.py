"""The metric registry: small frozen declarative objects, one per KPI.

A metric is either a *measure* (an aggregate over one grain's rows, grouped by period and segments)
or a *ratio* of two other metrics. Period-over-period is never a metric: it is ``compare=`` in
:func:`gigsight.compute`. Register your own the same way::

>>> from gigsight.metrics.registry import Metric, register, get
>>> m = register(Metric("big_payments", "Payments of $1,000 or more.", "count", "payments",
...                     measure=lambda t: (t.amount >= 1000).sum()))
>>> get("big_payments") is m
True
>>> from gigsight.metrics.registry import REGISTRY
>>> del REGISTRY["big_payments"]  # this example's metric does not stay behind for what runs next
>>> get("gvs")
Traceback (most recent call last):
...
gigsight.errors.ConfigError: unknown metric 'gvs'; did you mean 'gsv'? (known: ...)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gigsight.errors import ConfigError, did_you_mean

GRAINS = {
    "payments": "one row per payment, in the period it was paid",
    "new_clients": "one row per client, in the period of its first positive payment",
    "client_period": "one row per client and period end: trailing-window spend, active flag, tier",
    "retention": "clients active a year before the period end, with their spend then and now",
    "freelancer_period": "one row per freelancer and period end: trailing earnings, AI share",
    "jobs": "one row per job, in the period it was posted",
    "contracts": "one row per contract, in the period it started",
}
SEGMENTS = {
    "ai": "AI-related work or not (job label)",
    "category": "the job's work category",
    "country": "the client's country",
    "tier": "the client's trailing-12-month spend tier at the period end",
    "skill": "a skill the job asks for (enrich stage, else the job's own tags); a job counts under each of its "
             "skills, so skill rows do not add up to the total",
}
# a row counts under each of its values (a job asks for several skills): rows of these do not add up to the total
OVERLAPPING = frozenset({"skill"})
UNITS = ("usd", "count", "ratio", "days", "number")  # ratio: a fraction (shown as %); number: any other
BETTER = ("up", "down", "neither")  # which way a change is good news, for colouring growth
_ACRONYMS = {"gsv": "GSV", "ai": "AI", "ttm": "TTM"}


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    unit: str
    grain: str
    measure: Callable[[Any], Any] | None = None  # rows of the grain -> aggregate expression
    ratio: tuple[str, str] | None = None  # numerator metric, denominator metric
    segments: tuple[str, ...] = ()  # segments it can be broken down by
    point_in_time: bool = False  # a snapshot at the period end (never summed across periods)
    zero_when_empty: bool = False  # a period with no rows is 0, not missing
    label: str = ""  # the name in words for readers; derived from the name when empty (see title)
    better: str = "up"  # one of BETTER
    additive: bool = False  # a sum over payments: segments add up to the total (drivers split its change)
    scale_free: bool | None = None  # does not grow with the marketplace's size; None: derived (see free_of_scale)
    closing_window: str | int | None = None  # days (or the setting naming them) after the period end before it is known
    requires_segment: str | None = None  # a breakdown, meaningless without this segment
    defined_at: str = field(default="", compare=False)

    @property
    def free_of_scale(self) -> bool:
        """Whether the value stays the same when the marketplace doubles (ratios, shares, per-client figures,
        days): a simulated store at scale s reports these as they are, money and counts s times full size.

        >>> Metric("take_rate", "-", "ratio", "payments", ratio=("revenue", "gsv")).free_of_scale
        True
        """
        if self.scale_free is not None:
            return self.scale_free
        return self.ratio is not None or self.unit in ("ratio", "days", "number")

    @property
    def title(self) -> str:
        """The metric's name as a reader sees it.

        >>> Metric("gsv_per_active_client", "-", "usd", "client_period", ratio=("ttm_gsv", "active_clients")).title
        'GSV per active client'
        """
        if self.label:
            return self.label
        words = [_ACRONYMS.get(w, w) for w in self.name.split("_")]
        return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])

    def __post_init__(self) -> None:
        where = f"metric {self.name!r}" + (f" (defined at {self.defined_at})" if self.defined_at else "")
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise ConfigError(f"{where}: names are snake_case identifiers")
        if (self.measure is None) == (self.ratio is None):
            raise ConfigError(f"{where}: give exactly one of measure= or ratio=")
        if self.grain not in GRAINS:
            raise ConfigError(f"{where}: unknown grain {self.grain!r}; one of {', '.join(GRAINS)}")
        if self.unit not in UNITS:
            raise ConfigError(f"{where}: unknown unit {self.unit!r}; one of {', '.join(UNITS)}")
        if self.better not in BETTER:
            raise ConfigError(f"{where}: better={self.better!r}; one of {', '.join(BETTER)}")
        if self.requires_segment is not None and self.requires_segment not in self.segments:
            raise ConfigError(f"{where}: requires_segment={self.requires_segment!r} is not one of its segments")
        bad = [s for s in self.segments if s not in SEGMENTS]
        if bad:
            raise ConfigError(f"{where}: unknown segment(s) {', '.join(bad)}; known: {', '.join(SEGMENTS)}")


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric, *, replace: bool = False) -> Metric:
    """Add a metric to the registry (``replace=True`` to redefine one)."""
    if metric.name in REGISTRY and not replace:
        raise ConfigError(f"metric {metric.name!r} is already registered (pass replace=True to redefine it)")
    if not metric.defined_at:
        # the caller's frame only: inspect.stack() reads every frame's source and cost 0.6 s of each start-up
        caller = sys._getframe(1)
        metric = Metric(**{**metric.__dict__, "defined_at": f"{caller.f_code.co_filename}:{caller.f_lineno}"})
    if metric.ratio:
        for part in metric.ratio:
            get(part)
    REGISTRY[metric.name] = metric
    return metric


def get(name: str) -> Metric:
    if name not in REGISTRY:
        raise ConfigError(did_you_mean(name, REGISTRY, "metric"))
    return REGISTRY[name]


def measures_of(metric: Metric) -> list[Metric]:
    """The measure metrics a metric needs (itself, or a ratio's parts, recursively)."""
    if metric.ratio is None:
        return [metric]
    return [m for part in metric.ratio for m in measures_of(get(part))]

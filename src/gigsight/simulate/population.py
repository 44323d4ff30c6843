"""Clients and freelancers: who arrives when, how valuable they are and how long they stay.

Counts per month and segment follow the fitted plan (rounded cumulatively, so totals are exact at any
scale). Lifetimes and values are *stratified* draws (one quantile per client, randomly paired): the
generated population has the planned distribution without the sampling noise of independent draws,
which is what lets a small-scale run meet the same targets as a full-scale one.

>>> import numpy as np
>>> q = stratified(np.random.default_rng(1), 4)
>>> sorted((q * 4).astype(int).tolist())
[0, 1, 2, 3]
>>> round(float(normal_quantile(np.array([0.975]))[0]), 3)
1.96
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gigsight.errors import ConfigError, did_you_mean
from gigsight.simulate.calibrate import Fit, yearly_path

GOLDEN = (np.sqrt(5) - 1) / 2


def stratified(rng: np.random.Generator, n: int) -> np.ndarray:
    """n uniform draws, one in each interval [k/n, (k+1)/n), in random order."""
    out: np.ndarray = (rng.permutation(n) + rng.random(n)) / max(n, 1)
    return out


def group_ranks(rng: np.random.Generator, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A random rank 0..n-1 of each row within its group, and the group's size n."""
    n = len(group)
    order = np.lexsort((rng.random(n), group))
    g = group[order]
    first = np.searchsorted(g, g, side="left")
    rank, size = np.empty(n, np.int64), np.empty(n, np.int64)
    rank[order] = np.arange(n) - first
    size[order] = np.searchsorted(g, g, side="right") - first
    return rank, size


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, absolute error < 1.5e-7)."""
    z = np.abs(x) / np.sqrt(2)
    t = 1 / (1 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1 - poly * np.exp(-z * z)
    out: np.ndarray = 0.5 * (1 + np.sign(x) * erf)
    return out


def lognormal_stratum_mean(rank: np.ndarray, size: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Mean of exp(spread * Z) over the quantile stratum [rank/size, (rank+1)/size) of Z ~ N(0, 1):
    a group's values then sum to exactly size x the distribution's mean."""
    lo = normal_quantile(rank / size)
    hi = normal_quantile((rank + 1) / size)
    lo = np.where(rank == 0, -np.inf, lo)
    hi = np.where(rank + 1 == size, np.inf, hi)
    mass = normal_cdf(hi - spread) - normal_cdf(lo - spread)
    out: np.ndarray = np.exp(spread**2 / 2) * mass * size
    return out


def normal_quantile(p: np.ndarray) -> np.ndarray:
    """Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9)."""
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
         4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    x = np.empty_like(p)
    lo, hi = p < 0.02425, p > 1 - 0.02425
    mid = ~(lo | hi)
    q = p[mid] - 0.5
    r = q * q
    x[mid] = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
              / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1))
    for mask, sign, pp in ((lo, 1.0, p[lo]), (hi, -1.0, 1 - p[hi])):
        q = np.sqrt(-2 * np.log(pp))
        x[mask] = sign * ((((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1))
    return x


def rounded_counts(expected: np.ndarray) -> np.ndarray:
    """Integer counts whose running total never drifts more than 0.5 from the expected running total."""
    out: np.ndarray = np.diff(np.floor(np.cumsum(expected) + 0.5), prepend=0).astype(np.int64)
    return out


def choose(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """n draws from a categorical distribution."""
    cdf = np.cumsum(weights / weights.sum())
    out: np.ndarray = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(weights) - 1)
    return out


@dataclass
class Clients:
    """One row per client who pays at least once inside the records (index = position)."""

    month: np.ndarray       # acquisition month index on the timeline
    day: np.ndarray         # day of month of the first contract start
    lifetime: np.ndarray    # months alive, >= 1
    segment: np.ndarray     # index into Fit.segments
    value: np.ndarray       # median-level monthly spend before the spend level and seasonality
    country: np.ndarray     # index into the country list
    channel: np.ndarray     # index into the channel list

    def __len__(self) -> int:
        return len(self.month)


def make_clients(fit: Fit, scale: float, rng: np.random.Generator) -> Clients:
    b = fit.scenario.behaviour
    segs = [b["segments"][k] for k in fit.segments]
    months, segments = [], []
    for si in range(len(segs)):
        counts = rounded_counts(fit.acquisitions * fit.mix[:, si] * scale)
        months.append(np.repeat(np.arange(fit.time.n), counts))
        segments.append(np.full(int(counts.sum()), si))
    month, segment = np.concatenate(months), np.concatenate(segments)
    # Within each (acquisition quarter, segment) cohort, values are the exact means of the value
    # distribution's quantile strata, and lifetimes are quantiles spread evenly over the value ranks
    # (a Kronecker sequence with a random start): every cohort has the planned value and lifetime
    # distributions, and the clients who survive to any age are a fair spread of values, so cohort and
    # quarterly figures are not at the mercy of which few large clients happened to churn.
    rank, size = group_ranks(rng, (month // 3) * len(segs) + segment)
    spend = np.array([x["monthly_spend"] for x in segs])[segment]
    spread = np.array([x["spread"] for x in segs])[segment]
    churn = np.array([x["churn"] for x in segs])[segment]
    value = spend * lognormal_stratum_mean(rank, size, spread)
    u = (rank * GOLDEN + rng.random(len(rank))[(month // 3) * len(segs) + segment]) % 1.0
    lifetime = 1 + np.floor(np.log1p(-u) / np.log1p(-churn)).astype(np.int64)
    keep = month + lifetime - 1 >= fit.time.first    # paid at least once inside the records
    month, segment, lifetime, value = month[keep], segment[keep], lifetime[keep], value[keep]
    order = np.lexsort((rng.random(len(month)), month))   # ids in order of arrival, segments mixed
    month, segment, lifetime, value = month[order], segment[order], lifetime[order], value[order]
    n = len(month)
    days = fit.time.days()[month]
    countries = b["client_countries"]
    channels = b["channels"]
    years, frac = fit.time.year[month], fit.time.moy[month] / 12
    shares = np.stack([yearly_path(channels[c], years, frac) for c in channels], axis=1)
    shares[:, -1] *= np.where(segment >= len(segs) - 2, 4.0, 1.0)   # larger clients come through sales
    cdf = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    channel = (rng.random(n)[:, None] > cdf).sum(axis=1)
    return Clients(month, np.minimum(rng.integers(0, 28, n), days - 1), lifetime, segment, value,
                   choose(rng, np.array(list(countries.values()), float), n), np.minimum(channel, len(channels) - 1))


@dataclass
class Freelancers:
    """The freelancer pool, ordered by signup month; AI specialists and the rest are drawn from separately."""

    month: np.ndarray
    day: np.ndarray
    ai: np.ndarray
    country: np.ndarray
    rate: np.ndarray
    home: np.ndarray        # category index (ordinary) or AI kind index (specialists) of their profile
    by_month: dict[bool, np.ndarray]   # cumulative count of each group signed up by the end of each month
    members: dict[bool, np.ndarray]    # indices of each group, in signup order

    def __len__(self) -> int:
        return len(self.month)

    def pick(self, rng: np.random.Generator, ai: np.ndarray, month: np.ndarray) -> np.ndarray:
        """A freelancer of the right group signed up by ``month``; earlier signups win more work."""
        out = np.empty(len(ai), np.int64)
        for group in (False, True):
            m = ai == group
            avail = np.maximum(self.by_month[group][month[m]], 1)
            k = np.minimum((avail * rng.random(int(m.sum())) ** 1.3).astype(np.int64), avail - 1)
            out[m] = self.members[group][np.minimum(k, len(self.members[group]) - 1)]
        return out


def _supply_weights(raw: Any, kinds: list[str], source: str) -> dict[str, float]:
    where = f"scenario {source}: field 'behaviour.freelancer_supply'"
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must map a category or AI kind to a weight, got {raw!r}")
    for name, w in raw.items():
        if name not in kinds:
            raise ConfigError(f"{where}: {did_you_mean(str(name), kinds, 'category or AI kind')}")
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 < w <= 100:
            raise ConfigError(f"{where}.{name} must be a weight in (0, 100], got {w!r}")
    return {str(k): float(v) for k, v in raw.items()}


def make_freelancers(fit: Fit, clients: Clients, kinds: list[str], n_kinds: int,
                     rng: np.random.Generator) -> Freelancers:
    """The freelancer pool; ``kinds`` names the grammar's AI kinds (the first ``n_kinds``) and categories, and
    ``behaviour.freelancer_supply`` may weight how many freelancers call each one home (default 1 each), which
    plants scarcity: a category with weight 0.2 has a fifth of the freelancers of the others."""
    b = fit.scenario.behaviour
    n_categories = len(kinds) - n_kinds
    n = max(round(len(clients) * b["freelancers_per_client"]), 20)
    weights = fit.acquisitions.copy()
    weights[: fit.time.first] *= 0.5                    # a pool already existed before the records
    month = np.sort(choose(rng, weights, n))
    month[:10] = 0                                      # both groups exist from the first month
    years, frac = fit.time.year[month], fit.time.moy[month] / 12
    ai = rng.random(n) < yearly_path(b["ai_freelancer_share"], years, frac)
    ai[:5], ai[5:10] = True, False
    country = choose(rng, np.array(list(b["freelancer_countries"].values()), float), n)
    names = list(b["freelancer_countries"])
    high = np.isin(np.array(names)[country], ["US", "GB", "CA", "AU", "DE", "FR", "NL"])
    rate = np.round(np.where(high, 45.0, 18.0) * np.exp(0.45 * rng.standard_normal(n)) * np.where(ai, 1.3, 1.0), 0)
    # the grammar lists the AI kinds first, then the categories: an ordinary freelancer's home is a category
    supply = _supply_weights(b.get("freelancer_supply"), kinds, fit.scenario.source)
    if supply:
        w = np.array([float(supply.get(k, 1.0)) for k in kinds])
        home = np.where(ai, choose(rng, w[:n_kinds], n), n_kinds + choose(rng, w[n_kinds:], n))
    else:  # the draw every existing scenario was calibrated with
        home = np.where(ai, rng.integers(0, n_kinds, n), n_kinds + rng.integers(0, n_categories, n))
    days = fit.time.days()[month]
    by_month, members = {}, {}
    for group in (False, True):
        g = ai == group
        members[group] = np.flatnonzero(g)
        by_month[group] = np.searchsorted(month[g], np.arange(fit.time.n), side="right")
    return Freelancers(month, rng.integers(0, 28, n) % days, ai, country, np.maximum(rate, 5.0), home,
                       by_month, members)


__all__ = ["Clients", "Freelancers", "choose", "make_clients", "make_freelancers", "normal_quantile",
           "rounded_counts", "stratified"]

"""Fit the scenario's behaviour to its planned path with an expected-value (fluid) model of the generator.

The generator is a month-by-month process: clients arrive (volume ``A`` per month, value mix tilted by
``tau`` towards larger segments), live for a geometric number of months (churn hazard per segment), spend
every month they live (median spend per segment x a spend level ``S`` x seasonality), and start contracts
(jobs) as they arrive and renew; a share ``alpha`` of new jobs is AI-related. The fluid model computes the
expected KPIs of that process in closed form, and the four knobs (one value per plan year, interpolated
between the anchor periods) are solved so that the expected records follow the plan. The figures the
tests and the demo report are then measured by the KPI engine on the generated records.

>>> from gigsight.simulate.scenario import load_scenario
>>> fit = fit_plan(load_scenario("seed-q3"))
>>> round(fit.expected_gsv(2025) / 1e6, 1)
717.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gigsight.errors import ConfigError
from gigsight.simulate.scenario import Scenario

ITERATIONS = 400


def yearly_path(values: dict[Any, float], years: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Linear interpolation of a {year: value} mapping over months (value at mid-year, flat outside)."""
    ks = sorted(int(k) for k in values)
    out: np.ndarray = np.interp(years + frac, [k + 0.5 for k in ks], [float(values[k]) for k in ks])
    return out


@dataclass
class Timeline:
    """Months from the burn-in start to the scenario end; index ``first`` is the first month with records."""

    year0: int
    month0: int          # 1-based month of index 0
    n: int
    first: int

    @classmethod
    def of(cls, s: Scenario) -> Timeline:
        y, m = int(s.start[:4]), int(s.start[5:])
        ye, me = int(s.end[:4]), int(s.end[5:])
        abs0 = y * 12 + m - 1 - s.burn_in_months
        return cls(abs0 // 12, abs0 % 12 + 1, ye * 12 + me - 1 - abs0 + 1, s.burn_in_months)

    @property
    def absolute(self) -> np.ndarray:
        return np.arange(self.n) + self.year0 * 12 + self.month0 - 1

    @property
    def year(self) -> np.ndarray:
        return self.absolute // 12

    @property
    def moy(self) -> np.ndarray:
        """Month of year, 0-based."""
        return self.absolute % 12

    def index(self, year: int, moy: int) -> int:
        return year * 12 + moy - (self.year0 * 12 + self.month0 - 1)

    def month_starts(self) -> np.ndarray:
        """Each month's first day as numpy datetime64[D]."""
        return (np.datetime64("1970-01", "M") + (self.absolute - 1970 * 12)).astype("datetime64[D]")

    def days(self) -> np.ndarray:
        starts = self.month_starts()
        days: np.ndarray = ((starts.astype("datetime64[M]") + 1).astype("datetime64[D]") - starts).astype(np.int64)
        return days


@dataclass
class Fit:
    """The solved monthly paths (scale 1) and the model's expectations."""

    scenario: Scenario
    time: Timeline
    acquisitions: np.ndarray    # new clients per month
    mix: np.ndarray             # [month, segment] shares of new clients
    spend_level: np.ndarray     # multiplier on every client's spend
    ai_share: np.ndarray        # share of new jobs that are AI-related
    segments: list[str] = field(default_factory=list)
    expected: dict[str, np.ndarray] = field(default_factory=dict)

    def period_months(self, year: int) -> list[int]:
        if self.scenario.anchor == "year":
            return [self.time.index(year, m) for m in range(12)]
        q = int(self.scenario.anchor[1])
        return [self.time.index(year, 3 * (q - 1) + m) for m in range(3)]

    def expected_gsv(self, year: int) -> float:
        return float(self.expected["gsv"][self.period_months(year)].sum())


class _Model:
    """The fluid model of one scenario: everything that does not depend on the knobs is computed once."""

    def __init__(self, s: Scenario) -> None:
        b = s.behaviour
        self.s, self.t = s, Timeline.of(s)
        t = self.t
        self.segs = list(b["segments"])
        seg = [b["segments"][k] for k in self.segs]
        self.base = np.array([x["share"] for x in seg], float)
        self.rank = np.arange(len(seg), dtype=float)
        self.hazard = np.array([x["churn"] for x in seg], float)
        self.mean_value = np.array([x["monthly_spend"] * np.exp(x["spread"] ** 2 / 2) for x in seg])
        self.slots = np.array([x["slots"] for x in seg], float)
        k = np.arange(t.n)
        self.surv = (1 - self.hazard[None, :]) ** k[:, None]               # [age, segment]
        frac = t.moy / 12
        self.season = np.asarray(b["seasonality"], float)[t.moy]
        cf = yearly_path(b["fees"]["client"], t.year, frac)
        self.gsv_factor = 1 + cf - b["refund"]["probability"] * b["refund"]["fraction"]
        self.renew = b["renewal"] * self.season
        self.jobs_per_start = 1 + b["unfilled_jobs_per_contract"]
        emitted = np.zeros(t.n, bool)
        emitted[t.first:] = True
        self.emitted = emitted
        lo = np.maximum(np.arange(t.n) - 11, t.first)
        ages = lo[:, None] - np.arange(t.n)[None, :]                       # [end month, cohort]
        self.active_age = np.where(ages > 0, ages, 0)
        self.active_ok = np.arange(t.n)[None, :] <= np.arange(t.n)[:, None]

    def knots(self, values: np.ndarray) -> np.ndarray:
        s, t = self.s, self.t
        centre = 6 if s.anchor == "year" else 3 * (int(s.anchor[1]) - 1) + 1
        xs = [t.index(y, centre) for y in s.years]
        out: np.ndarray = np.interp(np.arange(t.n), xs, values)
        return out

    def run(self, a: np.ndarray, sp: np.ndarray, tau: np.ndarray, al: np.ndarray) -> dict[str, np.ndarray]:
        A, S, T, AL = self.knots(a), self.knots(sp), self.knots(tau), self.knots(al)
        w = self.base[None, :] * np.exp(T[:, None] * self.rank[None, :])
        w /= w.sum(axis=1, keepdims=True)
        new = A[:, None] * w                                                # [month, segment]
        n = self.t.n
        alive = np.zeros_like(new)
        for si in range(new.shape[1]):
            alive[:, si] = np.convolve(new[:, si], self.surv[:, si])[:n]
        active = np.zeros(n)
        for si in range(new.shape[1]):
            contrib = new[None, :, si] * self.surv[self.active_age, si] * self.active_ok
            active += contrib.sum(axis=1)
        spend = S * self.season * (alive * self.mean_value[None, :]).sum(axis=1)
        gsv = np.where(self.emitted, spend * self.gsv_factor, 0.0)
        per_month = S * self.season * self.gsv_factor
        window = np.zeros(n)
        for k, weight in enumerate((1.0, 1.0, 1.0, 0.5)):   # ~90 days from a first payment mid-month
            pm = np.concatenate([per_month[k:], np.repeat(per_month[-1], k)])
            window += weight * (new * self.surv[k][None, :] * self.mean_value[None, :]).sum(axis=1) * pm
        starts = ((new + self.renew[:, None] * (alive - new)) * self.slots[None, :]).sum(axis=1)
        jobs = np.where(self.emitted, starts * self.jobs_per_start, 0.0)
        return {"new": new, "alive": alive, "active": active, "gsv": gsv, "window": window,
                "new_total": new.sum(axis=1), "jobs": jobs, "ai_jobs": jobs * AL, "mix": w,
                "A": A, "S": S, "alpha": AL}


def fit_plan(s: Scenario) -> Fit:
    """Solve acquisition volume, spend level, value mix and AI share per plan year (see module docstring)."""
    m = _Model(s)
    years = s.years
    plan = s.plan
    fit = Fit(s, m.t, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), m.segs)
    a = np.array([plan["active_clients"][y] / 12 for y in years], float)
    sp = np.ones(len(years))
    tau = np.zeros(len(years))
    al = np.full(len(years), float(plan["ai_job_share"]))
    months = {y: fit.period_months(y) for y in years}
    for _ in range(ITERATIONS):
        e = m.run(a, sp, tau, al)
        worst = 0.0
        for i, y in enumerate(years):
            ms, end = months[y], months[y][-1]
            r_act = plan["active_clients"][y] / e["active"][end]
            r_gsv = plan["gsv"][y] / e["gsv"][ms].sum()
            a[i] *= r_act
            sp[i] *= r_gsv
            if i == 0:
                r_ai = plan["ai_job_share"] / (e["ai_jobs"][ms].sum() / e["jobs"][ms].sum())
                r_nv = 1.0
            else:
                prev = months[years[i - 1]]
                nv = e["window"][ms].sum() / e["new_total"][ms].sum()
                nv_prev = e["window"][prev].sum() / e["new_total"][prev].sum()
                r_nv = (1 + plan["new_client_value_growth"][y]) * nv_prev / nv
                tau[i] += 0.5 * np.log(r_nv)
                r_ai = (1 + plan["ai_jobs_growth"][y]) * e["ai_jobs"][prev].sum() / e["ai_jobs"][ms].sum()
            al[i] *= r_ai
            worst = max(worst, *(abs(np.log(r)) for r in (r_act, r_gsv, r_nv, r_ai)))
        if worst < 1e-9:
            break
    if worst > 1e-4 or (al >= 0.95).any() or (a <= 0).any():
        raise ConfigError(f"scenario {s.name}: its plan cannot be reached by the generator's behaviour "
                          f"(largest remaining error {worst:.2%}); make the yearly changes less extreme")
    e = m.run(a, sp, tau, al)
    fit.acquisitions, fit.mix, fit.spend_level, fit.ai_share = e["A"], e["mix"], e["S"], e["alpha"]
    fit.expected = e
    return fit


__all__ = ["Fit", "Timeline", "fit_plan", "yearly_path"]

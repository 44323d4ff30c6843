"""Supply against demand per skill, and skill co-occurrence, over the trailing twelve months ending with a period.

Per skill: jobs posted, active freelancers who list it (earnings in the window and the skill on their normalised
profile), jobs per active freelancer, the median hourly rate of contracts on its jobs and the premium over the median
of all hourly contracts. Co-occurrence: how often two skills are asked in the same job, with lift =
P(a and b) / (P(a) P(b)) over the window's jobs with skills.

>>> import tempfile, gigsight
>>> store = gigsight.connect(tempfile.mkdtemp() + "/d.duckdb")
>>> _ = gigsight.simulate(store, "steady", scale=0.002, validate=False)
>>> _ = gigsight.enrich(store)
>>> s = supply(store, "quarter", "2025Q3")
>>> list(s.columns[:6]), bool(s.jobs.is_monotonic_decreasing)
(['window', 'skill_id', 'skill', 'is_ai', 'category', 'jobs'], True)
>>> bool((cooccurrence(store, "quarter", "2025Q3").lift > 0).all())
True
>>> store.close()
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import ibis
import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.errors import ConfigError
from gigsight.metrics.periods import Periods

NEEDS = ("job_skills", "skills")


def window(period: str, at: str) -> tuple[datetime, datetime]:
    """[start, end) of the twelve months ending with period ``at``.

    >>> [f"{d:%Y-%m-%d}" for d in window("quarter", "2025Q3")]
    ['2024-10-01', '2025-10-01']
    """
    p = Periods(period)
    end = p.end_month(p.parse(at)) + 1
    start = end - 12
    return (datetime(start // 12, start % 12 + 1, 1, tzinfo=UTC), datetime(end // 12, end % 12 + 1, 1, tzinfo=UTC))


def _tables(con: Connection) -> Any:
    ib = ibis_of(con)
    missing = [t for t in NEEDS if t not in ib.list_tables()]
    if missing:
        raise ConfigError(f"no {', '.join(missing)} table: run `gigsight enrich` first")
    return ib


def _window_jobs(ib: Any, start: datetime, end: datetime) -> Any:
    j = ib.table("jobs")
    j = j.filter((j.posted_at >= ibis.literal(start)) & (j.posted_at < ibis.literal(end))).select("job_id")
    js = ib.table("job_skills")
    return js.join(j, "job_id").select("job_id", "skill_id").distinct()


def supply(con: Connection, period: str, at: str) -> pd.DataFrame:
    """Per skill: jobs, active freelancers with it, jobs per freelancer, median hourly rate and rate premium."""
    ib = _tables(con)
    start, end = window(period, at)
    lo, hi = ibis.literal(start), ibis.literal(end)
    jsw = _window_jobs(ib, start, end)
    demand = jsw.group_by("skill_id").aggregate(jobs=jsw.job_id.nunique())
    p = ib.table("payments")
    earners = p.filter((p.paid_at >= lo) & (p.paid_at < hi) & (p.amount > 0)).select("freelancer_id").distinct()
    if "freelancer_canonical_skills" in ib.list_tables():
        fs = ib.table("freelancer_canonical_skills")
        active = fs.join(earners, "freelancer_id")
        sup = active.group_by("skill_id").aggregate(active_freelancers=active.freelancer_id.nunique())
    else:
        sup = None
    c = ib.table("contracts")
    hourly = c.filter((c.contract_type == "hourly") & (c.started_at >= lo) & (c.started_at < hi) & c.rate.notnull())
    rates = hourly.join(jsw, "job_id")
    by_skill = rates.group_by("skill_id").aggregate(median_rate=rates.rate.cast("float64").median(),
                                                    hourly_contracts=rates.count())
    overall = hourly.aggregate(m=hourly.rate.cast("float64").median()).to_pandas()
    market = float(overall.m.iloc[0]) if len(overall) and pd.notna(overall.m.iloc[0]) else None
    sk = ib.table("skills").select("skill_id", skill="name", is_ai="is_ai", category="category")
    out = demand.join(sk, "skill_id").left_join(by_skill, "skill_id").select(
        "skill_id", "skill", "is_ai", "category", "jobs", "median_rate", "hourly_contracts")
    df = out.to_pandas()
    if sup is not None:
        df = df.merge(sup.to_pandas(), on="skill_id", how="left")
        df["active_freelancers"] = df.active_freelancers.fillna(0).astype(int)
        df["jobs_per_freelancer"] = df.jobs / df.active_freelancers.where(df.active_freelancers > 0)
    else:
        df["active_freelancers"], df["jobs_per_freelancer"] = None, None
    df["rate_premium"] = df.median_rate / market - 1 if market else None
    last = end.year * 12 + end.month - 2  # the window's last month
    df.insert(0, "window", f"{start:%Y-%m}..{last // 12}-{last % 12 + 1:02d}")
    return df.sort_values("jobs", ascending=False).reset_index(drop=True)


def cooccurrence(con: Connection, period: str, at: str, min_together: int = 5, top: int | None = None) -> pd.DataFrame:
    """Pairs of skills asked together in the window's jobs: jobs_together, lift, share of each skill's jobs."""
    ib = _tables(con)
    start, end = window(period, at)
    jsw = _window_jobs(ib, start, end)
    a, b = jsw.view(), jsw.view()
    pairs = a.join(b, (a.job_id == b.job_id) & (a.skill_id < b.skill_id)).select(
        skill_a=a.skill_id, skill_b=b.skill_id)
    together = pairs.group_by(["skill_a", "skill_b"]).aggregate(jobs_together=pairs.count())
    together = together.filter(together.jobs_together >= min_together)
    per = jsw.group_by("skill_id").aggregate(jobs=jsw.count()).to_pandas().set_index("skill_id").jobs
    n_jobs = int(jsw.select("job_id").distinct().count().execute())
    names = ib.table("skills").select("skill_id", "name").to_pandas().set_index("skill_id").name
    df = together.to_pandas()
    if df.empty or n_jobs == 0:
        return pd.DataFrame(columns=["skill_a", "skill_b", "jobs_together", "lift", "share_of_a", "share_of_b"])
    na, nb = df.skill_a.map(per), df.skill_b.map(per)
    df["lift"] = df.jobs_together * n_jobs / (na * nb)
    df["share_of_a"], df["share_of_b"] = df.jobs_together / na, df.jobs_together / nb
    df["skill_a"], df["skill_b"] = df.skill_a.map(names), df.skill_b.map(names)
    df = df.sort_values(["jobs_together", "lift"], ascending=False).reset_index(drop=True)
    return df.head(top) if top else df

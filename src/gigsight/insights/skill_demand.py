"""Skill demand: top and growing skills per period with confidence intervals, emerging and declining skills,
co-occurrence, and supply against demand. Every count comes from the KPI engine (``compute(..., by="skill")``) or
from small Ibis queries, so the numbers are the same on DuckDB, Postgres and Spark.

Statistics (no scipy needed):
- Growth of a count (jobs posted, contracts) between two periods is a Poisson rate ratio; its 95% interval is the
  Wald interval on the log scale, exp(log(a/b) +- 1.96 sqrt(1/a + 1/b)) - 1. Growth is null below ``min_jobs`` in
  either period (the minimum-volume guard), never a wild +400% on 2 -> 10 jobs.
- Emerging and declining: a skill's share of all jobs in the last ``window`` months against the ``baseline`` months
  before, tested as a log ratio of two binomial shares (z test), with the Benjamini-Hochberg procedure controlling
  the false discovery rate across skills (``fdr``), and a minimum effect (``min_ratio``, the same on both sides: a
  share up by a quarter or down to four fifths). Shares, not counts, so a growing marketplace does not make every
  skill "emerging"; a shrinking one does not make every skill "declining". Rows come emerging first (strongest
  rise first), then declining (steepest fall first), then steady; :func:`movers` keeps the top of each.

>>> import pandas as pd
>>> rows = [("a", m, 20 if m < 12 else 60) for m in range(18)] + [("b", m, 100 if m < 12 else 50) for m in range(18)]
>>> rows += [("c", m, 1000) for m in range(18)]
>>> out = detect(pd.DataFrame(rows, columns=["skill", "month", "jobs"]), window=6, baseline=12)
>>> out.set_index("skill").trend.to_dict()  # risers first, then fallers
{'a': 'emerging', 'b': 'declining', 'c': 'steady'}
"""
from __future__ import annotations

import contextlib
import math

import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.backends.shared import sharing
from gigsight.errors import ConfigError
from gigsight.metrics.compute import compute
from gigsight.metrics.periods import Periods

Z95 = 1.959963984540054


def _z_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def rate_ratio_ci(a: float, b: float, z: float = Z95) -> tuple[float | None, float | None, float | None]:
    """Growth a/b - 1 of two counts with its Wald interval on the log scale; (None,)*3 when either is 0.

    >>> g, lo, hi = rate_ratio_ci(135, 100)
    >>> round(g, 2), round(lo, 2), round(hi, 2)
    (0.35, 0.04, 0.75)
    """
    if a <= 0 or b <= 0:
        return None, None, None
    r, se = math.log(a / b), math.sqrt(1 / a + 1 / b)
    return a / b - 1, math.exp(r - z * se) - 1, math.exp(r + z * se) - 1


@sharing
def trends(con: Connection, period: str = "quarter", at: str | None = None, min_jobs: int = 20,
           ai_only: bool = False, top: int | None = None) -> pd.DataFrame:
    """Skills ranked by jobs posted in period ``at`` (default: the last complete one), with YoY growth and its 95% CI.

    Columns: period, skill, is_ai, category, jobs_posted, jobs_posted_prev, jobs_yoy, jobs_yoy_low, jobs_yoy_high,
    growth_significant, contracts_started, gsv, gsv_yoy, fill_rate, guard ("ok" or why growth is null), rank.

    >>> import tempfile, gigsight
    >>> store = gigsight.connect(tempfile.mkdtemp() + "/d.duckdb")
    >>> _ = gigsight.simulate(store, "steady", scale=0.002, validate=False)
    >>> _ = gigsight.enrich(store)
    >>> t = trends(store, at="2025Q3", min_jobs=5)
    >>> r = t.iloc[0]
    >>> r["rank"], r.jobs_yoy_low < r.jobs_yoy < r.jobs_yoy_high
    (1, True)
    >>> set(emerging(store, min_jobs=5).trend) <= {"emerging", "declining", "steady"}
    True
    >>> store.close()
    """
    periods = Periods(period)
    at = at or last_complete_period(con, period)
    prev = periods.label(periods.parse(at) - periods.offset("yoy"))
    measures = ["jobs_posted", "contracts_started", "gsv", "fill_rate"]
    # only the two periods compared are fanned out by skill, not the year between them or the whole history
    frames = [compute(measures, period=period, by="skill", con=con, start=at, end=at)]
    with contextlib.suppress(ConfigError):  # the year before is not in the data: growth is null below
        frames.append(compute(measures, period=period, by="skill", con=con, start=prev, end=prev))
    df = pd.concat(frames, ignore_index=True)
    if df.empty:
        raise ConfigError(f"no skills to rank in {at}: run `gigsight enrich` (or load jobs with skill tags) first")
    now, before = df[df.period == at].set_index("skill"), df[df.period == prev].set_index("skill")
    out = pd.DataFrame({"period": at, "skill": now.index})
    num = {c: pd.to_numeric(now[c], errors="coerce").to_numpy() for c in ("jobs_posted", "contracts_started", "gsv",
                                                                         "fill_rate")}
    for c in ("jobs_posted", "contracts_started"):  # a skill with payments but no new job in the period: 0 jobs
        num[c] = pd.Series(num[c]).fillna(0).to_numpy()
    prev_jobs = pd.to_numeric(before["jobs_posted"], errors="coerce").reindex(now.index).fillna(0).to_numpy()
    prev_gsv = pd.to_numeric(before["gsv"], errors="coerce").reindex(now.index).to_numpy()
    out["jobs_posted"], out["jobs_posted_prev"] = num["jobs_posted"].astype(int), prev_jobs.astype(int)
    _add_growth(out, min_jobs, f"fewer than {min_jobs} jobs in {at} or {prev}")
    out["contracts_started"] = num["contracts_started"].astype(int)
    out["gsv"] = num["gsv"]
    out["gsv_yoy"] = [g / p - 1 if p and p > 0 and not math.isnan(p) else None for g, p in zip(num["gsv"], prev_gsv,
                                                                                               strict=True)]
    out["fill_rate"] = num["fill_rate"]
    meta = skill_meta(con)
    out = out.merge(meta, on="skill", how="left")
    out["is_ai"] = out.is_ai.fillna(False).astype(bool)
    if ai_only:
        out = out[out.is_ai]
    out = out.sort_values(["jobs_posted", "gsv"], ascending=False).reset_index(drop=True)
    out["rank"] = range(1, len(out) + 1)
    cols = ["period", "rank", "skill", "is_ai", "category", "jobs_posted", "jobs_posted_prev", "jobs_yoy",
            "jobs_yoy_low", "jobs_yoy_high", "growth_significant", "contracts_started", "gsv", "gsv_yoy",
            "fill_rate", "guard"]
    return nulls_to_none(out[cols].head(top) if top else out[cols])


def _add_growth(out: pd.DataFrame, min_jobs: int, too_few: str) -> None:
    """Jobs' YoY growth with its 95% interval where both periods have ``min_jobs`` jobs, else null and why."""
    cis = [rate_ratio_ci(a, b) if min(a, b) >= min_jobs else (None, None, None)
           for a, b in zip(out.jobs_posted, out.jobs_posted_prev, strict=True)]
    out["jobs_yoy"] = [c[0] for c in cis]
    out["jobs_yoy_low"] = [c[1] for c in cis]
    out["jobs_yoy_high"] = [c[2] for c in cis]
    out["growth_significant"] = [c[1] is not None and (c[1] > 0 or (c[2] or 0) < 0) for c in cis]
    out["guard"] = ["ok" if c[0] is not None else too_few for c in cis]


def shrunk_growth(now: pd.Series, prev: pd.Series) -> pd.Series:
    """Each skill's jobs growth (now / prev - 1) with its noise shrunk away: the log rate ratio pulled towards all
    skills' pooled growth by the share of its variance that is sampling noise (a normal-normal empirical Bayes
    estimate; between-skill variance by the method of moments). A big skill keeps its own growth, a small one's
    lucky jump counts for less, and neither ranks high for its size alone. Counts must be positive.

    >>> g = shrunk_growth(pd.Series([1000, 20, 1000]), pd.Series([500, 10, 1000]))
    >>> [round(x, 2) for x in g]  # both doubled; the 20-job skill's doubling is mostly noise
    [0.97, 0.55, 0.01]
    """
    a, b = now.astype(float).to_numpy(), prev.astype(float).to_numpy()
    log_ratio = pd.Series([math.log(x / y) for x, y in zip(a, b, strict=True)], index=now.index)
    noise = pd.Series(1 / a + 1 / b, index=now.index)
    pooled = math.log(a.sum() / b.sum())
    between = max(float(((log_ratio - pooled) ** 2).mean() - noise.mean()), 0.0)
    weight = between / (between + noise)  # 0 when every difference is noise: all take the pooled growth
    return ((pooled + (log_ratio - pooled) * weight).map(math.exp) - 1).rename("growth")


def skill_meta(con: Connection) -> pd.DataFrame:
    """skill name -> is_ai, category (from the enrich stage's skills table; empty when it has not run)."""
    ib = ibis_of(con)
    if "skills" not in ib.list_tables():
        return pd.DataFrame({"skill": pd.Series(dtype=str), "is_ai": pd.Series(dtype=bool),
                             "category": pd.Series(dtype=str)})
    t = ib.table("skills")
    return t.select(skill=t.name, is_ai=t.is_ai, category=t.category).to_pandas()


def _last_complete(df: pd.DataFrame, period: str) -> str:
    """The last period in the data, unless it is the period of the data's last date and so probably partial."""
    labels = sorted(str(p) for p in set(df.period))
    return labels[-2] if len(labels) > 1 else labels[-1]


def last_complete_period(con: Connection, period: str = "quarter") -> str:
    """The default period to analyse: the last one with jobs before the (probably partial) latest."""
    return _last_complete(compute("jobs_posted", period=period, con=con), period)


def detect(monthly: pd.DataFrame, window: int = 6, baseline: int = 12, min_jobs: int = 20, fdr: float = 0.05,
           min_ratio: float = 1.25) -> pd.DataFrame:
    """Emerging and declining skills from monthly counts (columns skill, month (int), jobs); see the module doc."""
    last = int(monthly.month.max())
    recent = monthly[monthly.month > last - window].groupby("skill").jobs.sum()
    base = monthly[(monthly.month <= last - window) & (monthly.month > last - window - baseline)].groupby(
        "skill").jobs.sum()
    df = pd.DataFrame({"recent": recent, "base": base}).fillna(0)
    n_r, n_b = df.recent.sum(), df.base.sum()
    df = df[(df.recent + df.base) >= min_jobs].copy()
    if df.empty or n_r == 0 or n_b == 0:
        return pd.DataFrame(columns=["skill", "recent_jobs", "baseline_jobs", "share_ratio", "z", "q", "trend"])
    a, b = df.recent.clip(lower=0.5), df.base.clip(lower=0.5)  # a continuity floor keeps 0 counts finite
    ratio = (a / n_r) / (b / n_b)
    se = (1 / a - 1 / n_r + 1 / b - 1 / n_b).clip(lower=1e-12) ** 0.5
    z = ratio.map(math.log) / se
    p = z.abs().map(lambda v: 2 * (1 - _z_cdf(v)))
    q = _bh(p)
    trend = ["emerging" if qq <= fdr and r >= min_ratio else "declining" if qq <= fdr and r <= 1 / min_ratio
             else "steady" for qq, r in zip(q, ratio, strict=True)]
    out = pd.DataFrame({"skill": df.index, "recent_jobs": df.recent.astype(int).to_numpy(),
                        "baseline_jobs": df.base.astype(int).to_numpy(), "share_ratio": ratio.to_numpy(),
                        "z": z.to_numpy(), "q": q, "trend": trend})
    order = out.trend.map({"emerging": 0, "declining": 1, "steady": 2})
    strength = out.z.where(out.trend != "declining", -out.z)
    return out.assign(_o=order, _s=strength).sort_values(["_o", "_s"], ascending=[True, False]).drop(
        columns=["_o", "_s"]).reset_index(drop=True)


def movers(out: pd.DataFrame, top: int) -> pd.DataFrame:
    """The ``top`` strongest emerging and the ``top`` steepest declining skills of :func:`emerging`'s output, so
    a long list of risers never hides the fallers.

    >>> df = pd.DataFrame({"skill": list("abcd"), "trend": ["emerging", "emerging", "declining", "steady"]})
    >>> list(movers(df, 1).skill)
    ['a', 'c']
    """
    return pd.concat([out[out.trend == t].head(top) for t in ("emerging", "declining")], ignore_index=True)


def _bh(p: pd.Series) -> list[float]:
    """Benjamini-Hochberg adjusted p-values, in the order of ``p``."""
    n = len(p)
    order = sorted(range(n), key=lambda i: p.iloc[i])
    q = [0.0] * n
    running = 1.0
    for rank in range(n, 0, -1):
        i = order[rank - 1]
        running = min(running, p.iloc[i] * n / rank)
        q[i] = running
    return q


@sharing
def emerging(con: Connection, window: int = 6, baseline: int = 12, min_jobs: int = 20, fdr: float = 0.05,
             min_ratio: float = 1.25) -> pd.DataFrame:
    """Emerging and declining skills of the store (monthly jobs posted; the last, partial month left out)."""
    months = sorted(str(p) for p in compute("jobs_posted", period="month", con=con).period)
    # only the months the test reads (baseline, window and the partial last one) are fanned out by skill
    m = compute("jobs_posted", period="month", by="skill", con=con, start=months[-min(len(months),
                                                                                      window + baseline + 1)])
    if m.empty:
        raise ConfigError("no skills to analyse: run `gigsight enrich` first")
    labels = sorted(set(m.period))[:-1]
    idx = {lab: i for i, lab in enumerate(labels)}
    m = m[m.period.isin(idx)]
    monthly = pd.DataFrame({"skill": m.skill, "month": m.period.map(idx),
                            "jobs": pd.to_numeric(m.jobs_posted, errors="coerce").fillna(0)})
    out = detect(monthly, window, baseline, min_jobs, fdr, min_ratio)
    out.insert(0, "through", labels[-1] if labels else None)
    return nulls_to_none(out.merge(skill_meta(con), on="skill", how="left"))


def nulls_to_none(df: pd.DataFrame) -> pd.DataFrame:
    """NaN to None, so JSON and CSV carry null."""
    return df.astype(object).where(df.notna(), None)

"""Skills to promote (operator view) and skills to learn next (freelancer view), each with its reasons.

promote ranks skills for growth and unmet demand, never for size: score = growth x unmet x scarcity x rate, where
growth = 1 + the skill's jobs YoY with the noise shrunk away (:func:`~gigsight.insights.skill_demand.shrunk_growth`:
a small skill's lucky jump counts for less, a big skill's steady size for nothing; clipped to [0.25, 4]), unmet =
share of the period's jobs not filled within 30 days, scarcity = jobs per active freelancer with the skill against
the median skill's (clipped to [0.5, 2]), rate = 1 + the hourly-rate premium of its contracts over the median
(clipped to [0.5, 2]). Skills whose jobs fell for certain (the whole 95% interval below zero) are never listed, and
only skills past the minimum-volume guard are ranked. Every number in a reason names its denominator.

learn: candidates are skills asked together with the freelancer's own (lift > 1 and at least ``min_together``
shared jobs in the trailing twelve months) whose jobs are growing (the shrunk growth at least zero; a skill too
small to measure is not suggested), scored by adjacency (best lift with an owned skill, log-damped) x growth (as
above) x rate. When fewer than ``top`` remain, growing skills of the freelancer's own categories fill the list, then
the marketplace's fastest growing, each saying why: learning a shrinking skill is never advised.

>>> import tempfile, gigsight
>>> store = gigsight.connect(tempfile.mkdtemp() + "/d.duckdb")
>>> _ = gigsight.simulate(store, "steady", scale=0.002, validate=False)
>>> _ = gigsight.enrich(store)
>>> top = promote(store, at="2025Q3", min_jobs=5, top=3)
>>> top["rank"].tolist(), "YoY" in top.reasons[0]
([1, 2, 3], True)
>>> fid = store.con.table("freelancer_canonical_skills").limit(1).to_pandas().freelancer_id[0]
>>> list(learn(store, fid, at="2025Q3", min_jobs=5).columns)  # empty where no skill near theirs grows
['freelancer_id', 'rank', 'skill', 'score', 'lift', 'because_of', 'reasons']
>>> store.close()
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.backends.shared import sharing
from gigsight.errors import ConfigError
from gigsight.insights.skill_demand import nulls_to_none, shrunk_growth, trends
from gigsight.insights.skill_supply import cooccurrence, supply
from gigsight.metrics.compute import compute
from gigsight.metrics.display import money
from gigsight.metrics.periods import Periods


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _growth_factor(growth: float) -> float:
    """1 + a skill's shrunk growth, clipped so one outlier cannot decide a ranking alone."""
    return _clip(1 + float(growth), 0.25, 4.0)


def _num(x: Any) -> float | None:
    v = None if x is None else float(x)
    return None if v is None or math.isnan(v) else v


def _pct(x: float | None) -> str:
    return "n/a" if _num(x) is None else f"{x:+.0%}"


@dataclass(frozen=True)
class _Market:
    """One period's skills (past the volume guard, indexed by name, with ``growth`` shrunk and ``falling`` for
    certain), their supply, and what they are set against: all jobs' YoY and the median skill's jobs per freelancer."""

    at: str
    skills: pd.DataFrame
    supply: pd.DataFrame
    median_jpf: float | None
    all_jobs_yoy: float | None


def _market(con: Connection, period: str, at: str | None, min_jobs: int, frame: pd.DataFrame | None) -> _Market:
    t = frame if frame is not None else trends(con, period=period, at=at, min_jobs=min_jobs)
    at = str(t.period.iloc[0])
    ok = t[t.guard == "ok"].set_index("skill")
    if len(ok):
        ok = ok.assign(growth=shrunk_growth(ok.jobs_posted, ok.jobs_posted_prev),
                       falling=pd.to_numeric(ok.jobs_yoy_high) < 0)
    sup = supply(con, period, at).set_index("skill")
    per = pd.to_numeric(sup.jobs_per_freelancer, errors="coerce")
    periods = Periods(period)
    prev = periods.label(periods.parse(at) - periods.offset("yoy"))
    jobs = compute("jobs_posted", period=period, con=con, start=prev, end=at).set_index("period").jobs_posted
    before, now = _num(jobs.get(prev)), _num(jobs.get(at))
    return _Market(at, ok, sup, float(per.median()) if per.notna().any() else None,
                   now / before - 1 if now is not None and before else None)


def _rate(m: _Market, skill: str) -> tuple[float, str | None]:
    prem = _num(m.supply.rate_premium.get(skill)) if skill in m.supply.index else None
    why = None if prem is None else f"hourly rates {_pct(prem)} vs the median hourly contract"
    return _clip(1 + (prem or 0.0), 0.5, 2.0), why


def _growth_reason(m: _Market, r: Any) -> str:
    return (f"jobs {_pct(r.jobs_yoy)} YoY ({int(r.jobs_posted_prev):,} to {int(r.jobs_posted):,}; 95% CI "
            f"{_pct(r.jobs_yoy_low)} to {_pct(r.jobs_yoy_high)}) vs {_pct(m.all_jobs_yoy)} for all jobs")


def _demand(m: _Market, r: Any) -> tuple[float, list[str]]:
    """growth x unmet x scarcity x rate for one skill's row of ``m.skills``, and the reasons in words."""
    fill = _num(r.fill_rate)
    unmet = 1 - fill if fill is not None else 0.3
    jpf = _num(m.supply.jobs_per_freelancer.get(r.Index)) if r.Index in m.supply.index else None
    scarcity = _clip(jpf / m.median_jpf, 0.5, 2.0) if jpf is not None and m.median_jpf else 1.0
    rate, rate_why = _rate(m, r.Index)
    why = [_growth_reason(m, r),
           f"{unmet:.0%} of its {int(r.jobs_posted):,} jobs unfilled after 30 days" if fill is not None
           else "fill rate not known yet"]
    if jpf is not None and m.median_jpf:
        why.append(f"{jpf:.1f} jobs per active freelancer with it in the 12 months to {m.at} (median skill "
                   f"{m.median_jpf:.1f})")
    if rate_why:
        why.append(rate_why)
    return _growth_factor(r.growth) * unmet * scarcity * rate * 10, why


def _period_gsv(con: Connection, period: str, at: str) -> float:
    df = compute("gsv", period=period, con=con, start=at, end=at)
    return float(df.gsv.iloc[0]) if len(df) and df.gsv.iloc[0] is not None else 0.0


@sharing
def promote(con: Connection, period: str = "quarter", at: str | None = None, min_jobs: int = 20,
            top: int = 10, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Skills to promote in period ``at``: rank, skill, score and the reasons behind it.

    ``frame``: the period's :func:`~gigsight.insights.skill_demand.trends` when the caller has it already (the report).
    """
    m = _market(con, period, at, min_jobs, frame)
    if m.skills.empty:
        raise ConfigError(f"no skill has {min_jobs}+ jobs in both {period}s compared: lower the minimum (--min-jobs on "
                          "the command line, min_jobs in the API) or choose a later period")
    if m.skills.falling.all():
        raise ConfigError(f"every skill past the volume guard lost jobs in {m.at}: none to promote")
    total = _period_gsv(con, period, m.at)
    rows = []
    for r in m.skills[~m.skills.falling].itertuples():
        score, why = _demand(m, r)
        share = f" ({float(r.gsv or 0) / total:.1%} of the {period}'s {money(total)}; a job counts under each of its " \
                "skills)" if total else ""
        why.append(f"{money(float(r.gsv or 0))} GSV on its jobs{share}")
        rows.append((r.Index, r.is_ai, score, r.jobs_posted, r.jobs_yoy, r.growth, _num(r.fill_rate), r.gsv,
                     "; ".join(why)))
    out = pd.DataFrame(rows, columns=["skill", "is_ai", "score", "jobs_posted", "jobs_yoy", "growth_shrunk",
                                      "fill_rate", "gsv", "reasons"])
    out = out.sort_values(["score", "skill"], ascending=[False, True]).head(top)
    out.insert(0, "rank", range(1, len(out) + 1))
    out.insert(0, "period", m.at)
    return nulls_to_none(out.reset_index(drop=True))


def _owned(con: Connection, freelancer_id: str) -> pd.DataFrame:
    if "\x00" in freelancer_id:  # engines cannot hold NUL in a string literal; no stored id has one
        raise ConfigError(f"no freelancer {freelancer_id!r} in the store (ids cannot contain NUL)")
    ib = ibis_of(con)
    if "freelancer_canonical_skills" not in ib.list_tables():
        raise ConfigError("no freelancer skills: run `gigsight enrich` first")
    fs, sk = ib.table("freelancer_canonical_skills"), ib.table("skills")
    mine = fs.filter(fs.freelancer_id == freelancer_id).join(sk, "skill_id").select("name", "category").to_pandas()
    if mine.empty:
        exists = ib.table("freelancers").filter(lambda f: f.freelancer_id == freelancer_id).count().execute()
        if not exists:
            raise ConfigError(f"no freelancer {freelancer_id!r} in the store")
        raise ConfigError(f"freelancer {freelancer_id!r} lists no skill the taxonomy knows")
    return mine


@sharing
def learn(con: Connection, freelancer_id: str, period: str = "quarter", at: str | None = None, min_together: int = 5,
          top: int = 5, min_jobs: int = 20) -> pd.DataFrame:
    """Skills ``freelancer_id`` should learn next, with the reasons (columns freelancer_id, rank, skill, score,
    lift, because_of, reasons); growth is measured on skills with ``min_jobs`` jobs in both periods compared."""
    mine = _owned(con, freelancer_id)
    owned = set(mine.name)
    m = _market(con, period, at, min_jobs, None)
    if m.skills.empty:
        raise ConfigError(f"no skill has {min_jobs}+ jobs in both {period}s compared, so no growth to go by: lower "
                          "the minimum (--min-jobs on the command line) or choose a later period")
    growing = set(m.skills.index[(m.skills.growth >= 0) & ~m.skills.falling])
    co = cooccurrence(con, period, m.at, min_together=min_together)
    adjacent: dict[str, tuple[float, str, int]] = {}
    for r in co.itertuples():
        for have, other in ((r.skill_a, r.skill_b), (r.skill_b, r.skill_a)):
            better = other not in adjacent or r.lift > adjacent[other][0]
            if have in owned and other in growing - owned and r.lift > 1 and better:
                adjacent[other] = (float(r.lift), have, int(r.jobs_together))
    rows = []
    for skill, (lift, have, together) in adjacent.items():
        rate, rate_why = _rate(m, skill)
        why = [f"asked together with your {have} in {together} jobs in the 12 months to {m.at} (lift {lift:.1f})",
               _growth_reason(m, next(m.skills.loc[[skill]].itertuples())), *filter(None, [rate_why])]
        score = math.log1p(lift) * _growth_factor(m.skills.growth[skill]) * rate
        rows.append((0, skill, score, lift, have, "; ".join(why)))
    rows += _growing_fill(m, owned | set(adjacent), set(mine.category.dropna()), top - len(rows))
    out = pd.DataFrame(rows, columns=["tier", "skill", "score", "lift", "because_of", "reasons"])
    out = out.sort_values(["tier", "score", "skill"], ascending=[True, False, True]).head(top).drop(columns="tier")
    out.insert(0, "rank", range(1, len(out) + 1))
    out.insert(0, "freelancer_id", freelancer_id)
    return nulls_to_none(out.reset_index(drop=True))


def _growing_fill(m: _Market, taken: set[str], categories: set[str], room: int) -> list[tuple[Any, ...]]:
    """Up to ``room`` growing skills not in ``taken``: first those of ``categories``, then any (tiers 1 and 2)."""
    if room <= 0 or m.skills.empty:
        return []
    growing = m.skills[(m.skills.growth > 0) & ~m.skills.falling & ~m.skills.index.isin(taken)]
    rows: list[tuple[Any, ...]] = []
    for tier, pick in ((1, growing.category.isin(categories)), (2, ~growing.category.isin(categories))):
        for r in growing[pick].sort_values("growth", ascending=False).head(room - len(rows)).itertuples():
            rate, rate_why = _rate(m, r.Index)
            where = f"your category, {r.category}" if tier == 1 else "the marketplace"
            why = [f"among the fastest growing skills in {where}", _growth_reason(m, r), *filter(None, [rate_why])]
            rows.append((tier, r.Index, (1 + float(r.growth)) * rate, None, where, "; ".join(why)))
    return rows

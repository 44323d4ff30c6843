"""Skills to promote (operator view) and skills to learn next (freelancer view), each with its reasons.

promote: score = growth x unmet demand x scarcity x volume, where growth = 1 + jobs YoY (the low end of its 95%
interval when the interval is known, so a noisy jump counts for less; clipped to [0.5, 3]), unmet demand = share of
the period's jobs not filled within 30 days, scarcity = jobs per active freelancer with the skill against the
median skill's (clipped to [0.5, 2]), volume = log(1 + jobs) against the largest skill's (so size steadies the
ranking without deciding it). Skills whose jobs fell for certain (the whole 95% interval below zero) are not
promoted, and only skills past the minimum-volume guard are ranked.

learn: candidates are skills asked together with the freelancer's own (lift > 1 and at least ``min_together``
shared jobs in the trailing twelve months), scored by adjacency (best lift with an owned skill, log-damped) x demand
growth (as above) x rate factor (1 + the candidate's hourly-rate premium, clipped to [0.5, 2]).

>>> import tempfile, gigsight
>>> store = gigsight.connect(tempfile.mkdtemp() + "/d.duckdb")
>>> _ = gigsight.simulate(store, "steady", scale=0.002, validate=False)
>>> _ = gigsight.enrich(store)
>>> top = promote(store, at="2025Q3", min_jobs=5, top=3)
>>> top["rank"].tolist(), "YoY" in top.reasons[0]
([1, 2, 3], True)
>>> fid = store.con.table("freelancer_canonical_skills").limit(1).to_pandas().freelancer_id[0]
>>> "asked together with your" in learn(store, fid, at="2025Q3").reasons[0]
True
>>> store.close()
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.backends.shared import sharing
from gigsight.errors import ConfigError
from gigsight.insights.skill_demand import nulls_to_none, trends
from gigsight.insights.skill_supply import cooccurrence, supply
from gigsight.metrics.compute import compute


def _growth(row: Any) -> float:
    g = row.jobs_yoy_low if row.jobs_yoy_low is not None else row.jobs_yoy
    return min(max(1 + (g if g is not None else 0.0), 0.5), 3.0)


def _pct(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.0%}"


def _period_gsv(con: Connection, period: str, at: str) -> float:
    df = compute("gsv", period=period, con=con, start=at, end=at)
    return float(df.gsv.iloc[0]) if len(df) and df.gsv.iloc[0] is not None else 0.0


@sharing
def promote(con: Connection, period: str = "quarter", at: str | None = None, min_jobs: int = 20,
            top: int = 10, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Skills to promote in period ``at``: rank, skill, score and the reasons behind it.

    ``frame``: the period's :func:`~gigsight.insights.skill_demand.trends` when the caller has it already (the report).
    """
    t = frame if frame is not None else trends(con, period=period, at=at, min_jobs=min_jobs)
    t = t[t.guard == "ok"].copy()
    if t.empty:
        raise ConfigError(f"no skill has {min_jobs}+ jobs in both {period}s compared: lower the minimum (--min-jobs on "
                          "the command line, min_jobs in the API) or choose a later period")
    at = str(t.period.iloc[0])
    falling = t.jobs_yoy_high.notna() & (pd.to_numeric(t.jobs_yoy_high) < 0)
    if falling.all():
        raise ConfigError(f"every skill past the volume guard lost jobs in {at}: none to promote")
    t = t[~falling]
    sup = supply(con, period, at).set_index("skill")
    per = pd.to_numeric(sup.jobs_per_freelancer, errors="coerce")
    median_jpf = float(per.median()) if per.notna().any() else float("nan")
    quarter_gsv = _period_gsv(con, period, at)
    biggest = math.log1p(float(pd.to_numeric(t.jobs_posted).max()))
    rows = []
    for r in t.itertuples():
        fill = float(r.fill_rate) if r.fill_rate is not None else None
        unmet = 1 - fill if fill is not None else 0.3
        jpf = float(per.get(r.skill, float("nan")))
        scarcity = min(max(jpf / median_jpf, 0.5), 2.0) if jpf == jpf and median_jpf == median_jpf else 1.0
        volume = math.log1p(float(r.jobs_posted)) / biggest if biggest > 0 else 1.0
        score = _growth(r) * unmet * scarcity * volume * 10
        share = f" ({float(r.gsv or 0) / quarter_gsv:.1%} of the {period}'s GSV of ${quarter_gsv:,.0f}; a job counts " \
                "under each of its skills)" if quarter_gsv else ""
        why = [f"jobs {_pct(r.jobs_yoy)} YoY (95% CI {_pct(r.jobs_yoy_low)} to {_pct(r.jobs_yoy_high)})",
               f"{unmet:.0%} of its jobs unfilled after 30 days" if fill is not None else "fill rate not known yet"]
        if jpf == jpf:
            why.append(f"{jpf:.1f} jobs per active freelancer with the skill (median skill {median_jpf:.1f})")
        why.append(f"${float(r.gsv or 0):,.0f} GSV on its jobs{share}")
        rows.append((r.skill, r.is_ai, score, r.jobs_posted, r.jobs_yoy, fill, r.gsv, "; ".join(why)))
    out = pd.DataFrame(rows, columns=["skill", "is_ai", "score", "jobs_posted", "jobs_yoy", "fill_rate", "gsv",
                                      "reasons"]).sort_values("score", ascending=False).head(top)
    out.insert(0, "rank", range(1, len(out) + 1))
    out.insert(0, "period", at)
    return nulls_to_none(out.reset_index(drop=True))


def learn(con: Connection, freelancer_id: str, period: str = "quarter", at: str | None = None, min_together: int = 5,
          top: int = 5) -> pd.DataFrame:
    """Skills ``freelancer_id`` should learn next, with the reasons."""
    if "\x00" in freelancer_id:  # engines cannot hold NUL in a string literal; no stored id has one
        raise ConfigError(f"no freelancer {freelancer_id!r} in the store (ids cannot contain NUL)")
    ib = ibis_of(con)
    if "freelancer_canonical_skills" not in ib.list_tables():
        raise ConfigError("no freelancer skills: run `gigsight enrich` first")
    fs, sk = ib.table("freelancer_canonical_skills"), ib.table("skills")
    mine = fs.filter(fs.freelancer_id == freelancer_id).join(sk, "skill_id").select("name").to_pandas().name
    if mine.empty:
        exists = ib.table("freelancers").filter(lambda f: f.freelancer_id == freelancer_id).count().execute()
        if not exists:
            raise ConfigError(f"no freelancer {freelancer_id!r} in the store")
        raise ConfigError(f"freelancer {freelancer_id!r} lists no skill the taxonomy knows")
    owned = set(mine)
    t = trends(con, period=period, at=at)
    at = str(t.period.iloc[0])
    trend = t.set_index("skill")
    sup = supply(con, period, at).set_index("skill")
    co = cooccurrence(con, period, at, min_together=min_together)
    cands: dict[str, tuple[float, str, int]] = {}
    for r in co.itertuples():
        for have, other in ((r.skill_a, r.skill_b), (r.skill_b, r.skill_a)):
            better = other not in cands or r.lift > cands[other][0]
            if have in owned and other not in owned and r.lift > 1 and better:
                cands[other] = (float(r.lift), have, int(r.jobs_together))
    rows = []
    for skill, (lift, have, together) in cands.items():
        tr = trend.loc[skill] if skill in trend.index else None
        growth = _growth(tr) if tr is not None else 1.0
        prem = sup.rate_premium.get(skill) if skill in sup.index else None
        prem = None if prem is None or (isinstance(prem, float) and math.isnan(prem)) else float(prem)
        rate = min(max(1 + (prem or 0.0), 0.5), 2.0)
        score = math.log1p(lift) * growth * rate
        why = [f"asked together with your {have} in {together} jobs (lift {lift:.1f})",
               f"jobs {_pct(tr.jobs_yoy if tr is not None else None)} YoY",
               f"hourly rates {_pct(prem)} vs the median" if prem is not None else "no hourly rate data"]
        rows.append((skill, score, lift, have, "; ".join(why)))
    out = pd.DataFrame(rows, columns=["skill", "score", "lift", "because_of", "reasons"])
    out = out.sort_values("score", ascending=False).head(top).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    out.insert(0, "freelancer_id", freelancer_id)
    return nulls_to_none(out)

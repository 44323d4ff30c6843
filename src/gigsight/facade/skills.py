"""Verbs about skills and AI work: demand and its growth, emerging skills, supply, skills asked together, what to
promote and learn, and labelling posts that are not in a store."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gigsight.facade.opening import StoreLike, reading
from gigsight.insights import cooccurrence, emerging, learn, promote, supply, trends
from gigsight.insights.skill_demand import last_complete_period, movers
from gigsight.model.exact import plain
from gigsight.skills.batch import classify_file
from gigsight.skills.classify import Classifier


def skill_trends(*, period: str = "quarter", at: str | None = None, min_jobs: int = 20, ai_only: bool = False,
                 top: int | None = 20, con: StoreLike = None) -> pd.DataFrame:
    """Top skills by jobs posted with YoY growth and its 95% interval (``top=None``: every skill); see
    :mod:`gigsight.insights.skill_demand`."""
    return reading(con, lambda store: trends(store, period=period, at=at, min_jobs=min_jobs, ai_only=ai_only,
                                             top=top))


def emerging_skills(*, window: int = 6, baseline: int = 12, min_jobs: int = 20, fdr: float = 0.05,
                    top: int | None = None, con: StoreLike = None) -> pd.DataFrame:
    """Emerging and declining skills: share of jobs in the last ``window`` months against the ``baseline`` months
    before, FDR-controlled; every skill tested (emerging, then declining, then steady), or with ``top`` the ``top``
    strongest of each moving kind."""
    def run(store: Any) -> pd.DataFrame:
        out = emerging(store, window=window, baseline=baseline, min_jobs=min_jobs, fdr=fdr)
        return out if top is None else movers(out, top)

    return reading(con, run)


def skills_to_promote(*, period: str = "quarter", at: str | None = None, min_jobs: int = 20, top: int = 10,
                      trends: pd.DataFrame | None = None, con: StoreLike = None) -> pd.DataFrame:
    """Skills the marketplace should promote, with the reasons; see :mod:`gigsight.insights.skill_actions`.
    ``trends``: the period's :func:`skill_trends` (every skill) when the caller has it already."""
    return reading(con, lambda store: promote(store, period=period, at=at, min_jobs=min_jobs, top=top, frame=trends))


def skills_to_learn(freelancer_id: str, *, period: str = "quarter", at: str | None = None, top: int = 5,
                    min_jobs: int = 20, con: StoreLike = None) -> pd.DataFrame:
    """Skills one freelancer should learn next, with the reasons: growing skills asked with theirs, then growing
    skills of their categories; see :mod:`gigsight.insights.skill_actions`."""
    return reading(con, lambda store: learn(store, freelancer_id, period=period, at=at, top=top, min_jobs=min_jobs))


def skill_pairs(*, period: str = "quarter", at: str | None = None, top: int = 20,
                con: StoreLike = None) -> tuple[str, pd.DataFrame]:
    """Skills asked together in the trailing twelve months to ``at`` (default: the last complete period), with
    lift; returns (at, table)."""
    def run(store: Any) -> tuple[str, pd.DataFrame]:
        when = at or last_complete_period(store, period)
        return when, cooccurrence(store, period, when, top=top)

    return reading(con, run)


def skill_supply(*, period: str = "quarter", at: str | None = None, con: StoreLike = None) -> pd.DataFrame:
    """Supply against demand per skill: jobs per active freelancer, median hourly rate and premium."""
    return reading(con, lambda store: supply(store, period, at or last_complete_period(store, period)))


def classify_jobs(jobs: list[dict[str, str | None]]) -> list[dict[str, Any]]:
    """Label posts (``title`` and optional ``description``, ``tags``, ``category``): AI work and its kind, category
    with its confidence, canonical skills, and the evidence that decided.

    >>> classify_jobs([{"title": "Fine-tune an LLM for support tickets"}])[0]["is_ai"]
    True
    """
    c = Classifier.default()
    out = []
    for i, j in enumerate(jobs):
        r = c.classify(j.get("title") or "", j.get("description") or "", j.get("tags") or "", j.get("category"))
        out.append({"index": i, "is_ai": r.is_ai, "ai_kind": r.ai_kind, "ai_score": plain(r.ai_score),
                    "category": r.category, "category_confidence": r.category_confidence,
                    "category_source": r.category_source, "skills": [s.name for s in r.skills], "reason": r.reason})
    return out


__all__ = ["classify_file", "classify_jobs", "emerging_skills", "skill_pairs", "skill_supply", "skill_trends",
           "skills_to_learn", "skills_to_promote"]

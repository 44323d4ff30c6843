"""Metric questions and comparisons shared by the tests that check gigsight's metrics against each other and
against the pandas oracle (:mod:`tests.helpers.oracle`)."""

from __future__ import annotations

import math

import pandas as pd

from gigsight.backends.base import Store
from gigsight.metrics import compute
from gigsight.metrics.registry import REGISTRY

BUILTIN = [n for n, m in REGISTRY.items() if m.requires_segment is None and n != "client_spend"]


def close(got: object, want: object, name: str) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, int) and not isinstance(want, bool):
        return got == want
    tolerance = 0.005 if REGISTRY[name].unit == "usd" else 1e-9
    return math.isclose(float(got), float(want), abs_tol=tolerance)  # type: ignore[arg-type]


QUESTIONS = [  # (metrics, period, by)
    (["gsv", "paying_clients", "gsv_from_new_clients", "active_clients", "gsv_per_active_client",
      "gsv_per_new_client", "client_spend_retention", "ai_freelancers", "fill_rate", "ai_contracts"], "quarter", None),
    (["gsv", "active_clients", "core_clients"], "year", None),
    (["gsv", "active_clients"], "month", None),
    (["gsv", "jobs_posted", "contracts_started"], "quarter", "ai"),
    (["gsv", "ai_jobs"], "year", "category"),
    (["gsv", "new_clients"], "quarter", "country"),
    (["clients_by_tier", "gsv_by_tier", "gsv"], "quarter", "tier"),
    (["gsv", "jobs_posted"], "year", "skill"),
]


def answers(store: Store) -> list[pd.DataFrame]:
    return [compute(m, period=p, by=by, compare=["yoy"], con=store) for m, p, by in QUESTIONS]

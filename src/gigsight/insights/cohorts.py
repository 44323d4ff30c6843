"""Acquisition cohorts: logo and spend retention by the period of each client's first positive payment.

``age`` 0 is the acquisition period. Logo retention is the share of the cohort with a positive payment
in the period; spend retention is the cohort's GSV in the period relative to its GSV at age 0.

>>> from gigsight.ingest.sample import sample_store
>>> store = sample_store(clients=30, seed=1)
>>> m = cohorts(con=store, period="year")
>>> float(m[m.age == 0].logo_retention.min())
1.0
"""

from __future__ import annotations

import ibis
import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.config import Settings
from gigsight.metrics.grains import Grains
from gigsight.metrics.periods import Periods


def cohorts(*, con: Connection = None, period: str = "quarter", settings: Settings | None = None) -> pd.DataFrame:
    """One row per (cohort, age): cohort size, active clients, GSV, logo and spend retention."""
    settings = settings or Settings.from_env()
    periods = Periods(period, settings.fiscal_year_start_month)
    g = Grains(ibis_of(con), periods, settings)
    first = g.client_first.select("client_id", cohort="first_pk")
    f = g.payment_facts.join(first, "client_id")
    f = f.filter(f.pk >= f.cohort)  # a zero payment or refund before the first positive one is not age -1
    cell = f.group_by(["cohort", "pk"]).aggregate(
        active=f.client_id.nunique(where=f.amount > 0), gsv=f.gsv.sum())
    sizes = first.group_by("cohort").aggregate(size=first.count())
    df = cell.join(sizes, "cohort").mutate(age=ibis._.pk - ibis._.cohort).execute()
    df = df.sort_values(["cohort", "age"]).reset_index(drop=True)
    df["gsv"] = df.gsv.astype(float)
    base = df[df.age == 0].set_index("cohort").gsv
    df["logo_retention"] = df.active / df["size"]
    df["spend_retention"] = df.gsv / df.cohort.map(base).where(lambda s: s > 0)
    df.insert(0, "cohort_label", [periods.label(int(c)) for c in df.cohort])
    df = df.drop(columns=["pk"])[["cohort_label", "age", "size", "active", "gsv", "logo_retention",
                                  "spend_retention"]].rename(columns={"cohort_label": "cohort"})
    return df.astype(object).where(df.notna(), None)

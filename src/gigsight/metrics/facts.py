"""Metric facts kept in the store: the joined payment facts, client and freelancer periods, new-client windows
and job facts, built once per data version instead of once per process.

A fresh process asking one question would otherwise join every payment to its contract and job again (45 s of
a 72 s report at 44M payments). :func:`refresh` builds the facts every computation reads into tables named
``gigsight_fact_<hash>`` and lists them in ``gigsight_facts`` with the data's fingerprint; ``compute()`` reads
them while the fingerprint still matches (:mod:`gigsight.backends.kept` stores them). Every write through a
store drops them, and the commands that write (ingest, simulate, enrich, demo) refresh them when they finish,
so readers (the report, the web service on a read-only file) find them current.

The fingerprint is the row count of every source table plus the version of this code; it catches writes that
bypass gigsight and change row counts. A change made outside gigsight that keeps every count (an UPDATE in
place) is not seen: run ``gigsight refresh --force`` after one. DuckDB, Postgres and Spark keep facts (on Spark,
tables in the store's warehouse, which outlives the process); an engine without the capability builds them per
process.

>>> from gigsight.ingest.sample import sample_store
>>> from gigsight.metrics.compute import compute
>>> store = sample_store(clients=30, seed=1)
>>> before = compute("active_clients", period="year", con=store)
>>> refresh(store).tables > 0
True
>>> compute("active_clients", period="year", con=store).equals(before)
True
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.backends.capabilities import capable
from gigsight.backends.kept import REGISTRY, current, drop, fingerprint, writing
from gigsight.backends.shared import Shared, forget
from gigsight.config import Settings
from gigsight.metrics.compute import compute
from gigsight.progress import Progress, task

# what refresh computes, per period grain: between them they build every fact a computation can read
_SUITE = ["gsv", "paying_clients", "gsv_from_new_clients", "active_clients", "core_clients", "new_clients",
          "gsv_per_new_client", "client_spend_retention", "active_freelancers", "ai_freelancers", "jobs_posted",
          "contracts_started"]


@dataclass(frozen=True)
class RefreshResult:
    """What :func:`refresh` built: how many tables, their rows in all, and the seconds it took."""

    tables: int
    rows: int
    seconds: float
    skipped: str | None = None


def refresh(con: Connection, settings: Settings | None = None, *, force: bool = True,
            progress: Progress | None = None) -> RefreshResult:
    """Build and keep the facts of the store ``con`` for quarters and years (calendar or the configured
    fiscal year), replacing older ones; unless ``force``, only when they are not current. Months are computed
    on demand from the kept payment facts."""
    ibis_con = ibis_of(con)
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    if not capable(ibis_con.name, "keeps_facts"):
        return RefreshResult(0, 0, 0.0, f"the {ibis_con.name} backend does not keep facts")
    if not force and current(ibis_con, set(ibis_con.list_tables())) is not None:
        return RefreshResult(0, 0, 0.0, "already current")
    forget(id(ibis_con))  # tables an open Shared block built are not kept: build afresh, as kept tables
    drop(ibis_con)
    present = set(ibis_con.list_tables())
    if "payments" not in present or ibis_con.table("payments").count().execute() == 0:
        return RefreshResult(0, 0, 0.0, "no payments yet")
    step = task(progress, "metric facts", 4, "steps")
    with writing(ibis_con, fingerprint(ibis_con, present)) as w, Shared(ibis_con):
        for grain in ("quarter", "year"):
            compute(_SUITE, period=grain, con=ibis_con, settings=settings)
            step(1)
            compute("gsv", period=grain, by="skill", con=ibis_con, settings=settings)
            step(1)
    rows = sum(int(ibis_con.table(r["name"]).count().execute()) for r in w.rows)
    ibis_con.create_table(REGISTRY, obj=pd.DataFrame(w.rows, columns=["key", "name", "fingerprint"]),
                          overwrite=True)
    return RefreshResult(len(w.rows), rows, round(time.perf_counter() - started, 2))


__all__ = ["RefreshResult", "refresh"]

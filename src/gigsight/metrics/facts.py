"""Metric facts kept in the store: the joined payment facts, client and freelancer periods, new-client windows
and job facts, built once per data version instead of once per process.

A fresh process asking one question would otherwise join every payment to its contract and job again (45 s of
a 72 s report at 44M payments). :func:`refresh` builds the facts every computation reads into tables named
``gigsight_fact_<hash>`` and lists them in ``gigsight_facts`` with the data's fingerprint; ``compute()`` reads
them while the fingerprint still matches and no write is pending (:mod:`gigsight.backends.kept` stores them).
A write through a store either logs what it touched (:mod:`gigsight.backends.fact_log`), and the next refresh
rebuilds only that (:mod:`gigsight.metrics.incremental`), or drops them; the commands that write (ingest,
simulate, enrich, demo) refresh them when they finish, so readers (the report, the web service on a read-only
file) find them current.

The fingerprint is the row count of every source table plus the version of this code; it catches writes that
bypass gigsight and change row counts. A change made outside gigsight that keeps every count (an UPDATE in
place) is not seen: run ``gigsight refresh --full`` after one. DuckDB, Postgres and Spark keep facts (on Spark,
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.backends.capabilities import capable
from gigsight.backends.fact_log import clear, head
from gigsight.backends.kept import REGISTRY, current, drop, fingerprint, writing
from gigsight.backends.shared import Shared, forget
from gigsight.backends.types import Backend
from gigsight.config import Settings
from gigsight.metrics.compute import compute
from gigsight.metrics.incremental import Rebuild, pending, update
from gigsight.progress import Progress, task

# what refresh computes, per period grain: between them they build every fact a computation can read
_SUITE = ["gsv", "paying_clients", "gsv_from_new_clients", "active_clients", "core_clients", "new_clients",
          "gsv_per_new_client", "client_spend_retention", "active_freelancers", "ai_freelancers", "jobs_posted",
          "contracts_started"]
GRAINS = ("quarter", "year")


@dataclass(frozen=True)
class RefreshResult:
    """What :func:`refresh` built: how many tables, their rows in all, and the seconds it took; ``mode`` is
    ``incremental`` (with the ids rebuilt per column in ``touched``) or ``full`` (with ``why`` when an
    incremental refresh was wanted and could not be made)."""

    tables: int
    rows: int
    seconds: float
    skipped: str | None = None
    mode: str = "full"
    touched: dict[str, int] = field(default_factory=dict)
    why: str | None = None


def refresh(con: Connection, settings: Settings | None = None, *, force: bool = True, full: bool = False,
            progress: Progress | None = None) -> RefreshResult:
    """Bring the facts of the store ``con`` for quarters and years (calendar or the configured fiscal year) up to
    date: for the ids the writes since the last refresh logged (:mod:`gigsight.metrics.incremental`), or, with
    ``full``, when nothing was logged, or when the log cannot be applied, by building them all again. Unless
    ``force``, facts that are current are left alone. Months are computed on demand from the kept payment facts."""
    ibis_con = ibis_of(con)
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    if not capable(ibis_con.name, "keeps_facts"):
        return RefreshResult(0, 0, 0.0, f"the {ibis_con.name} backend does not keep facts")
    why = None
    if not full and capable(ibis_con.name, "patches_facts") and pending(ibis_con):
        step = task(progress, "metric facts (incremental)", 1, "steps")
        try:
            forget(id(ibis_con))
            # the data's fingerprint, which pending() found equal to the last write's: counting every table again
            # cost a scan per table on Postgres, and a write after this point must not be taken as refreshed
            fp = str(head(ibis_con, set(ibis_con.list_tables())))
            registry, touched = update(ibis_con, settings, GRAINS)
            _register(ibis_con, [{"key": k, "name": n} for k, n in registry.items()], fp, "incremental")
            clear(ibis_con)
            step(1)
            return RefreshResult(len(registry), _rows(ibis_con, registry.values()),
                                 round(time.perf_counter() - started, 2), mode="incremental", touched=touched)
        except Rebuild as exc:
            why = str(exc)
    if not force and not full and why is None and current(ibis_con, set(ibis_con.list_tables())) is not None:
        return RefreshResult(0, 0, 0.0, "already current")
    forget(id(ibis_con))  # tables an open Shared block built are not kept: build afresh, as kept tables
    drop(ibis_con)
    present = set(ibis_con.list_tables())
    if "payments" not in present or ibis_con.table("payments").count().execute() == 0:
        return RefreshResult(0, 0, 0.0, "no payments yet")
    step = task(progress, "metric facts", 2 * len(GRAINS), "steps")
    fp = fingerprint(ibis_con, present)
    with writing(ibis_con, fp) as w, Shared(ibis_con):
        for grain in GRAINS:
            compute(_SUITE, period=grain, con=ibis_con, settings=settings)
            step(1)
            compute("gsv", period=grain, by="skill", con=ibis_con, settings=settings)
            step(1)
    _register(ibis_con, w.rows, fp, "full")
    return RefreshResult(len(w.rows), _rows(ibis_con, [r["name"] for r in w.rows]),
                         round(time.perf_counter() - started, 2), why=why)


def _register(con: Backend, kept: list[dict[str, str]], fp: str, mode: str) -> None:
    """Write the registry last: until then readers see facts of an older fingerprint and ignore them."""
    at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    frame = pd.DataFrame([{"key": r["key"], "name": r["name"], "fingerprint": fp, "refreshed_at": at, "mode": mode}
                          for r in kept], columns=["key", "name", "fingerprint", "refreshed_at", "mode"])
    con.create_table(REGISTRY, obj=frame, overwrite=True)


def _rows(con: Backend, names: Iterable[str]) -> int:
    return sum(int(con.table(n).count().execute()) for n in names)


__all__ = ["RefreshResult", "refresh"]

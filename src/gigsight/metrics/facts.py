"""Metric facts kept in the store: the joined payment facts, client and freelancer periods, new-client windows
and job facts, built once per data version instead of once per process.

A fresh process asking one question would otherwise join every payment to its contract and job again (45 s of
a 72 s report at 44M payments). :func:`refresh` builds the facts every computation reads into tables named
``gigsight_fact_<hash>`` and lists them in ``gigsight_facts`` with the data's fingerprint; ``compute()`` reads
them while the fingerprint still matches. Every write through a store drops them (:func:`drop`), and the
commands that write (ingest, simulate, enrich, demo) refresh them when they finish, so readers (the report, the
web service on a read-only file) find them current.

The fingerprint is the row count of every source table plus the version of this code; it catches writes that
bypass gigsight and change row counts. A change made outside gigsight that keeps every count (an UPDATE in
place) is not seen: run ``gigsight refresh --force`` after one. DuckDB and Postgres keep facts; on Spark every process
builds its own (its tables are files in a warehouse folder, not worth keeping per data version).

>>> from gigsight.sample import sample_store
>>> from gigsight.metrics.compute import compute
>>> store = sample_store(clients=30, seed=1)
>>> before = compute("active_clients", period="year", con=store)
>>> refresh(store).tables > 0
True
>>> compute("active_clients", period="year", con=store).equals(before)
True
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

REGISTRY = "gigsight_facts"
PREFIX = "gigsight_fact_"
VERSION = 1  # bump when the shape or meaning of a fact table changes: older facts are then ignored
SOURCES = ("payments", "contracts", "jobs", "clients", "proposals", "job_labels", "job_skills", "skills",
           "freelancer_profile")
KEEPS_FACTS = ("duckdb", "postgres")
# what refresh computes, per period grain: between them they build every fact a computation can read
_SUITE = ["gsv", "paying_clients", "gsv_from_new_clients", "active_clients", "core_clients", "new_clients",
          "gsv_per_new_client", "client_spend_retention", "active_freelancers", "ai_freelancers", "jobs_posted",
          "contracts_started"]
_WRITERS: dict[int, _Writer] = {}  # id(Ibis backend) -> the refresh in progress on it


@dataclass
class _Writer:
    fingerprint: str
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RefreshResult:
    """What :func:`refresh` built: how many tables, their rows in all, and the seconds it took."""

    tables: int
    rows: int
    seconds: float
    skipped: str | None = None


def _rows(con: Any, sql: str) -> list[tuple[Any, ...]]:
    """Plain SQL over our own table names: every question checks freshness, and Ibis would first read the
    schema of each table (most of the check's time)."""
    cur = con.raw_sql(sql)
    try:
        return list(cur.fetchall())
    finally:
        if cur is not getattr(con, "con", None):  # DuckDB answers with the connection itself: keep it open
            cur.close()


def fingerprint(con: Any, present: set[str]) -> str:
    """Row counts of the source tables, and this code's version, as one string (one query)."""
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in SOURCES if t in present)
    counts = sorted(_rows(con, sql)) if sql else []
    return f"v{VERSION};" + ";".join(f"{t}={int(n)}" for t, n in counts)


def key_text(key: tuple[Any, ...]) -> str:
    """The registry's name for a fact's key: the key's repr (strings, numbers, tuples and Periods only)."""
    return repr(key)


def table_name(key: tuple[Any, ...]) -> str:
    return PREFIX + hashlib.sha1(key_text(key).encode()).hexdigest()[:16]


def current(con: Any, present: set[str]) -> dict[str, str] | None:
    """The kept facts (key text -> table name) when they match the data, else None."""
    if con.name not in KEEPS_FACTS or REGISTRY not in present:
        return None
    reg = _rows(con, f"SELECT key, name, fingerprint FROM {REGISTRY}")
    if not reg or {r[2] for r in reg} != {fingerprint(con, present)}:
        return None
    if not {r[1] for r in reg} <= present:  # a table dropped by hand: the registry no longer tells the truth
        return None
    return {r[0]: r[1] for r in reg}


def writer(con: Any) -> _Writer | None:
    """The refresh in progress on ``con``, whose facts are to be kept as tables."""
    return _WRITERS.get(id(con))


def keep(con: Any, w: _Writer, key: tuple[Any, ...], expr: Any) -> Any:
    """Write ``expr`` as the kept fact table for ``key`` and return the table."""
    name = table_name(key)
    con.create_table(name, obj=expr, overwrite=True)
    w.rows.append({"key": key_text(key), "name": name, "fingerprint": w.fingerprint})
    return con.table(name)


def drop(con: Any) -> None:
    """Drop every kept fact table and the registry (the data is about to change)."""
    if con.name not in KEEPS_FACTS:
        return
    for name in con.list_tables():
        if name == REGISTRY or name.startswith(PREFIX):
            con.drop_table(name, force=True)


@contextmanager
def _writing(con: Any, fp: str) -> Iterator[_Writer]:
    w = _Writer(fp)
    _WRITERS[id(con)] = w
    try:
        yield w
    finally:
        del _WRITERS[id(con)]


def refresh(con: Any, settings: Any = None, *, force: bool = True, progress: bool = False) -> RefreshResult:
    """Build and keep the facts of the store ``con`` for quarters and years (calendar or the configured
    fiscal year), replacing older ones; unless ``force``, only when they are not current. Months are computed
    on demand from the kept payment facts."""
    from gigsight.backends import ibis_of
    from gigsight.config import Settings
    from gigsight.ingest.pipeline import progress_bar
    from gigsight.metrics.compute import compute
    from gigsight.metrics.shared import Shared, forget

    ibis_con = ibis_of(con)
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    if ibis_con.name not in KEEPS_FACTS:
        return RefreshResult(0, 0, 0.0, f"the {ibis_con.name} backend builds its facts per process")
    if not force and current(ibis_con, set(ibis_con.list_tables())) is not None:
        return RefreshResult(0, 0, 0.0, "already current")
    forget(id(ibis_con))  # tables an open Shared block built are not kept: build afresh, as kept tables
    drop(ibis_con)
    present = set(ibis_con.list_tables())
    if "payments" not in present or ibis_con.table("payments").count().execute() == 0:
        return RefreshResult(0, 0, 0.0, "no payments yet")
    with (_writing(ibis_con, fingerprint(ibis_con, present)) as w, Shared(ibis_con),
          progress_bar(progress, steps=True) as advance_for):
        step = advance_for("metric facts", 4)
        for grain in ("quarter", "year"):
            compute(_SUITE, period=grain, con=ibis_con, settings=settings)
            step(1)
            compute("gsv", period=grain, by="skill", con=ibis_con, settings=settings)
            step(1)
    rows = sum(int(ibis_con.table(r["name"]).count().execute()) for r in w.rows)
    ibis_con.create_table(REGISTRY, obj=pd.DataFrame(w.rows, columns=["key", "name", "fingerprint"]),
                          overwrite=True)
    return RefreshResult(len(w.rows), rows, round(time.perf_counter() - started, 2))


__all__ = ["REGISTRY", "RefreshResult", "current", "drop", "fingerprint", "keep", "refresh", "writer"]

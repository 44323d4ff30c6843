"""Where the store keeps metric facts between processes: tables named ``gigsight_fact_<hash>`` listed in the
``gigsight_facts`` registry with the data's fingerprint (the source tables' row counts and the facts' version).

This module only stores, finds and drops them; what they hold is :mod:`gigsight.metrics` knowledge
(:func:`gigsight.metrics.facts.refresh` builds them). Every write through a
:class:`~gigsight.backends.base.Store` calls :func:`drop`.

>>> import ibis
>>> con = ibis.duckdb.connect()
>>> table_name(("payment_facts", "quarter")).startswith(PREFIX), current(con, set(con.list_tables()))
(True, None)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gigsight.backends.capabilities import capable
from gigsight.backends.types import Backend

REGISTRY = "gigsight_facts"
PREFIX = "gigsight_fact_"
VERSION = 1  # bump when the shape or meaning of a fact table changes: older facts are then ignored
SOURCES = ("payments", "contracts", "jobs", "clients", "proposals", "job_labels", "job_skills", "skills",
           "freelancer_profile")
_WRITERS: dict[int, _Writer] = {}  # id(Ibis backend) -> the refresh in progress on it


@dataclass
class _Writer:
    fingerprint: str
    rows: list[dict[str, str]] = field(default_factory=list)


def _rows(con: Backend, sql: str) -> list[tuple[Any, ...]]:
    """Plain SQL over our own table names: every question checks freshness, and Ibis would first read the
    schema of each table (most of the check's time)."""
    cur = con.raw_sql(sql)
    if hasattr(cur, "collect"):  # Spark answers with a DataFrame
        return [tuple(r) for r in cur.collect()]
    try:
        return list(cur.fetchall())
    finally:
        if cur is not getattr(con, "con", None):  # DuckDB answers with the connection itself: keep it open
            cur.close()


def fingerprint(con: Backend, present: set[str]) -> str:
    """Row counts of the source tables, and this code's version, as one string (one query)."""
    # unquoted: our table names are plain words, and Spark quotes with backticks where the others use "
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {t}" for t in SOURCES if t in present)
    counts = sorted(_rows(con, sql)) if sql else []
    return f"v{VERSION};" + ";".join(f"{t}={int(n)}" for t, n in counts)


def key_text(key: tuple[Any, ...]) -> str:
    """The registry's name for a fact's key: the key's repr (strings, numbers, tuples and Periods only)."""
    return repr(key)


def table_name(key: tuple[Any, ...]) -> str:
    return PREFIX + hashlib.sha1(key_text(key).encode()).hexdigest()[:16]


def current(con: Backend, present: set[str]) -> dict[str, str] | None:
    """The kept facts (key text -> table name) when they match the data, else None."""
    if not capable(con.name, "keeps_facts") or REGISTRY not in present:
        return None
    reg = _rows(con, f"SELECT key, name, fingerprint FROM {REGISTRY}")
    if not reg or {r[2] for r in reg} != {fingerprint(con, present)}:
        return None
    if not {r[1] for r in reg} <= present:  # a table dropped by hand: the registry no longer tells the truth
        return None
    return {r[0]: r[1] for r in reg}


def writer(con: Backend) -> _Writer | None:
    """The refresh in progress on ``con``, whose facts are to be kept as tables."""
    return _WRITERS.get(id(con))


def keep(con: Backend, w: _Writer, key: tuple[Any, ...], expr: Any) -> Any:
    """Write ``expr`` as the kept fact table for ``key`` and return the table."""
    name = table_name(key)
    con.create_table(name, obj=expr, overwrite=True)
    w.rows.append({"key": key_text(key), "name": name, "fingerprint": w.fingerprint})
    return con.table(name)


def drop(con: Backend) -> None:
    """Drop every kept fact table and the registry (the data is about to change)."""
    if not capable(con.name, "keeps_facts"):
        return
    for name in con.list_tables():
        if name == REGISTRY or name.startswith(PREFIX):
            con.drop_table(name, force=True)


@contextmanager
def writing(con: Backend, fp: str) -> Iterator[_Writer]:
    """While open, computations on ``con`` keep the facts they build (:func:`keep`) under fingerprint ``fp``."""
    w = _Writer(fp)
    _WRITERS[id(con)] = w
    try:
        yield w
    finally:
        del _WRITERS[id(con)]


__all__ = ["PREFIX", "REGISTRY", "SOURCES", "VERSION", "current", "drop", "fingerprint", "keep",
           "table_name", "writer", "writing"]

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
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gigsight.backends import upkeep
from gigsight.backends.capabilities import capable
from gigsight.backends.types import Backend

REGISTRY = "gigsight_facts"
HELD = REGISTRY + "_held"  # the registry while a write on an engine without transactions (Spark) is under way
PREFIX = "gigsight_fact_"
LOG = PREFIX + "log"  # writes logged since the facts were built (gigsight.backends.fact_log): not current then
VERSION = 2  # bump when the shape or meaning of a fact table changes: older facts are then ignored
SOURCES = ("payments", "contracts", "jobs", "clients", "proposals", "job_labels", "job_skills", "skills",
           "freelancer_profile")
_WRITERS: dict[int, _Writer] = {}  # id(Ibis backend) -> the refresh in progress on it


@dataclass
class _Writer:
    fingerprint: str
    rows: list[dict[str, str]] = field(default_factory=list)
    # an incremental refresh: the ids to rebuild (column, table of ids), the kept tables (key text -> name), and
    # the rows rebuilt so far (key text -> table of them) so a fact shared by two period grains is patched once
    scope: tuple[str, str] | None = None
    existing: dict[str, str] = field(default_factory=dict)
    patched: dict[str, Any] = field(default_factory=dict)
    settled: set[str] = field(default_factory=set)  # id columns whose facts are already up to date


class NotKept(Exception):
    """An incremental refresh met a fact the store does not keep yet (a new quarter's periods): rebuild all."""


def dialect(con: Backend, sql: str) -> str:
    """Our plain SQL as ``con``'s engine reads it: Spark spells the text type STRING.

    >>> import ibis
    >>> dialect(ibis.duckdb.connect(), "CAST(x AS VARCHAR)")
    'CAST(x AS VARCHAR)'
    """
    return re.sub(r"\bVARCHAR\b", "STRING", sql) if con.name == "pyspark" else sql


def execute(con: Backend, sql: str) -> None:
    """Run one statement of our plain SQL (:func:`dialect`) for its effect."""
    cur = con.raw_sql(dialect(con, sql))
    if hasattr(cur, "fetchall") and cur is not getattr(con, "con", None):
        cur.close()


def rows(con: Backend, sql: str) -> list[tuple[Any, ...]]:
    """Plain SQL over our own table names: every question checks freshness, and Ibis would first read the
    schema of each table (most of the check's time)."""
    cur = con.raw_sql(dialect(con, sql))
    if hasattr(cur, "collect"):  # Spark answers with a DataFrame
        return [tuple(r) for r in cur.collect()]
    try:
        return list(cur.fetchall())
    finally:
        if cur is not getattr(con, "con", None):  # DuckDB answers with the connection itself: keep it open
            cur.close()


def fingerprint(con: Backend, present: set[str]) -> str:
    """Row counts of the source tables, and this code's version, as one string (one query)."""
    return str(rows(con, f"SELECT {fingerprint_sql(present, con.name == 'pyspark')}")[0][0])


def fingerprint_sql(present: set[str], spark: bool = False) -> str:
    """A SQL expression for :func:`fingerprint`, so a writing transaction can count its own rows.

    >>> fingerprint_sql({"jobs"})
    "'v2' || ';jobs=' || CAST((SELECT COUNT(*) FROM jobs) AS VARCHAR)"
    """
    # unquoted: our table names are plain words, and Spark quotes with backticks where the others use "
    text = "STRING" if spark else "VARCHAR"
    parts = [f"';{t}=' || CAST((SELECT COUNT(*) FROM {t}) AS {text})" for t in sorted(set(SOURCES) & present)]
    return " || ".join([f"'v{VERSION}'", *parts])


def registry_fingerprint(con: Backend) -> str | None:
    """The fingerprint the kept facts were built for (None without a registry)."""
    if REGISTRY not in con.list_tables():
        return None
    found = rows(con, f"SELECT MIN(fingerprint) FROM {REGISTRY}")
    return str(found[0][0]) if found and found[0][0] is not None else None


def key_text(key: tuple[Any, ...]) -> str:
    """The registry's name for a fact's key: the key's repr (strings, numbers, tuples and Periods only)."""
    return repr(key)


def table_name(key: tuple[Any, ...]) -> str:
    return PREFIX + hashlib.sha1(key_text(key).encode()).hexdigest()[:16]


def current(con: Backend, present: set[str]) -> dict[str, str] | None:
    """The kept facts (key text -> table name) when they match the data, else None."""
    if not capable(con.name, "keeps_facts") or REGISTRY not in present or LOG in present:
        return None  # with a log, an upsert may have changed rows and kept every count
    reg = rows(con, f"SELECT key, name, fingerprint FROM {REGISTRY}")
    if not reg or {r[2] for r in reg} != {fingerprint(con, present)}:
        return None
    if not {r[1] for r in reg} <= present:  # a table dropped by hand: the registry no longer tells the truth
        return None
    return {r[0]: r[1] for r in reg}


def writer(con: Backend) -> _Writer | None:
    """The refresh in progress on ``con``, whose facts are to be kept as tables."""
    return _WRITERS.get(id(con))


def keep(con: Backend, w: _Writer, key: tuple[Any, ...], expr: Any, index: str | None = None) -> Any:
    """Write ``expr`` as the kept fact table for ``key`` and return the table, indexed on its id column ``index``
    and analysed where the engine needs it (:mod:`~gigsight.backends.upkeep`)."""
    name = table_name(key)
    con.create_table(name, obj=expr, overwrite=True)
    if index is not None and capable(con.name, "tends_tables"):
        for sql in upkeep.fact_statements(name, index, con.table(name).columns):
            execute(con, sql)
    w.rows.append({"key": key_text(key), "name": name, "fingerprint": w.fingerprint})
    return con.table(name)


def patch(con: Backend, w: _Writer, key: tuple[Any, ...], column: str, build: Any) -> Any:
    """Replace the rows of the kept fact ``key`` whose ``column`` is among the writer's scope ids by ``build()``
    (the same expression over the scope's rows only) and return those rows. A fact partitioned by another column
    is not kept here: its rows over the scope are only an input (freelancer periods read the scope's payments),
    read from the kept table when that is already up to date and carries the scope's column."""
    text = key_text(key)
    if text in w.patched:
        return w.patched[text]
    name = w.existing.get(text)
    if name is None:
        raise NotKept(text)
    assert w.scope is not None
    scope_column, ids = w.scope
    if column != scope_column:
        t = con.table(name)
        # filtered lazily: materialising a day's clients' payment facts (their whole history) cost more than the
        # few scans of the kept table it saves
        if column in w.settled and scope_column in t.columns:
            return t.filter(t[scope_column].isin(con.table(ids).id))
        return build()
    cols = ", ".join(con.table(name).columns)
    if con.name == "pyspark":
        # Parquet tables cannot delete rows: the table is written again beside (its other ids' rows and the scope's
        # rebuilt ones, in one statement: each statement is a Spark job of half a second or more), then swapped in
        execute(con, f"CREATE TABLE {name}__next AS SELECT {cols} FROM {name} t LEFT ANTI JOIN {ids} s "
                     f"ON t.{column} = s.id UNION ALL SELECT {cols} FROM ({con.compile(build())}) d")
        swap(con, name)
        t = con.table(name)
        w.patched[text] = t.filter(t[column].isin(con.table(ids).id))
        return w.patched[text]
    delta = f"{name}_delta"
    con.create_table(delta, obj=build(), overwrite=True)
    execute(con, f"DELETE FROM {name} WHERE {column} IN (SELECT id FROM {ids})")
    execute(con, f"INSERT INTO {name} ({cols}) SELECT {cols} FROM {delta}")
    w.patched[text] = con.table(delta)
    return w.patched[text]


def swap(con: Backend, name: str) -> None:
    """Replace table ``name`` by ``name__next`` (Spark: two catalog steps; a crash between them leaves ``name``
    missing, which every reader of kept facts takes for "rebuild")."""
    execute(con, f"DROP TABLE IF EXISTS {name}")
    execute(con, f"ALTER TABLE {name}__next RENAME TO {name}")


def drop(con: Backend) -> None:
    """Drop every kept fact table and the registry (the data is about to change)."""
    if not capable(con.name, "keeps_facts"):
        return
    for name in con.list_tables():
        if name in (REGISTRY, HELD) or name.startswith(PREFIX):
            con.drop_table(name, force=True)


@contextmanager
def writing(con: Backend, fp: str, scope: tuple[str, str] | None = None, existing: dict[str, str] | None = None,
            settled: set[str] | None = None) -> Iterator[_Writer]:
    """While open, computations on ``con`` keep the facts they build (:func:`keep`) under fingerprint ``fp``, or
    with ``scope`` patch the ``existing`` ones for the scope's ids (:func:`patch`), reading those of ``settled``
    id columns as they are."""
    w = _Writer(fp, scope=scope, existing=existing or {}, settled=settled or set())
    _WRITERS[id(con)] = w
    try:
        yield w
    finally:
        del _WRITERS[id(con)]


__all__ = ["HELD", "LOG", "PREFIX", "REGISTRY", "SOURCES", "VERSION", "NotKept", "current", "dialect", "drop",
           "execute", "fingerprint", "fingerprint_sql", "keep", "patch", "registry_fingerprint", "rows", "swap",
           "table_name", "writer", "writing"]

"""The indexes and planner statistics a store keeps on the tables it writes, where its engine needs them
(``tends_tables`` in :mod:`~gigsight.backends.capabilities`: Postgres).

A daily load touches a few thousand rows of tables with millions: the upsert deletes the rows it replaces by key,
the fact log and the incremental refresh look up the payments of the touched contracts and clients, and delete
the touched ids' rows from every kept fact. Without an index each of those statements reads its whole table.
Every table gets an index on its key and on each column that refers to another table (its foreign keys, and
``client_id`` and ``job_id`` wherever a table carries them), created once, after its first rows are in.

Postgres plans a join from each table's statistics, which its autovacuum gathers up to a minute after a table
fills: a refresh that reads a table it has just written (or a store it has just loaded) would plan it blind, and a
join planned for a handful of rows took minutes at 4.4M payments. A write that adds a tenth or more of a table's
rows, and every table written whole, is therefore analysed before its transaction ends.

>>> [s.split(" ON ")[1] for s in index_statements(["contracts"])]
['"contracts" ("contract_id")', '"contracts" ("job_id")', '"contracts" ("client_id")', '"contracts" ("freelancer_id")']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gigsight.model.schema import SCHEMA

_REFERENCES = ("client_id", "job_id")  # read by id where no foreign key says so: payments by client, labels by job
_SPAN = {"payments": ("paid_at",)}  # the data's span, read by every refresh and question (MIN/MAX from the index)
_FACT_READERS = ("client_id", "freelancer_id")  # kept payment facts are read by client and by freelancer too
# tables the enrich stage writes (not canonical): read by job while a refresh rebuilds a day's jobs
_DERIVED = {"job_skills": ("job_id",), "job_labels": ("job_id",)}
GROWTH = 0.1  # a write adding this share of a table's rows or more refreshes its statistics (autovacuum's own default)


def indexed_columns(table: str) -> list[tuple[str, ...]]:
    """The column lists ``table`` is indexed on, its key first.

    >>> indexed_columns("payments"), indexed_columns("job_labels"), indexed_columns("rejects")
    ([('payment_id',), ('contract_id',), ('client_id',), ('paid_at',)], [('job_id',)], [])
    """
    t = SCHEMA.get(table)
    if t is None:
        return [(c,) for c in _DERIVED.get(table, ())]
    out = [t.key, *((fk.column,) for fk in t.foreign_keys), *((c,) for c in (*_REFERENCES, *_SPAN.get(table, ()))
                                                                   if c in t.names)]
    return list(dict.fromkeys(out))


def index_statements(tables: Iterable[str]) -> list[str]:
    """``CREATE INDEX IF NOT EXISTS`` for every index of ``tables`` (a no-op for an index already there)."""
    return [f'CREATE INDEX IF NOT EXISTS "{t}__{"_".join(cols)}" ON "{t}" ({_quoted(cols)})'
            for t in tables for cols in indexed_columns(t)]


def fact_statements(name: str, column: str, columns: Iterable[str]) -> list[str]:
    """A kept fact table (``columns``) just written whole: its indexes on the id column an incremental refresh
    deletes by and on the others it reads the table by, and its statistics (the refresh's next statements join it).

    >>> [s.split(" ON ")[-1] for s in fact_statements("f", "payment_id", ["payment_id", "client_id", "gsv"])]
    ['f (payment_id)', 'f (client_id)', 'ANALYZE f']
    """
    ids = dict.fromkeys([column, *(c for c in _FACT_READERS if c in set(columns))])
    return [*(f"CREATE INDEX IF NOT EXISTS {name}_{c} ON {name} ({c})" for c in ids), f"ANALYZE {name}"]


def tend(cur: Any, written: dict[str, int | None]) -> None:
    """Inside a writing transaction on Postgres (``cur`` a psycopg cursor): the indexes of the written tables, and
    statistics for each one written whole (``None``) or grown by :data:`GROWTH` or more (rows written)."""
    for sql in index_statements(written):
        cur.execute(sql)
    for table, rows in written.items():
        known = cur.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (f'"{table}"',)).fetchone()
        if rows is None or known is None or known[0] < 0 or rows >= GROWTH * known[0]:
            cur.execute(f'ANALYZE "{table}"')


def _quoted(cols: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in cols)


__all__ = ["fact_statements", "index_statements", "indexed_columns", "tend"]

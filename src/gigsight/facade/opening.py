"""Opening a store once per verb: a verb given a URL opens it and closes it when done; given an open
:class:`~gigsight.backends.base.Store`, it uses it and leaves it open.

>>> store = connect("duckdb://:memory:")
>>> using(store, lambda s: s is store)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from gigsight.backends import connect
from gigsight.backends.base import Store

T = TypeVar("T")
StoreLike = Store | str | None


def opened(con: StoreLike, **kw: Any) -> tuple[Store, bool]:
    """The store for ``con`` and whether the caller must close it (it opened a URL)."""
    if isinstance(con, Store):
        return con, False
    return connect(con, **kw), True


def using(con: StoreLike, fn: Callable[[Store], T], *, write: bool = True) -> T:
    """``fn(store)`` on the store ``con`` (a Store, a URL or None for the default); a URL is opened for this call
    only (a DuckDB file read-only unless ``write``) and closed after it."""
    read_only = not write and isinstance(con, str) and con.startswith("duckdb")
    store, owned = opened(con, read_only=read_only)
    try:
        return fn(store)
    finally:
        if owned:
            store.close()


def reading(con: StoreLike, fn: Callable[[Store], T]) -> T:
    """``fn(store)`` without writing: a DuckDB file is opened read-only, so a running server does not block it."""
    return using(con, fn, write=False)


__all__ = ["StoreLike", "connect", "opened", "reading", "using"]

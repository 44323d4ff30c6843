"""Tables shared between the computations of one block: while a :class:`Shared` block is open on a backend,
every ``compute()`` on it keeps the intermediates it materialises (payment facts, client periods...) for the
next one, instead of dropping them when it returns.

The store's kept facts (:mod:`gigsight.backends.kept`) outlive processes; a Shared block holds what they do not
cover (months, other settings, Spark) for the length of one report, one web data version, one call.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from gigsight.backends.types import Backend

P = ParamSpec("P")
R = TypeVar("R")
_SHARED: dict[int, dict[tuple[Any, ...], Any]] = {}  # id(Ibis backend) -> materialised tables, while shared


class Shared:
    """While open, computations on ``con`` share their materialised intermediates (payment facts, client
    and freelancer periods, job facts); :meth:`reset` or closing drops them.

    Only a caller that knows the data cannot change while the block is open should open one: the report
    (one build), the web service (which resets when the data version changes). Writes through a
    :class:`~gigsight.backends.base.Store` reset it too. Nested blocks on one backend share the outer one.

    >>> from gigsight.ingest.sample import sample_store
    >>> from gigsight.metrics.compute import compute
    >>> store = sample_store(clients=30, seed=1)
    >>> with Shared(store.con) as shared:
    ...     a = compute("gsv", period="year", con=store); b = compute("active_clients", period="year", con=store)
    ...     len(shared.tables) > 0
    True
    >>> id(store.con) in _SHARED
    False
    """

    def __init__(self, con: Backend) -> None:
        self.key = id(con)
        self.owner = False

    @property
    def tables(self) -> dict[tuple[Any, ...], Any]:
        return _SHARED.get(self.key, {})

    def __enter__(self) -> Shared:
        if self.key not in _SHARED:
            _SHARED[self.key], self.owner = {}, True
        return self

    def reset(self) -> None:
        """Drop every shared table (the data changed)."""
        forget(self.key)

    def __exit__(self, *exc: object) -> None:
        if self.owner:
            forget(self.key)
            del _SHARED[self.key]


def sharing(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` inside a :class:`Shared` block on its store (its ``con`` or ``store`` argument): the
    several computations of one call (a ranking and its comparison period, say) build the facts once."""
    sig = inspect.signature(fn)
    name = next(n for n in ("con", "store") if n in sig.parameters)

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        con = sig.bind_partial(*args, **kwargs).arguments.get(name)
        if con is None or isinstance(con, str):
            return fn(*args, **kwargs)
        with Shared(getattr(con, "con", con)):  # a Store's Ibis backend, or the backend itself
            return fn(*args, **kwargs)

    return run


def open_tables(con: Backend) -> dict[tuple[Any, ...], Any] | None:
    """The tables shared on Ibis backend ``con`` while a :class:`Shared` block is open on it, else None."""
    return _SHARED.get(id(con))


def forget(key: int) -> None:
    """Release the shared tables of the backend with ``id()`` ``key`` (a no-op when none are shared)."""
    tables = _SHARED.get(key, {})
    for t in tables.values():
        with contextlib.suppress(Exception):  # gone with the connection already: nothing to free
            t.release()
    tables.clear()


__all__ = ["Shared", "forget", "sharing"]

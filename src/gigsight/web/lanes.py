"""Connections to one store, lent to one computation at a time and shared fairly between kinds of question.

Temporary tables live per connection, so each lane keeps its own shared facts (:class:`Shared`). Lanes open as
demand needs them, up to ``size``. When every lane is busy, a freed lane goes to the kind of question served
longest ago, the oldest asker of that kind first: forty cold skill-trend questions cannot make an unrelated
KPI question wait for all of them, only for the first lane to come free.

>>> import tempfile, gigsight
>>> path = tempfile.mkdtemp() + "/s.duckdb"
>>> gigsight.connect(path).close()
>>> lanes = Lanes(f"duckdb://{path}", read_only=True, size=2)
>>> with lanes.lend("v1", "kpis") as store:
...     with lanes.lend("v1", "meta") as inner:  # a nested question keeps its lane
...         inner is store
True
>>> lanes.close()
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from gigsight import Shared, Store, connect


@dataclass
class _Lane:
    store: Store
    shared: Shared
    version: str = ""


class _Ticket:
    lane: _Lane | None = None


class Lanes:
    """Lanes to the store at ``url``; :meth:`lend` a free one for one computation."""

    def __init__(self, url: str, read_only: bool, size: int) -> None:
        self.url, self.read_only, self.size = url, read_only, max(1, size)
        self._free: list[_Lane] = []
        self._all: list[_Lane] = []
        self._cv = threading.Condition()
        self._waiting: dict[str, deque[_Ticket]] = {}  # askers waiting, by kind, oldest first
        self._served: dict[str, int] = {}  # kind -> when it last got a lane (a counter, not a clock)
        self._turns = 0
        self._local = threading.local()
        self._free.append(self._open())

    def _open(self) -> _Lane:
        store = connect(self.url, read_only=self.read_only) if self.read_only else connect(self.url)
        lane = _Lane(store, Shared(store.con).__enter__())
        self._all.append(lane)
        return lane

    @property
    def current(self) -> Store:
        """The store of the lane this thread holds (the first one outside a computation)."""
        held: _Lane | None = getattr(self._local, "lane", None)
        return (held or self._all[0]).store

    @contextlib.contextmanager
    def lend(self, version: str, kind: str) -> Iterator[Store]:
        """A lane for one computation of question ``kind`` on data ``version`` (shared facts of another version
        are dropped first, here, where no other thread uses them)."""
        held: _Lane | None = getattr(self._local, "lane", None)
        if held is not None:
            yield held.store
            return
        lane = self._take(kind)
        if lane.version != version:
            lane.shared.reset()
            lane.version = version
        self._local.lane = lane
        try:
            yield lane.store
        finally:
            self._local.lane = None
            self._give_back(lane)

    def _take(self, kind: str) -> _Lane:
        with self._cv:
            if self._free and not self._waiting:
                self._mark(kind)
                return self._free.pop()
            if len(self._all) < self.size:  # opened under the lock: rare (at most size times), and short
                self._mark(kind)
                return self._open()
            ticket = _Ticket()
            self._waiting.setdefault(kind, deque()).append(ticket)
            while ticket.lane is None:
                self._cv.wait()
            return ticket.lane

    def _give_back(self, lane: _Lane) -> None:
        with self._cv:
            if not self._waiting:
                self._free.append(lane)
                return
            kind = min(self._waiting, key=lambda k: self._served.get(k, -1))
            waiters = self._waiting[kind]
            waiters.popleft().lane = lane
            if not waiters:
                del self._waiting[kind]
            self._mark(kind)
            self._cv.notify_all()

    def _mark(self, kind: str) -> None:
        self._turns += 1
        self._served[kind] = self._turns

    def close(self) -> None:
        for lane in self._all:
            lane.shared.__exit__(None, None, None)
            lane.store.close()

"""Progress as a callback: long work (ingest, simulate, enrich, refresh) says how far it got; the caller decides
how to show it. The library never draws; the CLI passes one that draws Rich bars (``gigsight.cli.progress``).

A :data:`Progress` is called once per task with its label, its total and its unit ("bytes", "steps", or what is
counted: "jobs", "clients") and returns the function to call with each increment.

>>> seen = []
>>> def record(label: str, total: int, unit: str) -> Callable[[int], None]:
...     return lambda n: seen.append((label, n, unit))
>>> advance = task(record, "enrich jobs", 10, "jobs")
>>> advance(4); advance(6)
>>> seen
[('enrich jobs', 4, 'jobs'), ('enrich jobs', 6, 'jobs')]
>>> task(None, "quiet", 3, "steps")(3)  # no callback: nothing is reported
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    """Called once per task; returns the function that advances it by ``n`` units."""

    def __call__(self, label: str, total: int, unit: str) -> Callable[[int], None]: ...


def _ignore(n: int) -> None:
    """An increment nobody watches."""


def task(progress: Progress | None, label: str, total: int, unit: str) -> Callable[[int], None]:
    """Start a task on ``progress`` (None: report nothing) and return its advance function."""
    if progress is None:
        return _ignore
    return progress(label, total, unit)


__all__ = ["Progress", "task"]

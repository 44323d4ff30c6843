"""Rich progress bars for the library's progress callbacks (:mod:`gigsight.progress`): the only place that draws
them. A task counted in bytes shows sizes and the time left; steps show "done of total"; anything else (jobs,
clients) its count with the unit, so a row count never reads as megabytes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

import gigsight


class _Amount(ProgressColumn):
    """How far a task is, in its own unit."""

    def __init__(self) -> None:
        super().__init__()
        self._bytes, self._count = DownloadColumn(), MofNCompleteColumn()

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "bytes")
        if unit == "bytes":
            return self._bytes.render(task)
        shown = self._count.render(task)
        return shown if unit == "steps" else Text.assemble(shown, f" {unit}")


class _Time(ProgressColumn):
    """Time left where the rate means something (bytes, things), time spent for steps."""

    def __init__(self) -> None:
        super().__init__()
        self._left, self._spent = TimeRemainingColumn(), TimeElapsedColumn()

    def render(self, task: Task) -> Text:
        return (self._spent if task.fields.get("unit") == "steps" else self._left).render(task)


@contextmanager
def bars(show: bool, console: Console | None = None) -> Iterator[gigsight.Progress | None]:
    """A progress callback drawing one Rich bar per task while the block runs (None when ``show`` is off)."""
    if not show:
        yield None
        return
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), _Amount(), _Time(), console=console,
                   transient=False)

    def start(label: str, total: int, unit: str) -> Callable[[int], None]:
        task = bar.add_task(Path(label).name[:40], total=max(total, 1), unit=unit)
        return lambda n: bar.advance(task, n)

    with bar:
        yield start

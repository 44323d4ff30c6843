"""One error hierarchy: every failure gigsight raises on purpose is a :class:`GigsightError`.

Messages say where and what to try. Validation collects every issue and raises once, so a user
fixes a file in one pass instead of one error per run.

>>> err = DataValidationError([Issue("payments", 3, "amount", "abc", "money", "not a number", "payments.csv")],
...                           source="payments.csv")
>>> print(err)
1 invalid value in payments.csv:
  payments.csv row 3, column amount, value 'abc': not a number [money]
>>> isinstance(err, ValueError) and isinstance(err, GigsightError)
True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class GigsightError(Exception):
    """Root of every error gigsight raises deliberately; the CLI prints it as one line and exits 1."""


class ConfigError(GigsightError, ValueError):
    """A setting, URL, mapping file or command-line option is invalid."""


class BackendError(GigsightError):
    """The store cannot be reached or cannot do what was asked (names the backend)."""


class SourceError(GigsightError):
    """An input file or database cannot be read at all (missing, unreadable, empty, wrong format)."""


@dataclass(frozen=True)
class Issue:
    """One located problem with one value: where it is, what it is and which rule it broke."""

    table: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    source: str = ""

    def located(self) -> str:
        where = [self.source or self.table]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            where.append(f"value {shown!r}")
        return f"{' '.join(where[:1])} {', '.join(where[1:])}: {self.message} [{self.rule}]".replace(" :", ":")


class DataValidationError(GigsightError, ValueError):
    """Raised once with every issue found; ``issues`` holds them all, the message shows the first few."""

    shown = 10

    def __init__(self, issues: Sequence[Issue], source: str = "") -> None:
        self.issues = list(issues)
        self.source = source
        n = len(self.issues)
        head = f"{n} invalid value{'s' if n != 1 else ''}" + (f" in {source}" if source else "") + ":"
        lines = [head] + [f"  {i.located()}" for i in self.issues[: self.shown]]
        if n > self.shown:
            lines.append(f"  ... and {n - self.shown} more (all of them are in the rejects table)")
        super().__init__("\n".join(lines))


def did_you_mean(name: str, known: Iterable[str], what: str) -> str:
    """An 'unknown X' message with the closest known names.

    >>> did_you_mean("paymnets", ["payments", "jobs"], "table")
    "unknown table 'paymnets'; did you mean 'payments'? (known: jobs, payments)"
    """
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {what} {name!r}{hint} (known: {', '.join(known)})"

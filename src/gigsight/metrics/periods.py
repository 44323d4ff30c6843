"""Periods as integers, so every engine computes them the same way and comparisons are arithmetic.

A month index is ``year * 12 + month - 1`` (calendar). Quarters and years are counted on the fiscal
calendar: with a fiscal year starting in July, July 2024 opens fiscal 2025 ("2025Q1"). A period key
is the month index, the fiscal quarter index or the fiscal year; labels are "2025-07", "2025Q3", "2025".

>>> p = Periods("quarter")
>>> p.key_of_month(2025 * 12 + 8), p.label(p.key_of_month(2025 * 12 + 8))
(8102, '2025Q3')
>>> p.end_month(8102) == 2025 * 12 + 8, p.offset("yoy"), p.offset("qoq")
(True, 4, 1)
>>> Periods("quarter", fiscal_start=7).label(Periods("quarter", fiscal_start=7).key_of_month(2024 * 12 + 6))
'2025Q1'
>>> Periods("month").parse("2025-07") == 2025 * 12 + 6
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gigsight.errors import ConfigError, did_you_mean

GRAINS = ("month", "quarter", "year")
COMPARISONS = ("yoy", "qoq")
_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}


@dataclass(frozen=True)
class Periods:
    grain: str = "quarter"
    fiscal_start: int = 1  # month (1-12) the fiscal year starts

    def __post_init__(self) -> None:
        if self.grain not in GRAINS:
            raise ConfigError(did_you_mean(self.grain, GRAINS, "period"))
        if not 1 <= self.fiscal_start <= 12:
            raise ConfigError(f"fiscal year start must be a month 1-12, got {self.fiscal_start}")

    @property
    def shift(self) -> int:
        """Months added to a calendar month index to land on the fiscal one."""
        return (13 - self.fiscal_start) % 12

    def key_of_month(self, month_index: int) -> int:
        if self.grain == "month":
            return month_index
        fiscal = month_index + self.shift
        return fiscal // 3 if self.grain == "quarter" else fiscal // 12

    def key_expr(self, month_index: Any) -> Any:
        """The same as :meth:`key_of_month` on an Ibis integer column."""
        if self.grain == "month":
            return month_index
        fiscal = month_index + self.shift
        return (fiscal // 3) if self.grain == "quarter" else (fiscal // 12)

    def same_period_expr(self, a: Any, b: Any) -> Any:
        """Whether month indexes ``a`` and ``b`` (Ibis columns) fall in the same period, by remainder only:
        engines divide integers as floats, which made the per-row comparison of two period keys slow."""
        if self.grain == "month":
            return a == b
        size = 3 if self.grain == "quarter" else 12
        start = b - (b + self.shift) % size
        return (a >= start) & (a < start + size)

    def months(self, key: int) -> range:
        """Calendar month indexes in period ``key``."""
        if self.grain == "month":
            return range(key, key + 1)
        size = 3 if self.grain == "quarter" else 12
        first = key * size - self.shift
        return range(first, first + size)

    def end_month(self, key: int) -> int:
        return self.months(key)[-1]

    def offset(self, comparison: str) -> int:
        """How many periods back a comparison looks."""
        if comparison == "yoy":
            return _PER_YEAR[self.grain]
        if comparison == "qoq":
            if self.grain == "year":
                raise ConfigError("qoq needs --period quarter or month")
            return 1 if self.grain == "quarter" else 3
        raise ConfigError(did_you_mean(comparison, COMPARISONS, "comparison"))

    def label(self, key: int) -> str:
        if self.grain == "month":
            return f"{key // 12}-{key % 12 + 1:02d}"
        if self.grain == "quarter":
            return f"{key // 4}Q{key % 4 + 1}"
        return str(key)

    def parse(self, label: str) -> int:
        """The key of a label; the label's form must match the grain."""
        text = label.strip().upper()
        forms = {"month": r"(\d{4})-(\d{2})", "quarter": r"(\d{4})Q([1-4])", "year": r"(\d{4})"}
        m = re.fullmatch(forms[self.grain], text)
        if not m:
            examples = {"month": "2025-07", "quarter": "2025Q3", "year": "2025"}
            raise ConfigError(f"period {label!r} is not a {self.grain} like {examples[self.grain]}")
        year = int(m.group(1))
        if self.grain == "month":
            month = int(m.group(2))
            if not 1 <= month <= 12:
                raise ConfigError(f"period {label!r}: month must be 01-12")
            return year * 12 + month - 1
        if self.grain == "quarter":
            return year * 4 + int(m.group(2)) - 1
        return year


def month_index(ts: Any) -> Any:
    """Calendar month index of an Ibis timestamp column."""
    return ts.year().cast("int64") * 12 + ts.month().cast("int64") - 1


def grain_of_label(label: str) -> str:
    """Which grain a period label is written in.

    >>> grain_of_label("2025Q3"), grain_of_label("2025-07"), grain_of_label("2025")
    ('quarter', 'month', 'year')
    """
    text = label.strip().upper()
    if "Q" in text:
        return "quarter"
    return "month" if "-" in text else "year"

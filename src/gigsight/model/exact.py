"""Values on their way out, kept exact: money stays a decimal from the store to JSON, CSV and the terminal.

A float holds whole cents exactly only up to 2^53 cents (about $90 trillion); sums of payments are decimals
in every engine, so they are handed on as decimals and written as the digits they are.

>>> from decimal import Decimal
>>> to_json({"gsv": Decimal("94999996005190.99"), "clients": 2, "share": 0.5, "note": None})
'{"gsv": 94999996005190.99, "clients": 2, "share": 0.5, "note": null}'
>>> plain([Decimal("1.10"), float("nan"), {"a": Decimal("NaN")}])
[Decimal('1.10'), None, {'a': None}]
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import simplejson


def plain(value: Any) -> Any:
    """A cell as a JSON value: NaN and NaT to null, numpy scalars to Python ones, dates to ISO text; a finite
    decimal stays a decimal (``to_json`` writes its digits)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return plain(value.item())
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def to_json(value: Any, indent: int | None = None, compact: bool = False) -> str:
    """JSON text with decimals written digit for digit (never through a float); NaN and infinities are refused,
    since JSON has none (pass values through ``plain`` first)."""
    separators = (",", ":") if compact else None
    return simplejson.dumps(value, use_decimal=True, allow_nan=False, indent=indent, separators=separators,
                            default=str)

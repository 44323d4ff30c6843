"""Exchange rates the user supplies: a CSV with columns ``currency,rate`` (base-currency units per unit).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "rates.csv"
>>> _ = p.write_text("currency,rate\\nEUR,1.08\\n")
>>> load_rates(p, "USD").to_pylist()
[{'currency': 'EUR', 'rate': Decimal('1.08000000')}]
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa

from gigsight.errors import DataValidationError, Issue, SourceError
from gigsight.model.currencies import ISO_4217

SCHEMA = pa.schema([("currency", pa.string()), ("rate", pa.decimal128(18, 8))])


def _rate_problem(raw: str) -> str | None:
    """Why a rate cannot be used exactly (None when it can): a finite positive number with at most 8 decimals
    below 10 billion, the precision rates are kept at.

    >>> [_rate_problem(x) for x in ("1.08", "NaN", "1E+30")]
    [None, 'must be a positive number', 'too large (at most 9999999999.99999999)']
    """
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        return "must be a positive number"
    if not rate.is_finite() or rate <= 0:
        return "must be a positive number"
    if rate.as_tuple().exponent < -8 and rate != rate.quantize(Decimal("1e-8")):  # type: ignore[operator]
        return "more than 8 decimals: rates are kept to 8"
    if rate >= Decimal("1e10"):
        return "too large (at most 9999999999.99999999)"
    return None


def load_rates(path: str | Path | None, base: str) -> pa.Table:
    """Rates as an Arrow table; an empty table when no file is given (then only ``base`` is accepted)."""
    if path is None:
        return SCHEMA.empty_table()
    p = Path(path)
    if not p.is_file():
        raise SourceError(f"rates file {p}: no such file")
    issues: list[Issue] = []
    rates: dict[str, Decimal] = {}
    with p.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or {"currency", "rate"} - set(reader.fieldnames):
            raise SourceError(f"rates file {p}: needs a header with columns currency,rate")
        for n, rec in enumerate(reader, start=1):
            code = (rec.get("currency") or "").strip().upper()
            raw = (rec.get("rate") or "").strip()
            if code not in ISO_4217:
                issues.append(Issue("rates", n, "currency", code, "currency", "not an ISO 4217 code", str(p)))
                continue
            why = _rate_problem(raw)
            if why:
                issues.append(Issue("rates", n, "rate", raw, "range", why, str(p)))
                continue
            rate = Decimal(raw)
            if code in rates and rates[code] != rate:
                issues.append(Issue("rates", n, "currency", code, "duplicate_key", "two different rates", str(p)))
            elif code != base:
                rates[code] = rate
    if issues:
        raise DataValidationError(issues, source=str(p))
    return pa.table({"currency": list(rates), "rate": list(rates.values())}, schema=SCHEMA)

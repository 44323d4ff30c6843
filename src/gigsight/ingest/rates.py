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
            try:
                rate = Decimal(raw)
            except InvalidOperation:
                rate = Decimal(0)
            if not rate > 0:
                issues.append(Issue("rates", n, "rate", raw, "range", "must be a positive number", str(p)))
            elif code in rates and rates[code] != rate:
                issues.append(Issue("rates", n, "currency", code, "duplicate_key", "two different rates", str(p)))
            elif code != base:
                rates[code] = rate
    if issues:
        raise DataValidationError(issues, source=str(p))
    return pa.table({"currency": list(rates), "rate": list(rates.values())}, schema=SCHEMA)

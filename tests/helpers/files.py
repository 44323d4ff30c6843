"""Input files and table contents the tests write and compare: CSVs, the hand-written edge-case records, rows of
a store's table in key order."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from gigsight import Store


def write_csv(path: Path, header: list[str], rows: list[list[Any]], delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def table_rows(store: Store, table: str) -> list[dict[str, Any]]:
    """All rows of a table as plain dicts, ordered by key (engine-neutral comparison)."""
    from gigsight.model.schema import SCHEMA

    t = SCHEMA[table]
    df = store.con.table(table).select(*t.names).order_by(list(t.key)).to_pyarrow()
    return [{k: (None if v is None else str(v)) for k, v in r.items()} for r in df.to_pylist()]


# client, paid_at (as the export has it), amount, kind, AI job?
PAYMENTS = [
    ("c1", "2024-09-30T23:59:59Z", "100.00", "milestone", False),   # exactly 12 months before 2025Q3 ends: out
    ("c2", "2024-10-01T00:00:00Z", "200.00", "milestone", False),   # first instant of the window: in
    ("c3", "2025-08-01T10:00:00Z", "-50.00", "refund", False),      # a refund alone: never active, never new
    ("c4", "2024-02-29T12:00:00Z", "400.00", "milestone", False),   # a leap day
    ("c5", "2025-07-01T00:30:00+02:00", "800.00", "hourly", True),   # 2025-06-30 22:30 UTC: Q2
    ("c6", "2025-09-30T23:30:00-02:00", "1600.00", "hourly", True),  # 2025-10-01 01:30 UTC: Q4
]


def write_records(d: Path) -> Path:
    clients = sorted({p[0] for p in PAYMENTS})
    write_csv(d / "clients.csv", ["client_id", "signup_at", "country"], [[c, "2023-12-01", "US"] for c in clients])
    write_csv(d / "freelancers.csv", ["freelancer_id", "signup_at"], [["f1", "2023-01-01"]])
    write_csv(d / "jobs.csv", ["job_id", "client_id", "posted_at", "title", "budget_type", "is_ai"],
              [[f"j{i}", c, "2024-01-10", "Work", "fixed", str(ai).lower()]
               for i, (c, _, _, _, ai) in enumerate(PAYMENTS)])
    write_csv(d / "contracts.csv", ["contract_id", "job_id", "client_id", "freelancer_id", "started_at",
                                    "contract_type"],
              [[f"k{i}", f"j{i}", c, "f1", "2024-01-15", "fixed"] for i, (c, *_rest) in enumerate(PAYMENTS)])
    write_csv(d / "payments.csv", ["payment_id", "contract_id", "client_id", "freelancer_id", "paid_at", "amount",
                                   "client_fee", "freelancer_fee", "currency", "kind"],
              [[f"p{i}", f"k{i}", c, "f1", t, a, "0.00", "0.00", "USD", k]
               for i, (c, t, a, k, _) in enumerate(PAYMENTS)])
    return d

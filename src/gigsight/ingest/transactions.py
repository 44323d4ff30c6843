"""A plain transaction log (one row per purchase: client, date, amount) read as the canonical tables.

Many stores of client history are only that: an order export, a payments ledger, a retail panel. ``gigsight ingest
FILE --table transactions`` reads it as payments and derives the rest of the model from it, so client value, the
KPIs and the report run on it: one client per client id (signed up at its first purchase), one job and one fixed
contract per client that its purchases pay, and one freelancer standing for the sellers the log does not name.
Every value the file holds is passed on as written and validated like any other payment (exact amounts, dates,
duplicates, negative amounts as refunds); a rejected row is named by the file's own row number.

Columns are found by name, ignoring case and punctuation: the client (``client_id``, ``customer_id``,
``customer``, ...), the date (``paid_at``, ``date``, ``order_date``, ...), the amount (``amount``, ``spend``,
``revenue``, ...) and, when present, an id per row (``payment_id`` or ``transaction_id``; otherwise the file name and
row number, so loading the same file again replaces its rows instead of adding them).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
>>> _ = p.write_text("Customer ID,Order Date,Amount\\nc1,2024-01-05,10.50\\nc1,2024-02-01,-2.00\\n")
>>> [(t, s.label.split("/")[-1]) for t, s in transaction_sources(p, None, "USD")]
[('clients', 'orders.csv (clients derived)'), ('freelancers', 'orders.csv (freelancers derived)'), \
('jobs', 'orders.csv (jobs derived)'), ('contracts', 'orders.csv (contracts derived)'), ('payments', 'orders.csv')]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from gigsight.errors import SourceError
from gigsight.ingest.formats import ArrowSource, open_source
from gigsight.ingest.parse import timestamp_text_sql
from gigsight.ingest.readers import ROW, RawBatch, Source

ROLES = {  # canonical role -> accepted column names (normalised), in order of preference
    "client": ("client_id", "customer_id", "customer", "client", "cust_id", "customerid", "user_id", "buyer_id"),
    "date": ("paid_at", "date", "order_date", "purchase_date", "transaction_date", "invoice_date", "timestamp",
             "created_at", "paid_on"),
    "amount": ("amount", "spend", "revenue", "sales", "total", "value", "order_value", "gmv", "gsv"),
    # one id per row: an order or invoice number is not one (an order's lines repeat it), so it stays a value
    "id": ("payment_id", "transaction_id", "txn_id"),
}
WORDS = {  # a column none of whose names is listed above still plays a role when one of its words says so
    "client": {"customer", "client", "buyer"},
    "date": {"date", "datetime", "timestamp"},
    "amount": {"amount", "revenue", "sales", "spend", "total", "gmv", "gsv"},
}
PREFIX = "tx:"  # the derived ids: tx:<client id> for its job and contract
SELLER = PREFIX + "unattributed"


def _norm(name: str) -> str:
    """A column name as words joined by ``_``: case, punctuation and camel case ignored.

    >>> [_norm(n) for n in ("InvoiceDate", "Customer ID", "customerID", "order-date ", "GMV")]
    ['invoice_date', 'customer_id', 'customer_id', 'order_date', 'gmv']
    """
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())  # InvoiceDate, CustomerID
    return re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")


def find_columns(label: str, columns: list[str]) -> dict[str, str]:
    """The file's column for each role (``id`` only when present): a listed name, else the one column a word of
    whose name says the role.

    >>> find_columns("f.csv", ["Customer", "Date", "Sales"])
    {'client': 'Customer', 'date': 'Date', 'amount': 'Sales'}
    >>> find_columns("f.csv", ["InvoiceNo", "InvoiceDate", "CustomerID", "TotalAmount"])
    {'client': 'CustomerID', 'date': 'InvoiceDate', 'amount': 'TotalAmount'}
    """
    by_norm = {_norm(c): c for c in columns}
    found: dict[str, str] = {}
    for role, names in ROLES.items():
        hit = next((by_norm[n] for n in names if n in by_norm), None)
        if hit is None and role in WORDS:
            said = [c for n, c in by_norm.items() if WORDS[role] & set(n.split("_")) and c not in found.values()]
            if len(said) > 1:
                raise SourceError(f"{label}: several columns could be the {role} of a transaction log "
                                  f"({', '.join(said)}): rename the one you mean to {names[0]}")
            hit = said[0] if said else None
        if hit is not None:
            found[role] = hit
        elif role != "id":
            lines = role == "amount" and {"quantity", "price"} <= {w for n in by_norm for w in n.split("_")}
            hint = ("; a log of order lines holds a quantity and a unit price: write their product to an amount "
                    "column first, so that every amount is the one you mean") if lines else ""
            raise SourceError(f"{label}: no {role} column in a transaction log (found: {', '.join(columns)}; "
                              f"expected one of: {', '.join(names)}){hint}")
    return found


class _Payments(Source):
    """The log's rows as canonical payments, batch by batch, with the file's own row numbers."""

    def __init__(self, inner: Source, cols: dict[str, str], currency: str) -> None:
        self.inner, self.cols, self.currency = inner, cols, currency
        self.label, self.size = inner.label, inner.size
        self.columns = ["payment_id", "contract_id", "client_id", "freelancer_id", "paid_at", "amount",
                        "client_fee", "freelancer_fee", "currency", "kind"]

    def batches(self, batch_rows: int, advance: Callable[[int], None] | None = None) -> Iterator[RawBatch]:
        stem = Path(self.label).name
        for b in self.inner.batches(batch_rows, advance):
            t, n = b.table, b.table.num_rows
            if b.restart or n == 0:  # a re-read is starting, or only faults: nothing to rename
                yield b
                continue
            text = {role: pc.cast(t[c], pa.string()) for role, c in self.cols.items()}
            client, amount = text["client"], text["amount"]
            rows = pc.cast(t[ROW], pa.string())
            pid = text["id"] if "id" in text else pc.binary_join_element_wise(pa.scalar(stem), rows, ":")
            refund = pc.fill_null(pc.starts_with(pc.utf8_trim_whitespace(amount), "-"), False)
            job = pc.binary_join_element_wise(pa.scalar(PREFIX), client, "")
            const = {k: pa.array([v] * n, pa.string()) for k, v in (
                ("freelancer_id", SELLER), ("client_fee", "0"), ("freelancer_fee", "0"), ("currency", self.currency))}
            out = pa.table({"payment_id": pid, "contract_id": job, "client_id": client,
                            "freelancer_id": const["freelancer_id"], "paid_at": text["date"], "amount": amount,
                            "client_fee": const["client_fee"], "freelancer_fee": const["freelancer_fee"],
                            "currency": const["currency"], "kind": pc.if_else(refund, "refund", "milestone"),
                            ROW: t[ROW]})
            yield RawBatch(out, b.issues, b.restart, b.bytes_end)


def _first_dates(source: Source, cols: dict[str, str], batch_rows: int, formats: tuple[str, ...]) -> dict[str, str]:
    """Each client's earliest purchase, read as ingest reads the payment's date (rows whose date is not one are
    the payment validator's to reject), as ISO 8601 text in UTC."""
    first: dict[str, dt.datetime] = {}
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    when = timestamp_text_sql("NULLIF(trim(d), '')", formats)
    try:
        for b in source.batches(batch_rows):
            if b.restart:
                first.clear()
            if b.restart or b.table.num_rows == 0:
                continue
            t = b.table
            con.register("log_rows", pa.table({"c": pc.cast(t[cols["client"]], pa.string()),
                                               "d": pc.cast(t[cols["date"]], pa.string())}))
            found = con.execute(f"SELECT c, min({when}) FROM log_rows WHERE trim(c) <> '' GROUP BY c").fetchall()
            con.unregister("log_rows")
            for c, d in found:
                if d is not None and (c not in first or d < first[c]):
                    first[c] = d
    finally:
        con.close()
    return {c: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for c, d in first.items()}


def _derived(label: str, rows: dict[str, list[str]]) -> ArrowSource:
    t = pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})
    return ArrowSource(label, pa.RecordBatchReader.from_batches(t.schema, t.to_batches()), t.num_rows)


def transaction_sources(path: Path, delimiter: str | None, currency: str, formats: tuple[str, ...] = (),
                        batch_rows: int = 100_000) -> list[tuple[str, Source]]:
    """(table, source) pairs, parents first, for the transaction log at ``path`` (``formats``: the mapping's
    timestamp formats, which its dates are read with too)."""
    cols = find_columns(str(path), open_source(path, delimiter).columns)
    first = _first_dates(open_source(path, delimiter), cols, batch_rows, formats)
    clients = sorted(first)
    ids = [PREFIX + c for c in clients]
    since = [first[c] for c in clients]
    n = len(clients)
    parents = {
        "clients": {"client_id": clients, "signup_at": since},
        "freelancers": {"freelancer_id": [SELLER] if n else [], "signup_at": [min(since)] if n else []},
        "jobs": {"job_id": ids, "client_id": clients, "posted_at": since,
                 "title": [f"Purchases of client {c}" for c in clients], "budget_type": ["fixed"] * n},
        "contracts": {"contract_id": ids, "job_id": ids, "client_id": clients, "freelancer_id": [SELLER] * n,
                      "started_at": since, "contract_type": ["fixed"] * n},
    }
    out: list[tuple[str, Source]] = [(t, _derived(f"{path} ({t} derived)", rows)) for t, rows in parents.items()]
    return [*out, ("payments", _Payments(open_source(path, delimiter), cols, currency))]


__all__ = ["ROLES", "find_columns", "transaction_sources"]

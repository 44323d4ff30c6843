"""A plain transaction log (client, date, amount) ingested with ``--table transactions``: its rows become payments
exactly as written, the other tables are derived, bad rows are rejected by the file's own row numbers, and client
value forecasts every client from it."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.errors import SourceError
from tests.helpers.cli import run


def _log(path: Path, clients: int = 300, seed: int = 4) -> pd.DataFrame:
    """Purchases of ``clients`` customers over two years, a few refunds, under an export's own headers."""
    rng = random.Random(seed)
    rows = []
    for c in range(clients):
        start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=rng.randrange(300))
        for _ in range(1 + int(rng.expovariate(0.3))):
            day = start + pd.Timedelta(days=rng.randrange(700))
            cents = rng.randrange(100, 90_000)
            rows.append((f"00{c}", day.strftime("%Y-%m-%d"), f"{cents // 100}.{cents % 100:02d}"))
        if rng.random() < 0.05:
            rows.append((f"00{c}", (start + pd.Timedelta(days=1)).strftime("%Y-%m-%d"), "-1.25"))
    df = pd.DataFrame(rows, columns=["Customer ID", "Order Date", "Sales"])
    df.to_csv(path, index=False)
    return df


def test_a_transaction_log_loads_exactly_and_every_client_is_forecast(store: Store, tmp_path: Path) -> None:
    log = _log(tmp_path / "orders.csv")
    result = gigsight.ingest(tmp_path / "orders.csv", con=store, table="transactions")
    assert result.rejected == 0
    pay = store.con.table("payments").execute()
    assert len(pay) == len(log)
    assert sum(Decimal(str(a)) for a in pay.amount) == sum(Decimal(a) for a in log.Sales)  # to the cent
    assert set(pay.client_id) == set(log["Customer ID"])  # "007" stays "007"
    assert set(pay.loc[pay.kind == "refund", "amount"].astype(str)) <= {"-1.25"}
    at = "2024-06-30"
    upto = log[log["Order Date"] <= at].assign(amount=lambda d: d.Sales.astype(float))
    want = upto[upto.amount > 0].groupby("Customer ID")["Order Date"].nunique()  # purchase days, the oracle
    s = gigsight.client_summary(at, con=store).set_index("client_id")
    assert s.loc[want.index, "purchase_days"].astype(int).to_dict() == want.to_dict()
    v = gigsight.client_value(at, horizon_days=180, model="bgnbd", con=store).clients
    assert set(v.client_id) == set(want.index) and v.expected_gsv.notna().all()


def test_bad_rows_are_rejected_by_the_files_own_row_numbers(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "Transaction ID,Customer,Order Date,Sales\n"
        "o1,c1,2024-01-05,10.50\n"
        "o2,c2,2024-01-06,12,5\n"        # a field too many
        "o3,,2024-01-07,3.00\n"          # no client
        "o4,c3,yesterday,4.00\n"         # not a date
        "o1,c1,2024-01-08,5.00\n"        # a duplicate id
        "o6,c1,2024-02-01,abc\n"         # not an amount
        "o7,=cmd|x,2024-01-10,7.00\n"   # hostile, but a value: kept as written
        "o8,c9,20240115,2.00\n"          # ISO 8601's basic form of a date
        "o9,c9,20241399,2.00\n")         # digits, but no date
    db = tmp_path / "s.duckdb"
    done = run("ingest", str(tmp_path / "orders.csv"), "--table", "transactions", "--db", str(db), "--format", "json")
    assert done.returncode != 0  # rows were rejected
    with gigsight.connect(f"duckdb://{db}", read_only=True) as s:
        rejects = s.con.table("rejects").execute()
        payments = s.con.table("payments").execute()
        clients = set(s.con.table("clients").execute().client_id)
    rejects = rejects[~rejects.source.str.contains("derived")].fillna("")
    got = {(int(r.row_number), r.column_name, r.value.rstrip("\n")) for r in rejects.itertuples()}
    assert {(2, "", "o2,c2,2024-01-06,12,5"), (3, "client_id", ""), (4, "paid_at", "yesterday"),
            (5, "payment_id", "o1"), (6, "amount", "abc"), (9, "paid_at", "20241399")} <= got
    assert sorted(payments.payment_id) == ["o1", "o7", "o8"] and set(payments.client_id) == {"c1", "=cmd|x", "c9"}
    assert str(payments.set_index("payment_id").paid_at["o8"])[:10] == "2024-01-15"
    assert "" not in clients and "c3" not in clients  # no client made up for rows that say nothing usable


def test_a_log_without_a_client_column_names_what_it_needs(duck: Store, tmp_path: Path) -> None:
    (tmp_path / "tx.csv").write_text("when,amount\n2024-01-01,3.00\n")
    with pytest.raises(SourceError, match=r"tx.csv: no client column .*found: when, amount.*customer_id"):
        gigsight.ingest(tmp_path / "tx.csv", con=duck, table="transactions")


def test_an_exports_own_column_names_are_found_and_loaded_exactly(duck: Store, tmp_path: Path) -> None:
    """Camel-case headers and names that only contain the role's word (TotalAmount) are recognised; the amounts
    land as written."""
    (tmp_path / "export.csv").write_text("InvoiceNo,InvoiceDate,CustomerID,TotalAmount\n"
                                         "489434,2009-12-01 07:45:00,13085,83.40\n"
                                         "489435,2009-12-02 08:00:00,13085,0.35\n")
    assert gigsight.ingest(tmp_path / "export.csv", con=duck, table="transactions").rejected == 0
    got = duck.con.table("payments").to_pandas().sort_values("amount")
    assert [Decimal(str(a)) for a in got["amount"]] == [Decimal("0.35"), Decimal("83.40")]
    assert set(got["client_id"]) == {"13085"}


@pytest.mark.parametrize(("header", "message"), [
    ("Customer,Date,Quantity,UnitPrice", r"no amount column .*quantity and a unit price: write their product"),
    ("Customer,Date,NetSales,GrossSales", r"several columns could be the amount .*NetSales, GrossSales.*rename"),
])
def test_a_log_whose_amount_is_not_one_column_says_what_to_do(duck: Store, tmp_path: Path, header: str,
                                                              message: str) -> None:
    (tmp_path / "lines.csv").write_text(f"{header}\nc1,2024-01-01,2,3.50\n")
    with pytest.raises(SourceError, match=message):
        gigsight.ingest(tmp_path / "lines.csv", con=duck, table="transactions")
    assert "payments" not in duck.con.list_tables() or duck.con.table("payments").count().to_pyarrow().as_py() == 0

"""Ingestion behaviour that must hold on every engine (DuckDB, Postgres, Spark): one body each."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.backends.inventory import export, info
from gigsight.ingest.pipeline import ingest
from gigsight.ingest.sample import write_sample
from tests.helpers.files import table_rows, write_csv
from tests.helpers.payments import PAY_HEADER, chain, pay

TABLES = ["clients", "freelancers", "freelancer_skills", "jobs", "proposals", "contracts", "payments"]


def test_sample_loads_whole_and_matches_an_independent_sum(store: Store, tmp_path: Path) -> None:
    counts = write_sample(tmp_path / "in", clients=30, seed=3)
    result = ingest(store, tmp_path / "in")
    assert result.rejected == 0
    assert {s.table: (s.read, s.inserted) for s in result.sources} == {t: (n, n) for t, n in counts.items()}
    assert all(s.reconciled for s in result.sources)
    with (tmp_path / "in" / "payments.csv").open() as f:
        oracle = sum(Decimal(r["amount"]) + Decimal(r["client_fee"]) for r in csv.DictReader(f))
    p = store.con.table("payments")
    assert Decimal(str((p.amount + p.client_fee).sum().execute())) == oracle
    assert {r["table"]: r["rows"] for r in info(store)["tables"]} == counts


def test_export_then_reingest_gives_identical_tables(store: Store, tmp_path: Path) -> None:
    write_sample(tmp_path / "in", clients=20, seed=5)
    ingest(store, tmp_path / "in")
    before = {t: table_rows(store, t) for t in TABLES}
    export(store, tmp_path / "pq", "parquet")
    again = ingest(store, tmp_path / "pq")
    assert again.rejected == 0 and all(s.inserted == 0 for s in again.sources)
    assert {t: table_rows(store, t) for t in TABLES} == before
    export(store, tmp_path / "csv", "csv")
    with gigsight.connect(f"duckdb://{tmp_path / 'fresh.duckdb'}") as fresh:
        assert ingest(fresh, tmp_path / "csv").rejected == 0
        assert {t: table_rows(fresh, t) for t in TABLES} == before


def test_reingest_is_idempotent_and_a_changed_row_updates(store: Store, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "clients.csv", ["client_id", "signup_at", "country"],
                  [["c1", "2023-01-01", "US"], ["c2", "2023-02-01", "DE"]])
    ingest(store, f)
    ingest(store, f)
    write_csv(f, ["client_id", "signup_at", "country"], [["c1", "2023-01-01", "US"], ["c2", "2023-02-01", "FR"]])
    r = ingest(store, f)
    assert (r.sources[0].inserted, r.sources[0].updated) == (0, 2)
    rows = table_rows(store, "clients")
    assert [(x["client_id"], x["country"]) for x in rows] == [("c1", "US"), ("c2", "FR")]


def test_bad_rows_are_rejected_with_location_and_good_rows_land(store: Store, tmp_path: Path) -> None:
    d = chain(tmp_path / "in")
    write_csv(d / "payments.csv", PAY_HEADER, [
        pay("p1"),
        pay("p2", amount="-20.00"),                    # negative but not a refund
        pay("p3", contract="k9"),                      # no such contract
        pay("p4", client="c2"),                        # contract k1 belongs to c1
        pay("p5", paid_at="2023-03-01"),               # before the contract started
        pay("p1"),                                     # duplicate key in the file
        pay("p6", amount="-15.00", kind="refund"),     # a valid refund
    ])
    result = ingest(store, d)
    pays = next(s for s in result.sources if s.table == "payments")
    assert (pays.read, pays.loaded, pays.rejected) == (7, 2, 5)
    assert [r["payment_id"] for r in table_rows(store, "payments")] == ["p1", "p6"]
    rej = store.con.table("rejects").execute().sort_values("row_number")
    got = list(zip(rej.row_number, rej.column_name, rej.value, rej.rule, strict=True))
    assert got == [(2, "amount", "-20.00", "negative_only_refund"), (3, "contract_id", "k9", "foreign_key"),
                   (4, "client_id", "c2", "mismatch"), (5, "paid_at", "2023-03-01 00:00:00", "order"),
                   (6, "payment_id", "p1", "duplicate_key")]
    assert all(s.endswith("payments.csv") for s in rej.source)
    assert '"payment_id":"p3"' in rej.record.iloc[1].replace(" ", "")


def test_strict_mode_loads_nothing(store: Store, tmp_path: Path) -> None:
    d = chain(tmp_path / "in")
    write_csv(d / "payments.csv", PAY_HEADER, [pay("p1"), pay("p2", amount="abc")])
    with pytest.raises(gigsight.DataValidationError) as exc:
        ingest(store, d, strict=True)
    assert exc.value.issues[0].row == 2 and exc.value.issues[0].column == "amount"
    assert all(store.con.table(t).count().execute() == 0 for t in TABLES)


def test_foreign_keys_resolve_against_the_store_and_rejects_do_not_pile_up(store: Store, tmp_path: Path) -> None:
    ingest(store, chain(tmp_path / "in"))
    f = write_csv(tmp_path / "later" / "payments.csv", PAY_HEADER, [pay("p1"), pay("p2", contract="k9")])
    for _ in range(2):
        r = ingest(store, f, table="payments")
        assert (r.sources[0].loaded, r.sources[0].rejected) == (1, 1)
    assert store.con.table("rejects").count().execute() == 1
    assert store.con.table("payments").count().execute() == 1

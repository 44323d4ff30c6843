"""Inputs that used to be loaded with a value silently changed or dropped, or that stopped ingest with a traceback
(issue 18, items 5-7): each is now read exactly or refused with the file, row, column and value."""

from __future__ import annotations

import decimal
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.config import Settings
from gigsight.errors import DataValidationError, SourceError
from gigsight.ingest.pipeline import ingest
from tests.helpers.files import table_rows, write_csv
from tests.helpers.payments import PAY_HEADER, chain, pay


def rejected(store: Store) -> list[tuple[int, str, str, str]]:
    df = store.con.table("rejects").execute().sort_values(["row_number", "rule"])
    return [(int(r.row_number), r.column_name, r.value, r.rule) for r in df.itertuples()]


def test_a_json_lines_key_first_seen_late_is_loaded(duck: Store, tmp_path: Path) -> None:
    lines = [{"client_id": f"c{i}", "signup_at": "2024-01-01"} for i in range(1500)]
    lines[1400]["country"] = "DE"
    (tmp_path / "clients.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    ingest(duck, tmp_path)
    assert {r["client_id"]: r["country"] for r in table_rows(duck, "clients")}["c1400"] == "DE"


def test_a_lone_surrogate_in_json_lines_is_a_located_reject(duck: Store, tmp_path: Path) -> None:
    (tmp_path / "clients.jsonl").write_text('{"client_id": "c1", "signup_at": "2024-01-01"}\n'
                                            '{"client_id": "c2", "signup_at": "2024-01-01", "country": "\\ud800"}\n')
    r = ingest(duck, tmp_path)
    assert (r.loaded, r.rejected) == (1, 1)
    assert [(row, col, rule) for row, col, _, rule in rejected(duck)] == [(2, "country", "encoding")]


def test_table_file_names_in_another_case_are_read(duck: Store, tmp_path: Path) -> None:
    write_csv(tmp_path / "Clients.CSV", ["client_id", "signup_at"], [["c1", "2024-01-01"]])
    assert ingest(duck, tmp_path).loaded == 1


@pytest.mark.parametrize("kind", ["gzip", "directory", "fifo", "dangling", "loop"])
def test_a_table_name_on_something_unreadable_is_an_error_naming_it(duck: Store, tmp_path: Path, kind: str) -> None:
    write_csv(tmp_path / "clients.csv", ["client_id", "signup_at"], [["c1", "2024-01-01"]])
    name = tmp_path / ("jobs.csv.gz" if kind == "gzip" else "jobs.csv")
    if kind == "gzip":
        name.write_bytes(b"\x1f\x8b")
    elif kind == "directory":
        name.mkdir()
    elif kind == "fifo":
        os.mkfifo(name)
    elif kind == "dangling":
        name.symlink_to(tmp_path / "nowhere.csv")
    else:
        name.symlink_to(tmp_path / "jobs.csv")
    with pytest.raises(SourceError, match=r"jobs\.csv"):
        ingest(duck, tmp_path)
    assert table_rows(duck, "clients") == []


def test_carriage_return_only_line_endings_are_refused_with_the_fix(duck: Store, tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_bytes(b"client_id,signup_at\rc1,2024-01-01\rc2,2024-01-02\r")
    with pytest.raises(SourceError, match=r"clients.csv: lines end with a carriage return only.*tr"):
        ingest(duck, tmp_path)


@pytest.mark.parametrize(("extra", "message"), [({"_row": [5]}, "column _row has a name gigsight uses"),
                                                 ({"Client_ID": ["c2"]}, "client_id and Client_ID differ only")])
def test_columns_staging_cannot_tell_apart_are_refused(duck: Store, tmp_path: Path, extra: dict[str, list[object]],
                                                       message: str) -> None:
    pq.write_table(pa.table({"client_id": ["c1"], "signup_at": ["2024-01-01"], **extra}), tmp_path / "clients.parquet")
    with pytest.raises(SourceError, match=message):
        ingest(duck, tmp_path)


def test_a_parquet_decimal_too_large_for_money_is_rejected_not_nulled(duck: Store, tmp_path: Path) -> None:
    chain(tmp_path)
    big = decimal.Decimal("123456789012345678901234567890.00")
    pq.write_table(pa.table({
        **{c: [v] for c, v in zip(PAY_HEADER, pay("p1"), strict=True) if c not in ("amount", "client_fee")},
        "amount": pa.array([decimal.Decimal("100.00")], pa.decimal128(38, 2)),
        "client_fee": pa.array([big], pa.decimal128(38, 2))}), tmp_path / "payments.parquet")
    r = ingest(duck, tmp_path)
    assert r.sources[-1].rejected == 1
    assert rejected(duck) == [(1, "client_fee", "123456789012345678901234567890.00", "money")]


def test_a_currency_written_in_the_amount_must_be_the_rows(duck: Store, tmp_path: Path) -> None:
    chain(tmp_path)
    write_csv(tmp_path / "payments.csv", PAY_HEADER, [pay("p1", "€100"), pay("p2", "USD100"), pay("p3", "100USDEUR"),
                                                      pay("p4", "$1,000.50"), pay("p5", "100 EUR", currency="EUR")])
    ingest(duck, tmp_path, rates=_rates(tmp_path))
    amounts = {r["payment_id"]: str(r["amount"]) for r in table_rows(duck, "payments")}
    assert amounts == {"p2": "100.00", "p4": "1000.50", "p5": "110.00"}
    assert {(row, rule) for row, _, _, rule in rejected(duck)} == {(1, "currency_mismatch"), (3, "money"),
                                                                     (3, "currency_mismatch")}


def test_a_refund_larger_than_what_the_contract_paid_is_kept_and_said(duck: Store, tmp_path: Path) -> None:
    chain(tmp_path)
    write_csv(tmp_path / "payments.csv", PAY_HEADER, [pay("p1", "100.00"), pay("p2", "-100.00", "refund"),
                                                      pay("p3", "50.00", contract="k2", client="c2")])
    r = ingest(duck, tmp_path)
    assert r.rejected == 0 and r.sources[-1].warnings == []  # a full refund is fine
    write_csv(tmp_path / "more" / "payments.csv", PAY_HEADER, [pay("p4", "-0.01", "refund", contract="k2",
                                                                   client="c2", paid_at="2023-05-01"),
                                                               pay("p5", "-50.01", "refund", contract="k2",
                                                                   client="c2", paid_at="2023-05-02")])
    r = ingest(duck, tmp_path / "more")
    assert r.loaded == 2 and r.rejected == 0
    assert r.sources[0].warnings == ["refunds exceed what 1 contract(s) paid, so their payments total below zero: "
                                     "k2 (-0.02); kept (their earlier payments may predate this data): load those "
                                     "payments, or check the refunds"]


def _rates(d: Path) -> Path:
    (d / "rates.csv").write_text("currency,rate\nEUR,1.10\n")
    return d / "rates.csv"


@pytest.mark.parametrize("rate", ["NaN", "Infinity", "1E+30", "0.123456789", "-1"])
def test_a_rate_that_cannot_be_kept_exactly_is_a_located_error(duck: Store, tmp_path: Path, rate: str) -> None:
    chain(tmp_path)
    write_csv(tmp_path / "payments.csv", PAY_HEADER, [pay("p1", "100", currency="EUR")])
    (tmp_path / "rates.csv").write_text(f"currency,rate\nEUR,{rate}\n")
    with pytest.raises(DataValidationError) as err:
        ingest(duck, tmp_path, rates=tmp_path / "rates.csv")
    assert [(i.row, i.column, i.value) for i in err.value.issues] == [(1, "rate", rate)]
    assert table_rows(duck, "payments") == []


def test_a_three_decimal_currency_is_converted_and_kept_as_paid(store: Store, tmp_path: Path) -> None:
    chain(tmp_path)
    write_csv(tmp_path / "payments.csv", PAY_HEADER, [
        pay("p1", "1.005", fee="0.050", currency="BHD"),  # 1.005 BHD: to the thousandth, as the currency has
        pay("p2", "1.005"),  # USD has cents only: thousands or decimals? refused, not guessed
        pay("p3", "12.3456", currency="KWD"),  # KWD has thousandths, not ten-thousandths
    ])
    (tmp_path / "rates.csv").write_text("currency,rate\nBHD,2.65957447\nKWD,3.25\n")
    ingest(store, tmp_path, rates=tmp_path / "rates.csv")
    assert [(row, rule) for row, _, _, rule in rejected(store)] == [(2, "money_ambiguous"), (3, "money")]
    [p1] = table_rows(store, "payments")
    # converted to the cent from the exact amount paid (1.005 x 2.65957447 = 2.6728723...), kept as paid beside
    assert (p1["amount"], p1["client_fee"], p1["currency"]) == ("2.67", "0.13", "USD")
    assert (p1["original_amount"], p1["original_currency"]) == ("1.005", "BHD")


def test_thousandths_in_a_three_decimal_base_currency_say_so(duck: Store, tmp_path: Path) -> None:
    chain(tmp_path)
    write_csv(tmp_path / "payments.csv", PAY_HEADER, [pay("p1", "1.005", currency="BHD")])
    ingest(duck, tmp_path, settings=Settings.from_env({"GIGSIGHT_BASE_CURRENCY": "BHD"}))
    assert [(row, rule) for row, _, _, rule in rejected(duck)] == [(1, "money_minor_units")]


def test_a_store_from_before_thousandths_is_widened_with_every_value_kept(duck: Store, tmp_path: Path) -> None:
    chain(tmp_path)
    write_csv(tmp_path / "payments.csv", PAY_HEADER, [pay("p0", "7.25", currency="EUR")])
    (tmp_path / "rates.csv").write_text("currency,rate\nBHD,2.65957447\nEUR,1.1\n")
    ingest(duck, tmp_path, rates=tmp_path / "rates.csv")
    duck.con.raw_sql("ALTER TABLE payments ALTER COLUMN original_amount TYPE DECIMAL(18,2)")  # as stores were
    duck.close()
    write_csv(tmp_path / "payments.csv", PAY_HEADER, [pay("p1", "1.005", currency="BHD")])
    with gigsight.connect(duck.url) as again:
        ingest(again, tmp_path / "payments.csv", table="payments", rates=tmp_path / "rates.csv")
        got = {r["payment_id"]: r["original_amount"] for r in table_rows(again, "payments")}
    assert got == {"p0": "7.250", "p1": "1.005"}  # the same values, now to the thousandth

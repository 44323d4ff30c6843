"""Every kind of bad input gets a located error or a located reject, and loses nothing valid."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gigsight.backends.base import Store
from gigsight.errors import SourceError
from gigsight.ingest.pipeline import IngestResult, ingest
from tests.helpers.files import table_rows, write_csv

CLIENTS = ["client_id", "signup_at", "country"]


def rejects(store: Store) -> list[tuple[int, str | None, str | None, str]]:
    df = store.con.table("rejects").execute().sort_values(["row_number", "column_name"])
    df = df.astype(object).where(df.notna(), None)
    return [(int(r.row_number), r.column_name, r.value, r.rule) for r in df.itertuples()]


def loaded(store: Store, table: str = "clients") -> list[str]:
    key = {"clients": "client_id", "jobs": "job_id"}[table]
    return [r[key] for r in table_rows(store, table)]


def check_reconciled(result: IngestResult) -> None:
    assert all(s.read == s.loaded + s.rejected for s in result.sources)


def test_missing_required_column_names_file_and_column(duck: Store, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "clients.csv", ["client_id", "signup"], [["c1", "2023-01-01"]])
    with pytest.raises(SourceError, match=r"clients.csv: missing required column\(s\) signup_at.*'signup'"):
        ingest(duck, f)
    assert loaded(duck) == []


def test_unknown_column_warns_and_loads(duck: Store, tmp_path: Path) -> None:
    header = [*CLIENTS, 'note"; DROP TABLE clients;--']
    f = write_csv(tmp_path / "clients.csv", header, [["c1", "2023-01-01", "US", "x"]])
    r = ingest(duck, f)
    assert "ignored column(s)" in r.sources[0].warnings[0] and "DROP TABLE" in r.sources[0].warnings[0]
    assert loaded(duck) == ["c1"]


def test_wrong_types_are_rejected_per_value(duck: Store, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "clients.csv", [*CLIENTS, "company_size", "is_enterprise"],
                  [["c1", "2023-01-01", "US", "12", "yes"], ["c2", "2023-01-01", "US", "ten", "maybe"]])
    r = ingest(duck, f)
    check_reconciled(r)
    assert rejects(duck) == [(2, "company_size", "ten", "type"), (2, "is_enterprise", "maybe", "type")]
    assert loaded(duck) == ["c1"]


def test_empty_file_is_a_clear_error(duck: Store, tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_bytes(b"")
    with pytest.raises(SourceError, match=r"clients\.csv: the file is empty"):
        ingest(duck, tmp_path / "clients.csv")


def test_header_only_reads_nothing(duck: Store, tmp_path: Path) -> None:
    r = ingest(duck, write_csv(tmp_path / "clients.csv", CLIENTS, []))
    assert (r.sources[0].read, r.loaded, r.rejected) == (0, 0, 0)


def test_future_and_unparseable_and_ancient_dates(duck: Store, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "clients.csv", CLIENTS, [["c1", "2999-01-01", ""], ["c2", "yesterday", ""],
                                                      ["c3", "1850-01-01", ""], ["c4", "2024-02-29", ""],
                                                      ["c5", "2023-02-29", ""]])
    ingest(duck, f)
    assert rejects(duck) == [(1, "signup_at", "2999-01-01", "future"), (2, "signup_at", "yesterday", "type"),
                             (3, "signup_at", "1850-01-01", "range"), (5, "signup_at", "2023-02-29", "type")]
    assert loaded(duck) == ["c4"]  # a real leap day


def test_mixed_date_formats_need_a_declared_format(duck: Store, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "clients.csv", CLIENTS, [["c1", "2023-01-05T10:00:00+02:00", ""],
                                                      ["c2", "03/04/2023", ""]])
    ingest(duck, f)
    assert rejects(duck) == [(2, "signup_at", "03/04/2023", "type")]
    mapping = tmp_path / "m.yaml"
    mapping.write_text('timestamp_formats: ["%m/%d/%Y"]\n')
    r = ingest(duck, f, mapping=mapping)
    assert r.rejected == 0
    assert [x["signup_at"] for x in table_rows(duck, "clients")] == ["2023-01-05 08:00:00", "2023-03-04 00:00:00"]


def test_invalid_utf8_rejects_only_that_row(duck: Store, tmp_path: Path) -> None:
    p = tmp_path / "clients.csv"
    p.write_bytes(b"client_id,signup_at,country\nc1,2023-01-01,US\nc2,2023-01-01,Espa\xf1a\nc3,2023-01-01,FR\n")
    r = ingest(duck, p)
    check_reconciled(r)
    assert rejects(duck) == [(2, "country", "Espa\ufffda", "encoding")]
    assert loaded(duck) == ["c1", "c3"]


def test_ten_thousand_characters(duck: Store, tmp_path: Path) -> None:
    write_csv(tmp_path / "clients.csv", CLIENTS, [["c1", "2023-01-01", "US"]])
    write_csv(tmp_path / "jobs.csv", ["job_id", "client_id", "posted_at", "title", "description", "budget_type"],
              [["j1", "c1", "2023-02-01", "T" * 10_000, "ok", "fixed"],
               ["j2", "c1", "2023-02-01", "Data entry", "D" * 10_000, "fixed"]])
    r = ingest(duck, tmp_path)
    check_reconciled(r)
    assert [(row, col, rule) for row, col, _, rule in rejects(duck)] == [(1, "title", "too_long")]
    assert loaded(duck, "jobs") == ["j2"]
    assert len(table_rows(duck, "jobs")[0]["description"] or "") == 10_000


def test_unbalanced_quote_loses_only_that_record(duck: Store, tmp_path: Path) -> None:
    p = tmp_path / "clients.csv"
    p.write_text('client_id,signup_at,country\nc1,2023-01-01,"multi\nline"\nc2,2023-01-01,"US\nc3,2023-01-01,FR\n')
    r = ingest(duck, p)
    check_reconciled(r)
    assert [(row, rule) for row, _, _, rule in rejects(duck)] == [(2, "csv_structure")]
    assert loaded(duck) == ["c1", "c3"]


def test_wrong_field_count(duck: Store, tmp_path: Path) -> None:
    p = tmp_path / "clients.csv"
    p.write_text("client_id,signup_at,country\nc1,2023-01-01,US\nc2,2023-01-01,US,extra\nc3,2023-01-01\n")
    r = ingest(duck, p)
    assert [(row, rule) for row, _, _, rule in rejects(duck)] == [(2, "csv_structure"), (3, "csv_structure")]
    assert r.sources[0].read == 3 and loaded(duck) == ["c1"]


def test_json_lines_with_one_broken_line(duck: Store, tmp_path: Path) -> None:
    p = tmp_path / "clients.jsonl"
    p.write_text('{"client_id": "c1", "signup_at": "2023-01-01"}\n{"client_id": "c2", "signup_at": \n'
                 '[1, 2]\n{"client_id": "c3", "signup_at": "2023-01-02", "company_size": 40}\n')
    r = ingest(duck, p)
    check_reconciled(r)
    assert [(row, rule) for row, _, _, rule in rejects(duck)] == [(2, "json"), (3, "json")]
    assert loaded(duck) == ["c1", "c3"]


def test_parquet_with_the_wrong_schema(duck: Store, tmp_path: Path) -> None:
    p = tmp_path / "clients.parquet"
    pq.write_table(pa.table({"client_id": ["c1"], "country": ["US"]}), p)
    with pytest.raises(SourceError, match=r"missing required column.*signup_at"):
        ingest(duck, p)
    pq.write_table(pa.table({"client_id": ["c1"], "signup_at": pa.array([1], pa.int64())}), p)
    with pytest.raises(SourceError, match=r"int64 values where a timestamp is expected"):
        ingest(duck, p)
    stamps = pa.array([0, 1_700_000_000], pa.timestamp("s"))
    pq.write_table(pa.table({"client_id": ["c1", None], "signup_at": stamps}), p)
    ingest(duck, p)
    assert rejects(duck) == [(1, "signup_at", "1970-01-01 00:00:00", "range"), (2, "client_id", None, "required")]


def test_path_that_does_not_exist(duck: Store, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        ingest(duck, tmp_path / "nope")


def _ingest_as_nobody(directory: str, store: Store, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    # The store was opened by the parent: the child, as 'nobody', may not read the checkout (CI clones into a
    # private temporary folder), only try the locked directory.
    try:
        os.setgid(65534)
        os.setuid(65534)
        ingest(store, directory)
        queue.put("no error")
    except SourceError as exc:
        queue.put(f"SourceError: {exc}")
    except BaseException as exc:  # report anything else instead of dying silently
        queue.put(f"unexpected {type(exc).__name__}: {exc}")


def test_directory_without_permission() -> None:
    import shutil
    import tempfile

    import gigsight

    top = Path(tempfile.mkdtemp(prefix="gigsight-perm-"))  # pytest's tmp_path is private to root
    top.chmod(0o755)
    locked = top / "locked"
    write_csv(locked / "clients.csv", CLIENTS, [["c1", "2023-01-01", "US"]])
    locked.chmod(0o000)
    try:
        if os.geteuid() == 0:  # root reads anything: drop to 'nobody' in a forked child, as a real user is
            ctx = multiprocessing.get_context("fork")
            queue = ctx.Queue()
            store = gigsight.connect("duckdb://:memory:")
            proc = ctx.Process(target=_ingest_as_nobody, args=(str(locked), store, queue))
            proc.start()
            proc.join(60)
            message = queue.get(timeout=5)
        else:
            try:
                gigsight.ingest(locked, con="duckdb://:memory:")
                message = "no error"
            except SourceError as exc:
                message = f"SourceError: {exc}"
    finally:
        locked.chmod(0o755)
        shutil.rmtree(top)
    assert message == f"SourceError: {locked}: permission denied (cannot list the directory)"


def test_money_formats_and_locales(duck: Store, tmp_path: Path) -> None:
    header = ["freelancer_id", "signup_at", "hourly_rate"]
    f = write_csv(tmp_path / "freelancers.csv", header, [
        ["f1", "2023-01-01", "$1,500.00"], ["f2", "2023-01-01", "1.500"], ["f3", "2023-01-01", "1,50"],
        ["f4", "2023-01-01", "12.345"], ["f5", "2023-01-01", "USD 75"], ["f6", "2023-01-01", "(12.00)"]])
    ingest(duck, f)
    assert [(row, rule) for row, _, _, rule in rejects(duck)] == [
        (2, "money_ambiguous"), (3, "money"), (4, "money_ambiguous"), (6, "range")]
    assert [(r["freelancer_id"], r["hourly_rate"]) for r in table_rows(duck, "freelancers")] == [
        ("f1", "1500.00"), ("f5", "75.00")]
    m = tmp_path / "de.yaml"
    m.write_text("money_locale: de\n")
    write_csv(f, header, [["g1", "2023-01-01", "1.500,00 €"], ["g2", "2023-01-01", "1,5"],
                          ["g3", "2023-01-01", "1,505"]])
    ingest(duck, f, mapping=m)
    rates = {r["freelancer_id"]: r["hourly_rate"] for r in table_rows(duck, "freelancers")}
    assert (rates["g1"], rates["g2"], "g3" in rates) == ("1500.00", "1.50", False)


def test_currencies_convert_with_rates_or_are_rejected(duck: Store, tmp_path: Path) -> None:
    from tests.helpers.payments import PAY_HEADER, chain, pay

    d = chain(tmp_path / "in")
    write_csv(d / "payments.csv", PAY_HEADER, [pay("p1", amount="100.00", currency="EUR"),
                                               pay("p2", currency="ABC"), pay("p3")])
    r = ingest(duck, d)
    assert [(row, col, rule) for row, col, _, rule in rejects(duck)] == [
        (1, "currency", "currency"), (2, "currency", "currency")]
    assert "pass --rates FILE" in duck.con.table("rejects").execute().message.iloc[0]
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,rate\nEUR,1.085\n")
    r = ingest(duck, d, rates=rates)
    assert r.rejected == 1
    p1 = table_rows(duck, "payments")[0]
    assert (p1["amount"], p1["client_fee"], p1["currency"], p1["original_currency"], p1["original_amount"]) == (
        "108.50", "5.43", "USD", "EUR", "100.000")  # as paid, to the thousandth the column keeps


def test_bom_semicolons_quoted_newlines_and_tabs(duck: Store, tmp_path: Path) -> None:
    p = tmp_path / "clients.csv"
    p.write_bytes('\ufeffclient_id;signup_at;country\n"c;1";2023-01-01;"Côte\nd\'Ivoire"\n'.encode())
    ingest(duck, p)
    write_csv(tmp_path / "t" / "clients.tsv", CLIENTS, [["c2", "2023-01-01", "US"]], delimiter="\t")
    ingest(duck, tmp_path / "t" / "clients.tsv")
    rows = table_rows(duck, "clients")
    assert [(r["client_id"], r["country"]) for r in rows] == [("c2", "US"), ("c;1", "Côte\nd'Ivoire")]


def test_hostile_values_are_data_not_sql(duck: Store, tmp_path: Path) -> None:
    evil = "x'); DROP TABLE clients; --"
    ingest(duck, write_csv(tmp_path / "clients.csv", CLIENTS, [[evil, "2023-01-01", "<script>alert(1)</script>"]]))
    assert loaded(duck) == [evil]


def test_shipped_mapping_reads_an_admin_export(duck: Store, tmp_path: Path) -> None:
    d = tmp_path / "export"
    write_csv(d / "Clients.csv", ["Client ID", "Created Date", "Country", "Enterprise"],
              [["C-1", "01/15/2023", "US", "No"]])
    write_csv(d / "Freelancers.csv", ["Freelancer ID", "Created Date", "Hourly Rate"],
              [["F-1", "02/01/2022", "$45.00"]])
    write_csv(d / "Job Posts.csv", ["Job ID", "Client ID", "Posted On", "Job Title", "Job Type"],
              [["J-1", "C-1", "03/01/2023 09:30", "Train a YOLO model", "Fixed Price"]])
    write_csv(d / "Contracts.csv", ["Contract ID", "Job ID", "Client ID", "Freelancer ID", "Start Date",
                                    "Contract Type"], [["K-1", "J-1", "C-1", "F-1", "03/02/2023", "Fixed Price"]])
    write_csv(d / "Transactions.csv", ["Transaction ID", "Contract ID", "Client ID", "Freelancer ID", "Date",
                                       "Amount", "Client Fees", "Service Fee", "Currency", "Type"],
              [["T-1", "K-1", "C-1", "F-1", "04/01/2023 12:00", "$1,500.00", "$75.00", "$150.00", "USD",
                "Milestone Payment"],
               ["T-2", "K-1", "C-1", "F-1", "04/15/2023 12:00", "-$200.00", "$0.00", "$0.00", "USD", "Refund"]])
    r = ingest(duck, d, mapping="marketplace_admin_export")
    assert r.rejected == 0 and r.loaded == 6
    pays = table_rows(duck, "payments")
    assert [(p["amount"], p["kind"], p["paid_at"]) for p in pays] == [
        ("1500.00", "milestone", "2023-04-01 12:00:00"), ("-200.00", "refund", "2023-04-15 12:00:00")]
    assert json.loads(json.dumps(r.to_dict()))["loaded"] == 6


def test_every_row_with_an_extra_field_is_rejected_not_skipped(duck: Store, tmp_path: Path) -> None:
    """A trailing comma on every data row: the fast reader yields no batch at all, and used to report nothing."""
    path = tmp_path / "clients.csv"
    rows = "".join(f"c{i},2024-01-0{i}T00:00:00Z,US,\n" for i in range(1, 6))
    path.write_text("client_id,signup_at,country\n" + rows)
    r = ingest(duck, path, table="clients")
    assert r.rejected == 5 and r.loaded == 0
    assert {i.row for i in r.issues} == {1, 2, 3, 4, 5}
    assert all("expected 3 fields, found 4" in i.message for i in r.issues)


@pytest.mark.parametrize("size", ["10.5", "0x10", "1e3", "12abc", " 1 2 "])
def test_a_whole_number_is_written_as_one(duck: Store, tmp_path: Path, size: str) -> None:
    path = write_csv(tmp_path / "clients.csv", ["client_id", "signup_at", "company_size"],
                     [["c1", "2024-01-01", size], ["c2", "2024-01-01", "12"]])
    r = ingest(duck, path, table="clients")
    assert r.rejected == 1 and r.issues[0].column == "company_size" and r.issues[0].value == size
    assert [x["company_size"] for x in table_rows(duck, "clients")] == ["12"]


def test_a_fractional_parquet_size_is_rejected_not_rounded(duck: Store, tmp_path: Path) -> None:
    path = tmp_path / "clients.parquet"
    pq.write_table(pa.table({"client_id": ["c1", "c2"], "signup_at": ["2024-01-01", "2024-01-01"],
                             "company_size": [10.5, 12.0]}), path)
    r = ingest(duck, path, table="clients")
    assert r.rejected == 1 and r.issues[0].column == "company_size"
    assert [x["company_size"] for x in table_rows(duck, "clients")] == ["12"]


def test_doubled_signs_and_sub_cent_amounts_are_rejected_for_what_they_are(duck: Store, tmp_path: Path) -> None:
    header = ["freelancer_id", "signup_at", "hourly_rate"]
    f = write_csv(tmp_path / "freelancers.csv", header, [
        ["f1", "2023-01-01", "+-100"], ["f2", "2023-01-01", "0.005"], ["f3", "2023-01-01", "--5"],
        ["f4", "2023-01-01", "42.50"]])
    ingest(duck, f)
    assert [(row, rule) for row, _, _, rule in rejects(duck)] == [(1, "money"), (2, "money"), (3, "money")]
    assert [(r["freelancer_id"], r["hourly_rate"]) for r in table_rows(duck, "freelancers")] == [("f4", "42.50")]

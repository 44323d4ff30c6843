"""Facts kept in the store (metrics.facts): the same answers as computing afresh, dropped by every write,
ignored once the data changed behind gigsight's back, read from a read-only file, kept by the CLI's writers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import gigsight
from gigsight.backends import fact_log
from gigsight.backends import kept as storage
from gigsight.backends.base import Store
from gigsight.backends.capabilities import CAPABILITIES, capable
from gigsight.ingest.pipeline import ingest
from gigsight.ingest.sample import write_sample
from gigsight.metrics import compute, facts
from gigsight.metrics.grains import Grains
from gigsight.metrics.periods import Periods
from tests.helpers.cli import run
from tests.helpers.files import write_csv, write_records
from tests.helpers.metric_checks import answers

PAYMENT_HEADER = ["payment_id", "contract_id", "client_id", "freelancer_id", "paid_at", "amount", "client_fee",
                  "freelancer_fee", "currency", "kind"]
def kept(store: Store) -> dict[str, str] | None:
    return storage.current(store.con, set(store.con.list_tables()))


def test_an_engine_that_keeps_no_facts_says_so_and_answers_alike(duck: Store, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CAPABILITIES, "duckdb", {**CAPABILITIES["duckdb"], "keeps_facts": False})
    write_sample(tmp_path / "in", clients=40, seed=8)
    ingest(duck, tmp_path / "in")
    fresh = answers(duck)
    r = facts.refresh(duck)
    assert r.tables == 0 and "does not keep facts" in (r.skipped or "") and kept(duck) is None
    for a, b in zip(fresh, answers(duck), strict=True):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.backend
def test_kept_facts_answer_like_computing_afresh_and_a_write_drops_them(store: Store, tmp_path: Path) -> None:
    write_sample(tmp_path / "in", clients=40, seed=8)
    ingest(store, tmp_path / "in")
    fresh = answers(store)
    r = facts.refresh(store)
    assert r.tables >= 10 and r.rows > 0 and kept(store) is not None
    for a, b in zip(fresh, answers(store), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert facts.refresh(store, force=False).skipped == "already current"

    before = compute("gsv", period="quarter", con=store).set_index("period").gsv
    one = store.con.table("payments").order_by("payment_id").limit(1).execute().iloc[0]
    write_csv(tmp_path / "more" / "payments.csv", PAYMENT_HEADER,
              [["p-new", one.contract_id, one.client_id, one.freelancer_id, "2025-08-15T12:00:00Z", "123.45", "1.00",
                "0.00", "USD", "bonus"]])
    assert ingest(store, tmp_path / "more").rejected == 0
    assert kept(store) is None
    if capable(store.name, "patches_facts"):  # kept beside the log of what the write touched, for the next refresh
        assert fact_log.status(store.con)["state"] == "pending"
    else:
        assert not [t for t in store.con.list_tables() if t.startswith(storage.PREFIX) or t == storage.REGISTRY]
    after = compute("gsv", period="quarter", con=store).set_index("period").gsv
    assert after["2025Q3"] == before["2025Q3"] + Decimal("124.45")  # exact: money sums are decimals


@pytest.mark.backend
def test_a_change_made_outside_gigsight_is_noticed(store: Store, tmp_path: Path) -> None:
    ingest(store, write_records(tmp_path / "in"))
    assert facts.refresh(store).tables > 0
    gsv = compute("gsv", period="quarter", con=store).set_index("period").gsv
    store.con.raw_sql("INSERT INTO payments (payment_id, contract_id, client_id, freelancer_id, paid_at, amount, "
                      "client_fee, freelancer_fee, currency, kind) VALUES ('px', 'k1', 'c2', 'f1', "
                      "TIMESTAMP '2025-08-01 00:00:00', 10.00, 0.00, 0.00, 'USD', 'bonus')")
    assert kept(store) is None  # the row counts no longer match the fingerprint
    assert compute("gsv", period="quarter", con=store).set_index("period").gsv["2025Q3"] == gsv["2025Q3"] + 10
    facts.refresh(store)
    store.con.drop_table(storage.current(store.con, set(store.con.list_tables())).popitem()[1])  # type: ignore[union-attr]
    assert kept(store) is None  # a kept table dropped by hand: the registry is not trusted


def test_other_settings_or_code_versions_do_not_read_them(duck: Store, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(duck, write_records(tmp_path / "in"))
    facts.refresh(duck)
    tiers = gigsight.Settings(tier_bounds=(100, 1000))
    got = compute("clients_by_tier", period="quarter", by="tier", con=duck, settings=tiers)
    assert set(got.tier) <= {"<$100", "$100-$1K", "$1K+"}  # computed for these bounds, not read from the kept
    monkeypatch.setattr(storage, "VERSION", storage.VERSION + 1)
    assert kept(duck) is None


def test_a_read_only_file_reads_the_kept_facts(tmp_path: Path) -> None:
    db = tmp_path / "g.duckdb"
    write_sample(tmp_path / "in", clients=30, seed=3)
    with gigsight.connect(f"duckdb://{db}") as s:
        ingest(s, tmp_path / "in")
        fresh = answers(s)
        facts.refresh(s)
    with gigsight.connect(f"duckdb://{db}", read_only=True) as ro:
        g = Grains(ro.con, Periods("quarter"), gigsight.Settings())
        assert g.kept is not None and g.full
        for a, b in zip(fresh, answers(ro), strict=True):
            pd.testing.assert_frame_equal(a, b)


def test_the_cli_writers_keep_facts_and_refresh_rebuilds_them(tmp_path: Path) -> None:
    write_sample(tmp_path / "in", clients=15, seed=2)
    db = str(tmp_path / "g.duckdb")
    r = run("ingest", str(tmp_path / "in"), "--db", db, "--no-refresh", "--format", "json")
    assert r.returncode == 0, r.stderr
    with gigsight.connect(f"duckdb://{db}", read_only=True) as s:
        assert kept(s) is None
    r = run("refresh", "--db", db, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["tables"] >= 10
    assert "already current" in run("refresh", "--db", db).stdout
    r = run("ingest", str(tmp_path / "in" / "payments.csv"), "--table", "payments", "--db", db)
    assert r.returncode == 0 and "Metric facts kept" in r.stderr
    with gigsight.connect(f"duckdb://{db}", read_only=True) as s:
        assert kept(s) is not None

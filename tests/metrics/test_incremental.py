"""Incremental refresh (metrics.incremental): after random sequences of appends, late rows for old months, refunds
and upserts of payments, clients and jobs, the facts it patches equal a full rebuild row for row, and every metric
read from them equals the pandas oracle. Killed half-way, it leaves facts that are ignored and a log it applies
again."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import gigsight
from gigsight.backends import fact_log, upkeep
from gigsight.backends import kept as storage
from gigsight.backends.base import Store
from gigsight.backends.capabilities import capable
from gigsight.ingest.pipeline import ingest
from gigsight.ingest.sample import write_sample
from gigsight.metrics import compute, facts, incremental
from gigsight.metrics.fact_scopes import PARTITION
from tests.helpers.cli import run
from tests.helpers.metric_checks import BUILTIN, answers, close
from tests.helpers.oracle import Oracle

TABLES = ["clients", "freelancers", "jobs", "contracts", "payments", "proposals"]
KEYS = {"clients": "client_id", "jobs": "job_id", "contracts": "contract_id", "payments": "payment_id",
        "proposals": "proposal_id"}


def _later(t: str, hours: int) -> str:
    return (pd.Timestamp(t) + pd.Timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _late_payment(data: dict[str, pd.DataFrame], rng: random.Random, n: int) -> dict[str, pd.DataFrame]:
    """A payment for an old month, next to one of the same contract."""
    p = data["payments"].iloc[[rng.randrange(len(data["payments"]))]].copy()
    p["payment_id"], p["paid_at"] = f"p-late-{n}", _later(p.paid_at.iloc[0], 3)
    p["amount"] = f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}"
    return {"payments": p}


def _refund(data: dict[str, pd.DataFrame], rng: random.Random, n: int) -> dict[str, pd.DataFrame]:
    """The whole of an old payment paid back an hour later (fees are kept): the client may drop out of a period."""
    p = data["payments"].iloc[[rng.randrange(len(data["payments"]))]].copy()
    p["payment_id"], p["paid_at"], p["kind"] = f"p-refund-{n}", _later(p.paid_at.iloc[0], 1), "refund"
    p["amount"], p["client_fee"], p["freelancer_fee"] = "-" + p.amount.str.lstrip("-"), "0.00", "0.00"
    return {"payments": p}


def _changed_payment(data: dict[str, pd.DataFrame], rng: random.Random, n: int) -> dict[str, pd.DataFrame]:
    """An upsert: the same payment id, moved to another client's contract, with another amount and the date of a
    payment there. The client it left must lose it: the log names the replaced row's ids too."""
    pay = data["payments"]
    p = pay.iloc[[rng.randrange(len(pay))]].copy()
    there = pay[pay.client_id != p.client_id.iloc[0]]
    other = there.iloc[rng.randrange(len(there))]
    for c in ("contract_id", "client_id", "freelancer_id", "paid_at"):
        p[c] = other[c]
    p["amount"] = f"{rng.randint(1, 5000)}.{rng.randint(0, 99):02d}"
    return {"payments": p}


def _moved_client(data: dict[str, pd.DataFrame], rng: random.Random, n: int) -> dict[str, pd.DataFrame]:
    c = data["clients"].iloc[[rng.randrange(len(data["clients"]))]].copy()
    c["country"] = rng.choice([x for x in ("US", "GB", "DE", "IN", "BR") if x != c.country.iloc[0]])
    return {"clients": c}


def _relabelled_job(data: dict[str, pd.DataFrame], rng: random.Random, n: int) -> dict[str, pd.DataFrame]:
    """A job whose category and AI flag change: its contracts' payments move between segments."""
    hired = data["jobs"][data["jobs"].job_id.isin(data["contracts"].job_id)]
    j = hired.iloc[[rng.randrange(len(hired))]].copy()
    j["is_ai"] = "false" if j.is_ai.iloc[0] == "true" else "true"
    j["category"] = rng.choice(["Writing", "Web, Mobile & Software Dev", "Sales & Marketing"])
    return {"jobs": j}


def _new_client(data: dict[str, pd.DataFrame], rng: random.Random, n: int) -> dict[str, pd.DataFrame]:
    """A client's first job, contract, proposal and payments, inside the data's last quarter."""
    last = pd.Timestamp(data["payments"].paid_at.max()).tz_localize(None)
    start = max(last.to_period("Q").start_time, last - pd.Timedelta(days=20))
    at = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    f = data["freelancers"].freelancer_id.iloc[rng.randrange(len(data["freelancers"]))]
    cid, jid, kid = f"c-new-{n}", f"j-new-{n}", f"k-new-{n}"
    job = data["jobs"].iloc[[0]].copy()
    job["job_id"], job["client_id"], job["posted_at"] = jid, cid, at
    return {
        "clients": pd.DataFrame([{"client_id": cid, "signup_at": at, "country": "FR"}]),
        "jobs": job,
        "proposals": pd.DataFrame([{"proposal_id": f"pr-new-{n}", "job_id": jid, "freelancer_id": f,
                                    "submitted_at": _later(at, 1), "bid_amount": "300.00"}]),
        "contracts": pd.DataFrame([{"contract_id": kid, "job_id": jid, "client_id": cid, "freelancer_id": f,
                                    "started_at": _later(at, 2), "contract_type": "fixed", "rate": "300.00"}]),
        "payments": pd.DataFrame([{"payment_id": f"p-new-{n}-{i}", "contract_id": kid, "client_id": cid,
                                   "freelancer_id": f, "paid_at": _later(at, 24 * (i + 1)), "amount": amount,
                                   "client_fee": "5.00", "freelancer_fee": "10.00", "currency": "USD",
                                   "kind": "milestone"} for i, amount in enumerate(["1500.00", "4200.50"])]),
    }


CHANGES = [_late_payment, _refund, _changed_payment, _moved_client, _relabelled_job, _new_client]


def _write(data: dict[str, pd.DataFrame], d: Path, tables: list[str] | None = None) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for t in tables or list(data):
        data[t].to_csv(d / f"{t}.csv", index=False)
    return d


def _apply(data: dict[str, pd.DataFrame], rows: dict[str, pd.DataFrame]) -> None:
    for t, new in rows.items():
        merged = pd.concat([data[t], new.astype(str).replace("nan", pd.NA)], ignore_index=True)
        data[t] = merged.drop_duplicates(KEYS[t], keep="last").reset_index(drop=True)


def kept_rows(store: Store) -> dict[str, pd.DataFrame]:
    """Every kept fact table, rows sorted, by its key."""
    reg = storage.current(store.con, set(store.con.list_tables())) or {}
    out = {}
    for key, name in reg.items():
        df = store.con.table(name).execute()
        out[key] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


def _same_as_a_full_rebuild(store: Store, answered: list[pd.DataFrame]) -> None:
    """The kept facts as they are, and answers read before this call, equal those of a full rebuild."""
    patched = kept_rows(store)
    facts.refresh(store, full=True)
    rebuilt = kept_rows(store)
    assert patched.keys() == rebuilt.keys()
    for key in rebuilt:
        pd.testing.assert_frame_equal(patched[key], rebuilt[key], obj=key[:60])
    for a, b in zip(answered, answers(store), strict=True):
        pd.testing.assert_frame_equal(a, b)


def _check_oracle(store: Store, d: Path) -> None:
    oracle = Oracle(d)
    df = compute(BUILTIN, period="quarter", con=store)
    assert list(df.period) == oracle.quarters()
    wrong = [(r["period"], n, r[n], oracle.values(r["period"])[n]) for r in df.to_dict(orient="records")
             for n in BUILTIN if not close(r[n], oracle.values(r["period"])[n], n)]
    assert wrong == []


def test_incremental_refresh_equals_a_full_rebuild_and_the_oracle(store: Store, tmp_path: Path) -> None:
    rng = random.Random(20)
    write_sample(tmp_path / "in", clients=40, seed=11)
    ingest(store, tmp_path / "in")
    facts.refresh(store)
    data = {t: pd.read_csv(tmp_path / "in" / f"{t}.csv", dtype=str) for t in TABLES}
    patches = capable(store.name, "patches_facts")
    # an engine that cannot patch rebuilds in full each time: two steps show that fallback, at Spark's pace
    for step in range(len(CHANGES) + 1 if patches else 2):
        change = CHANGES[step] if step < len(CHANGES) else rng.choice(CHANGES)
        rows = change(data, rng, step)
        result = ingest(store, _write(rows, tmp_path / f"w{step}"))
        assert result.rejected == 0, (change.__name__, result.issues)
        _apply(data, rows)
        assert (fact_log.status(store.con)["state"] == "pending") == patches
        r = facts.refresh(store, force=False)
        assert r.mode == ("incremental" if patches else "full"), (change.__name__, r.why)
        patched, got = kept_rows(store), answers(store)
        _check_oracle(store, _write(data, tmp_path / f"all{step}"))
        assert facts.refresh(store, full=True).mode == "full"
        rebuilt = kept_rows(store)
        assert patched.keys() == rebuilt.keys() and len(patched) >= 10
        for key in rebuilt:
            pd.testing.assert_frame_equal(patched[key], rebuilt[key], obj=f"{change.__name__}: {key[:60]}")
        for a, b in zip(got, answers(store), strict=True):
            pd.testing.assert_frame_equal(a, b)


def test_enrich_logs_the_jobs_and_freelancers_whose_labels_changed(store: Store, tmp_path: Path) -> None:
    """Enrich replaces its tables whole; the facts read a few of their columns, and only the ids whose values
    there changed are logged: a refresh after it stays incremental and equals a full rebuild."""
    write_sample(tmp_path / "in", clients=30, seed=12)
    ingest(store, tmp_path / "in")
    gigsight.enrich(con=store)
    facts.refresh(store)
    gigsight.enrich(con=store)  # nothing changed: nothing logged, the facts stay current
    assert fact_log.status(store.con)["state"] == "current"
    data = {t: pd.read_csv(tmp_path / "in" / f"{t}.csv", dtype=str) for t in TABLES}
    rows = _new_client(data, random.Random(3), 0)
    rows["jobs"]["title"] = "Fine-tune an LLM chatbot on our support tickets"
    rows["jobs"]["description"] = "We need a machine learning engineer to fine-tune GPT on our data."
    rows["jobs"]["category"] = pd.NA
    assert ingest(store, _write(rows, tmp_path / "more")).rejected == 0
    gigsight.enrich(con=store)
    assert fact_log.status(store.con)["state"] == "pending"
    logged = dict(storage.rows(store.con, f"SELECT entity, count(*) FROM {fact_log.LOG} GROUP BY entity"))
    assert logged.get("job", 0) >= 1 and "@head" in logged
    r = facts.refresh(store, force=False)
    assert r.mode == "incremental", r.why
    _same_as_a_full_rebuild(store, answers(store))


def test_a_first_enrich_after_a_refresh_drops_the_facts_and_the_answers_stay_right(store: Store,
                                                                                 tmp_path: Path) -> None:
    """The labels' tables do not exist yet, so no log can say what changed: the facts are dropped, not patched,
    and the next refresh rebuilds them whole, to the answers computed from the records in between."""
    write_sample(tmp_path / "in", clients=20, seed=13)
    ingest(store, tmp_path / "in")
    facts.refresh(store)
    assert "job_labels" not in store.tables()
    gigsight.enrich(con=store)
    assert fact_log.status(store.con)["state"] == "none"
    got = answers(store)
    assert facts.refresh(store, force=False).mode == "full"
    for a, b in zip(got, answers(store), strict=True):
        pd.testing.assert_frame_equal(a, b)


def _ready(tmp_path: Path) -> tuple[str, Path]:
    write_sample(tmp_path / "in", clients=30, seed=5)
    db = str(tmp_path / "g.duckdb")
    with gigsight.connect(f"duckdb://{db}") as s:
        ingest(s, tmp_path / "in")
        facts.refresh(s)
    data = {t: pd.read_csv(tmp_path / "in" / f"{t}.csv", dtype=str) for t in TABLES}
    return db, _write(_new_client(data, random.Random(1), 0), tmp_path / "more")


def test_a_refresh_killed_half_way_is_ignored_and_the_next_one_finishes_it(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    db, more = _ready(tmp_path)
    with gigsight.connect(f"duckdb://{db}") as s:
        ingest(s, more)
        fresh = answers(s)
        calls = 0
        real = storage.patch

        def dies_on_the_fourth(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 4:
                raise KeyboardInterrupt  # stands for kill -9 between two patched tables
            return real(*args, **kwargs)

        monkeypatch.setattr(storage, "patch", dies_on_the_fourth)
        monkeypatch.setattr("gigsight.metrics.grains.facts.patch", dies_on_the_fourth)
        with pytest.raises(KeyboardInterrupt):
            facts.refresh(s, force=False)
        assert fact_log.status(s.con)["state"] == "pending"  # some tables patched, the registry not moved
        for a, b in zip(fresh, answers(s), strict=True):  # readers ignore the half-patched facts
            pd.testing.assert_frame_equal(a, b)
        monkeypatch.undo()
        assert facts.refresh(s, force=False).mode == "incremental"
        again = kept_rows(s)
        facts.refresh(s, full=True)
        rebuilt = kept_rows(s)
        for key in rebuilt:
            pd.testing.assert_frame_equal(again[key], rebuilt[key])


def test_a_write_behind_gigsights_back_after_a_logged_one_forces_a_full_rebuild(tmp_path: Path) -> None:
    db, more = _ready(tmp_path)
    with gigsight.connect(f"duckdb://{db}") as s:
        ingest(s, more)
        s.con.raw_sql("DELETE FROM proposals WHERE proposal_id = 'pr-new-0'")
        assert fact_log.status(s.con)["state"] == "stale" and not incremental.pending(s.con)
        r = facts.refresh(s, force=False)
        assert r.mode == "full" and r.why is None
        assert fact_log.status(s.con) | {"refreshed_at": None} == {"state": "current", "refreshed_at": None,
                                                                   "mode": "full"}


def test_the_cli_says_how_facts_were_refreshed(tmp_path: Path) -> None:
    db, more = _ready(tmp_path)
    r = run("ingest", str(more), "--db", db, "--no-refresh")
    assert r.returncode == 0, r.stderr
    assert "wait for `gigsight refresh`" in run("info", "--db", db).stdout
    r = run("refresh", "--db", db)
    assert r.returncode == 0 and "(incremental)" in r.stdout and "1 client" in r.stdout, r.stdout
    assert ", incremental)" in run("info", "--db", db).stdout
    r = run("refresh", "--db", db, "--full")
    assert r.returncode == 0 and "kept " in r.stdout
    assert "Metric facts match the data" in run("info", "--db", db).stdout


def _interrupt(*args: Any, **kwargs: Any) -> Any:
    raise KeyboardInterrupt  # stands for kill -9


def _stops_before_rows_come_back(real: Any) -> Any:
    """``kept.execute`` that stops at the statement putting a kept table's rebuilt rows back: after the old rows
    are gone (DELETE on DuckDB and Postgres, DROP on Spark), before the new ones are in."""
    def execute(con: Any, sql: str) -> None:
        if sql.startswith(("INSERT INTO gigsight_fact_", "ALTER TABLE gigsight_fact_")):
            raise KeyboardInterrupt
        real(con, sql)
    return execute


@pytest.mark.parametrize("stop", ["write before its head moved", "enrich before its head moved",
                                  "refresh before rebuilt rows are back"])
def test_a_write_or_refresh_stopped_half_way_is_rebuilt_and_never_read_mixed(store: Store, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch,
                                                                             stop: str) -> None:
    """A logged write or enrich stopped just before its log's head moves (inside the transaction on DuckDB and
    Postgres; on Spark, which has none, after its tables are swapped, with the registry held aside), or a refresh
    stopped between a kept table's old rows going and its rebuilt ones coming: readers never take the facts for
    current, and the next refresh brings them to what a full rebuild gives."""
    write_sample(tmp_path / "in", clients=25, seed=7)
    ingest(store, tmp_path / "in")
    labelled = stop.startswith("enrich")
    if labelled:
        gigsight.enrich(con=store)
    facts.refresh(store)
    data = {t: pd.read_csv(tmp_path / "in" / f"{t}.csv", dtype=str) for t in TABLES}
    rng = random.Random(3)
    more = _write(_new_client(data, rng, 0) if labelled else _changed_payment(data, rng, 0), tmp_path / "more")
    if labelled:  # new jobs to label: the enrich that follows has changes to log
        ingest(store, more)
        facts.refresh(store, force=False)
    if stop.startswith(("write", "enrich")):
        monkeypatch.setattr(fact_log, "head_statements", _interrupt)  # DuckDB, Postgres
        monkeypatch.setattr(fact_log, "release", _interrupt)  # Spark
        with pytest.raises(KeyboardInterrupt):
            gigsight.enrich(con=store) if labelled else ingest(store, more)
    else:
        ingest(store, more)
        monkeypatch.setattr(storage, "execute", _stops_before_rows_come_back(storage.execute))
        with pytest.raises(KeyboardInterrupt):
            facts.refresh(store, force=False)
    monkeypatch.undo()
    seen = answers(store)  # what a reader gets now: computed from the records, or from facts that match them
    r = facts.refresh(store, force=False)
    assert fact_log.status(store.con)["state"] == "current" or r.mode == "incremental", r
    _same_as_a_full_rebuild(store, seen)


def _indexed(store: Store) -> set[tuple[str, tuple[str, ...]]]:
    """(table, columns) of every index in the store's schema, read from the server's catalogue."""
    defs = storage.rows(store.con, "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
    return {(t, tuple(c.strip().strip('"') for c in d.rsplit("(", 1)[1].rstrip(")").split(","))) for t, d in defs}


def test_a_daily_load_finds_its_rows_by_index_where_the_engine_scans_otherwise(store: Store, tmp_path: Path) -> None:
    """Postgres reads a whole table for each statement that finds rows by id without an index: a day's upsert
    deleting the rows it replaces, the log and the refresh looking up the touched ids' payments and kept facts.
    Every store table and kept fact carries its id indexes, and planner statistics, after ingest, enrich and a
    refresh, and still after a load whose refresh patches the facts."""
    if not capable(store.name, "tends_tables"):
        pytest.skip(f"{store.name} scans its tables by design")
    write_sample(tmp_path / "in", clients=20, seed=5)
    ingest(store, tmp_path / "in")
    gigsight.enrich(con=store)
    for step in ("built", "patched"):
        if step == "patched":
            data = {t: pd.read_csv(tmp_path / "in" / f"{t}.csv", dtype=str) for t in TABLES}
            assert ingest(store, _write(_new_client(data, random.Random(1), 0), tmp_path / "day")).rejected == 0
        assert facts.refresh(store).mode == ("full" if step == "built" else "incremental")
        wanted = {(t, cols) for t in store.tables() for cols in upkeep.indexed_columns(t)}
        registry = storage.current(store.con, set(store.con.list_tables())) or {}
        for key, name in registry.items():  # the id a refresh deletes by, and the readers' ids of payment facts
            read_by = {"client_id", "freelancer_id"} & set(store.con.table(name).columns)
            wanted |= {(name, (c,)) for c in {PARTITION[key.split("'")[1]], *read_by}}
        assert len(registry) >= 10 and {"payments", "job_skills"} <= {t for t, _ in wanted}
        assert wanted - _indexed(store) == set(), step
        filled = {t for t, n in storage.rows(store.con, "SELECT relname, reltuples FROM pg_class") if n > 0}
        analysed = {t for (t,) in storage.rows(
            store.con, "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")}
        assert ({t for t, _ in wanted} & filled) - analysed == set(), step

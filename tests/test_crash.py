"""kill -9 during ingest, enrich, simulate and refresh: the store is as before or as after, never between (for
refresh: no answer changes), and a re-run converges to the tables an uninterrupted run makes (issue 18, items 1, 3
and 4).

Each write is killed at every named boundary of the atomic swap (``GIGSIGHT_CRASH_AT``) and at random moments
(seeded) while it works. Tables are compared by a digest of their sorted rows, so a doubled or missing row shows.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import gigsight
from gigsight.backends.atomic import CRASH_POINTS, copy_path
from tests.helpers.engines import BACKENDS

GIGSIGHT = [sys.executable, "-m", "gigsight.cli"]
CANONICAL = ("clients", "freelancers", "freelancer_skills", "jobs", "proposals", "contracts", "payments")
DERIVED = ("skills", "job_labels", "job_skills", "freelancer_profile", "freelancer_canonical_skills")
RANDOM_KILLS = 4


def digest(db: Path, tables: tuple[str, ...]) -> dict[str, tuple[int, str | None]]:
    """Rows and an order-free digest of every table (None where the table does not exist)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        out: dict[str, tuple[int, str | None]] = {}
        for t in tables:
            if t not in have:
                out[t] = (0, None)
                continue
            row = con.execute(f"SELECT count(*), md5(string_agg(CAST(x AS VARCHAR), '|' ORDER BY CAST(x AS VARCHAR)))"
                              f" FROM {t} x").fetchone()
            assert row is not None
            out[t] = (int(row[0]), row[1])
        return out
    finally:
        con.close()


def killed(args: list[str], *, at: str | None = None, after_s: float | None = None) -> bool:
    """Run the CLI and kill it at a crash point or after some seconds; True when it was killed, not finished."""
    env = {**os.environ, "GIGSIGHT_CRASH_AT": at or ""}
    proc = subprocess.Popen([*GIGSIGHT, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    if after_s is not None:
        try:
            proc.wait(timeout=after_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    if proc.returncode not in (0, -signal.SIGKILL):
        pytest.fail(f"{' '.join(args)} failed: {err.decode()[-2000:]}")
    return proc.returncode == -signal.SIGKILL


def timed(args: list[str]) -> float:
    t = time.perf_counter()
    assert not killed(args)
    return time.perf_counter() - t


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated marketplace as CSV files, and a store that holds only its clients."""
    root = tmp_path_factory.mktemp("crash")
    with gigsight.connect(f"duckdb://{root / 'sim.duckdb'}") as s:
        gigsight.simulate(s, scale=0.004, validate=False)
        gigsight.export(root / "csv", "csv", con=s)
    (root / "clients_only").mkdir()
    shutil.copy(root / "csv" / "clients.csv", root / "clients_only")
    assert not killed(["ingest", str(root / "clients_only"), "--db", str(root / "before.duckdb")])
    return root


def moments(total_s: float, seed: int) -> list[tuple[str | None, float | None]]:
    rng = random.Random(seed)
    return ([(p, None) for p in CRASH_POINTS] +
            [(None, rng.uniform(0.5, total_s)) for _ in range(RANDOM_KILLS)])


def test_a_killed_ingest_leaves_before_or_after_and_a_rerun_converges(data: Path, tmp_path: Path) -> None:
    ingest = ["ingest", str(data / "csv")]
    after_db = tmp_path / "after.duckdb"
    shutil.copy(data / "before.duckdb", after_db)
    total = timed([*ingest, "--db", str(after_db)])
    before, after = digest(data / "before.duckdb", CANONICAL), digest(after_db, CANONICAL)
    assert after["payments"][0] > 0 and before != after
    for i, (point, after_s) in enumerate(moments(total, 1)):
        db = tmp_path / f"k{i}.duckdb"
        shutil.copy(data / "before.duckdb", db)
        was_killed = killed([*ingest, "--db", str(db)], at=point, after_s=after_s)
        state = digest(db, CANONICAL)
        assert state in (before, after), f"kill {point or f'at {after_s:.1f} s'}: a state between before and after"
        if point:
            assert was_killed, f"crash point {point} was never reached"
        assert not killed([*ingest, "--db", str(db)])  # the daily re-run: an upsert must never double a key
        assert digest(db, CANONICAL) == after
        assert not copy_path(db).exists()


def loaded_twice(data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The whole marketplace ingested without kept facts, as two copies: one to kill a step on, one to finish it."""
    base, done = tmp_path / "base.duckdb", tmp_path / "done.duckdb"
    shutil.copy(data / "before.duckdb", base)
    assert not killed(["ingest", str(data / "csv"), "--db", str(base), "--no-refresh"])
    shutil.copy(base, done)
    return base, done


def test_a_killed_enrich_keeps_labels_and_skills_together(data: Path, tmp_path: Path) -> None:
    base, done = loaded_twice(data, tmp_path)
    total = timed(["enrich", "--db", str(done)])
    before, after = digest(base, DERIVED), digest(done, DERIVED)
    assert after["job_skills"][0] > 0
    for i, (point, after_s) in enumerate(moments(total, 2)):
        db = tmp_path / f"e{i}.duckdb"
        shutil.copy(base, db)
        killed(["enrich", "--db", str(db)], at=point, after_s=after_s)
        assert digest(db, DERIVED) in (before, after)
        assert not killed(["enrich", "--db", str(db)])
        assert digest(db, DERIVED) == after


def test_a_killed_simulation_leaves_the_store_as_it_was(data: Path, tmp_path: Path) -> None:
    sim = ["simulate", "--scale", "0.004", "--no-validate"]
    done = tmp_path / "done.duckdb"
    total = timed([*sim, "--db", str(done)])
    after = digest(done, CANONICAL)
    for i, (point, after_s) in enumerate(moments(total, 3)[:5]):
        db = tmp_path / f"s{i}.duckdb"
        gigsight.connect(f"duckdb://{db}").close()  # an empty store, as `simulate` finds a new one
        before = digest(db, CANONICAL)
        killed([*sim, "--db", str(db)], at=point, after_s=after_s)
        assert digest(db, CANONICAL) in (before, after)
        assert not killed([*sim, "--db", str(db), "--replace"])
        assert digest(db, CANONICAL) == after


def killed_refreshes(start: Path, tmp_path: Path, total: float, seed: int) -> Iterator[tuple[Path, float, bool]]:
    """Copies of ``start``, each with a ``refresh`` killed at a random moment: (store, moment, whether killed)."""
    rng = random.Random(seed)
    for i, after_s in enumerate(sorted(rng.uniform(0.3, total) for _ in range(RANDOM_KILLS))):
        db = tmp_path / f"r{seed}-{i}.duckdb"
        shutil.copy(start, db)
        yield db, after_s, killed(["refresh", "--db", str(db)], after_s=after_s)


def test_a_killed_refresh_changes_no_answer_and_a_rerun_converges(data: Path, tmp_path: Path) -> None:
    """Kept facts are a cache written registry-last: killed half-way, no registry names the new tables, so every
    question is answered from the records (the same numbers), and the next refresh drops the orphans."""
    base, done = loaded_twice(data, tmp_path)
    total = timed(["refresh", "--db", str(done)])

    def answers(db: Path) -> list[dict[str, object]]:
        with gigsight.connect(f"duckdb://{db}", read_only=True) as s:
            return gigsight.compute(["gsv", "active_clients", "gsv_per_active_client"], con=s).to_dict("records")

    def kept(db: Path) -> tuple[str, ...]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return tuple(sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                                          "WHERE table_name LIKE 'gigsight_%'").fetchall()))
        finally:
            con.close()

    want, records = answers(done), digest(base, CANONICAL)
    assert "gigsight_facts" in kept(done)
    tried = 0
    for db, after_s, was_killed in killed_refreshes(base, tmp_path, total, 4):
        tried += was_killed
        assert digest(db, CANONICAL) == records  # a refresh never touches the records
        assert answers(db) == want, f"killed at {after_s:.1f} s: an answer changed"
        assert not killed(["refresh", "--db", str(db)])
        assert kept(db) == kept(done) and answers(db) == want  # orphans dropped, facts as an uninterrupted run's
    assert tried >= 1, "no kill landed while refresh worked"


def test_a_killed_incremental_refresh_changes_no_answer_and_a_rerun_converges(data: Path, tmp_path: Path) -> None:
    """An incremental refresh deletes and inserts rows in the kept tables and moves the registry last: killed at
    any moment, questions are answered from the records while the log is pending, and the next refresh applies
    the whole log again, to the same facts as an uninterrupted run."""
    import pandas as pd

    pay = pd.read_csv(data / "csv" / "payments.csv", dtype=str).sort_values("paid_at")
    (tmp_path / "old").mkdir()
    (tmp_path / "day").mkdir()
    for f in (data / "csv").glob("*.csv"):
        if f.name != "payments.csv":
            shutil.copy(f, tmp_path / "old")
    pay.iloc[:-300].to_csv(tmp_path / "old" / "payments.csv", index=False)
    pay.iloc[-300:].to_csv(tmp_path / "day" / "payments.csv", index=False)
    pending, done = tmp_path / "pending.duckdb", tmp_path / "done.duckdb"
    shutil.copy(data / "before.duckdb", pending)
    assert not killed(["ingest", str(tmp_path / "old"), "--db", str(pending)])
    assert not killed(["ingest", str(tmp_path / "day"), "--db", str(pending), "--no-refresh"])
    shutil.copy(pending, done)
    total = timed(["refresh", "--db", str(done)])

    def answers(db: Path) -> list[dict[str, object]]:
        with gigsight.connect(f"duckdb://{db}", read_only=True) as s:
            return gigsight.compute(["gsv", "active_clients", "new_clients"], con=s).to_dict("records")

    def facts(db: Path) -> dict[str, tuple[int, str | None]]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            names = tuple(r[0] for r in con.execute("SELECT name FROM gigsight_facts").fetchall())
            assert not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = "
                                   "'gigsight_fact_log'").fetchall()
        finally:
            con.close()
        return digest(db, names)

    want, kept = answers(done), facts(done)
    with gigsight.connect(f"duckdb://{done}", read_only=True) as s:
        assert gigsight.info(s)["facts"]["mode"] == "incremental"
    tried = 0
    for db, after_s, was_killed in killed_refreshes(pending, tmp_path, total, 5):
        tried += was_killed
        assert answers(db) == want, f"killed at {after_s:.1f} s: an answer changed"
        assert not killed(["refresh", "--db", str(db)])
        assert facts(db) == kept, f"killed at {after_s:.1f} s: the facts differ from an uninterrupted run's"
    assert tried >= 1, "no kill landed while the refresh worked"


@pytest.mark.skipif("postgres" not in BACKENDS, reason="Postgres is not among GIGSIGHT_TEST_BACKENDS")
def test_a_killed_enrich_on_postgres_keeps_labels_and_skills_together(data: Path) -> None:
    """Postgres enrich copies its new tables in beside the old ones and swaps them in one transaction: killed at
    each step of the swap or at a random moment, the derived tables are all as before or all as after, and a re-run
    converges."""
    import psycopg

    admin = os.environ["GIGSIGHT_TEST_PG_URL"].replace("postgres://", "postgresql://")
    server, made = admin.rsplit("/", 1)[0], []

    def database(name: str, template: str | None = None) -> str:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        made.append(name)
        return f"{server}/{name}"

    def pg_digest(url: str) -> dict[str, tuple[int, str | None]]:
        with psycopg.connect(url) as c:
            have = {r[0] for r in c.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            return {t: tuple(c.execute(  # type: ignore[misc]
                f"SELECT count(*), md5(string_agg(x::text, '|' ORDER BY x::text)) FROM {t} x").fetchone())
                if t in have else (0, None) for t in DERIVED}

    tag = f"gs_crash_{os.getpid()}"
    try:
        base = database(f"{tag}_base")
        assert not killed(["ingest", str(data / "csv"), "--db", base, "--no-refresh"])
        done = database(f"{tag}_done", f"{tag}_base")
        total = timed(["enrich", "--db", done])
        before, after = pg_digest(base), pg_digest(done)
        assert after["job_skills"][0] > 0 and before != after
        for i, (point, after_s) in enumerate(moments(total, 6)):
            db = database(f"{tag}_k{i}", f"{tag}_base")
            was_killed = killed(["enrich", "--db", db], at=point, after_s=after_s)
            assert pg_digest(db) in (before, after), f"killed {point or f'at {after_s:.1f} s'}: a state between"
            if point:
                assert was_killed, f"crash point {point} was never reached"
            assert not killed(["enrich", "--db", db])
            assert pg_digest(db) == after
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            for name in made:
                c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

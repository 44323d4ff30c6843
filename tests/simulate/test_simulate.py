"""The simulator: reproducible, valid, calibrated (targets measured by the KPI engine at two scales), and its
planted effects recovered from the records."""

from __future__ import annotations

import hashlib
import importlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gigsight.backends import connect, engines
from gigsight.backends.base import Store
from gigsight.metrics import compute
from gigsight.model.schema import LOAD_ORDER
from gigsight.simulate import TRUTH_TABLES, generate, records, simulate
from gigsight.simulate.calibrate import fit_plan
from gigsight.simulate.scenario import load_scenario
from gigsight.simulate.targets import check_targets


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.parquet"))}


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    sc = load_scenario("steady")
    a, b, c = (tmp_path / x for x in "abc")
    rows = generate(sc, 0.002, 11, a)
    generate(sc, 0.002, 11, b)
    generate(sc, 0.002, 12, c)
    assert rows["payments"] > 10_000
    assert _digest(a) == _digest(b)
    assert _digest(a)["payments/part-0.parquet"] != _digest(c)["payments/part-0.parquet"]


@pytest.fixture(scope="module")
def small_seed(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """seed-q3 at scale 0.005 through the full ingest validation."""
    path = tmp_path_factory.mktemp("sim") / "seed.duckdb"
    with connect(f"duckdb://{path}") as store:
        result = simulate(store, "seed-q3", scale=0.005, seed=7)
    assert result["rejected"] == 0, result["ingest"]["issues"][:5]
    loaded = {s["table"]: s["inserted"] for s in result["ingest"]["sources"]}
    assert all(loaded[t] == result["rows"][t] for t in loaded)
    return connect(f"duckdb://{path}", read_only=True)


@pytest.mark.slow
@pytest.mark.parametrize("scale", [0.1, 0.2])
def test_seed_targets_hold_at_two_scales(tmp_path: Path, scale: float) -> None:
    with connect(f"duckdb://{tmp_path / 'seed.duckdb'}") as store:
        simulate(store, "seed-q3", scale=scale, seed=42, validate=False)
        checks = check_targets(store, "seed-q3", scale)
    failed = [c for c in checks if not c.passed]
    assert not failed, failed
    assert {c.metric for c in checks} >= {"gsv", "ai_jobs", "active_clients", "gsv_per_new_client", "ai_freelancers"}


@pytest.mark.slow
def test_public_marketplace_series_hold(tmp_path: Path) -> None:
    with connect(f"duckdb://{tmp_path / 'public.duckdb'}") as store:
        simulate(store, "public-marketplace-2019-2025", scale=0.05, seed=42, validate=False)
        checks = check_targets(store, "public-marketplace-2019-2025", 0.05)
    assert len(checks) == 17
    failed = [c for c in checks if not c.passed]
    assert not failed, failed


def test_planted_ai_share_and_category_trend_are_recovered(small_seed: Store) -> None:
    fit = fit_plan(load_scenario("seed-q3"))
    jobs = compute(["jobs_posted", "ai_jobs"], period="year", con=small_seed)
    for year in (2023, 2024, 2025):
        months = [fit.time.index(year, m) for m in range(12)]
        planted = fit.expected["ai_jobs"][months].sum() / fit.expected["jobs"][months].sum()
        row = jobs[jobs.period == str(year)].iloc[0]
        assert abs(row.ai_jobs / row.jobs_posted - planted) < 0.005, year
    # ordinary Writing work shrinks 10% a year relative to the mix (planted in behaviour.category_growth)
    t = small_seed.con.table("truth_jobs").join(small_seed.con.table("jobs").select("job_id", "posted_at"), "job_id")
    t = t.filter(~t.is_ai).mutate(y=t.posted_at.year())
    df = t.group_by(["y", "category"]).aggregate(n=t.count()).to_pandas()
    share = df.pivot(index="y", columns="category", values="n").apply(lambda r: r / r.sum(), axis=1)
    ratio = (share.loc[2025, "Writing"] / share.loc[2022, "Writing"]) / (share.loc[2025, "Data Science & Analytics"]
                                                                         / share.loc[2022, "Data Science & Analytics"])
    assert ratio == pytest.approx(((1 - 0.10) / 1.04) ** 3, rel=0.08)


def test_records_agree_with_truth_and_are_realistic(small_seed: Store) -> None:
    con = small_seed.con
    jobs, truth = con.table("jobs"), con.table("truth_jobs")
    j = jobs.join(truth, "job_id")
    assert j.count().execute() == jobs.count().execute() == truth.count().execute()
    assert j.filter(j.is_ai != j.is_ai_right).count().execute() == 0
    kinds = set(truth.filter(truth.is_ai).ai_kind.to_pandas())
    assert kinds == {"llm_apps", "agents_automation", "ml", "nlp_speech", "vision", "generative_media",
                     "ai_video_editing", "ai_content_writing", "data_annotation"}
    pay = con.table("payments").to_pandas()
    spend = pay.groupby("client_id").amount.sum().astype(float).sort_values(ascending=False)
    assert spend.head(len(spend) // 10).sum() / spend.sum() > 0.5          # a few clients carry most GSV
    assert set(pay.kind) == {"milestone", "hourly", "bonus", "refund"}
    assert (pay[pay.kind == "refund"].amount < 0).all()
    text = jobs.select("title", "description", "is_ai").to_pandas()
    mentions = text.description.str.contains(r"\bAI\b|ChatGPT") & ~text.is_ai
    assert 0.03 < mentions.mean() < 0.12                                 # incidental mentions, as in real posts
    monthly = compute(["gsv"], period="month", con=small_seed).set_index("period").gsv.astype(float)
    dec = np.mean([monthly[f"{y}-12"] / monthly[f"{y}-11"] for y in (2022, 2023, 2024)])
    assert dec < 0.95                                                     # the holiday dip


@pytest.mark.slow
def test_ai_boom_growth_is_recovered(tmp_path: Path) -> None:
    with connect(f"duckdb://{tmp_path / 'boom.duckdb'}") as store:
        simulate(store, "ai-boom", scale=0.05, seed=3, validate=False)
        checks = check_targets(store, "ai-boom", 0.05)
        by_ai = compute(["gsv"], period="year", by="ai", compare=["yoy"], con=store)
    assert all(c.passed for c in checks), checks
    ai = by_ai[(by_ai.period == "2025") & by_ai.ai.astype(bool)].iloc[0]
    other = by_ai[(by_ai.period == "2025") & ~by_ai.ai.astype(bool)].iloc[0]
    assert ai.gsv_yoy > 0.5 and other.gsv_yoy < 0.0


@pytest.mark.backend
def test_simulated_records_load_on_every_backend(store: Store, tmp_path: Path) -> None:
    result = simulate(store, "steady", scale=0.0005, seed=5, validate=False)
    for t in ("clients", "jobs", "contracts", "payments", "truth_jobs", "truth_targets"):
        assert store.con.table(t).count().execute() == result["rows"][t], t
    gsv = compute(["gsv"], period="year", con=store)
    assert float(gsv.gsv.sum()) > 0


def test_arrow_appends_store_what_the_parquet_route_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "APPEND_ROWS", 5_000)  # several gathered inserts per table, not one
    sc = load_scenario("steady")
    with connect(f"duckdb://{tmp_path / 'a.duckdb'}") as a, connect(f"duckdb://{tmp_path / 'b.duckdb'}") as b:
        a.ensure_tables()
        b.ensure_tables()
        direct = a.bulk_append(records(sc, 0.002, 11), create=TRUTH_TABLES)
        via_parquet = Store.bulk_append(b, records(sc, 0.002, 11), create=TRUTH_TABLES)  # every engine's route
        assert direct == via_parquet and direct["payments"] > 3 * 5_000
        for t in direct:
            rows = [s.con.con.sql(f"SELECT * FROM {t} ORDER BY ALL").fetch_arrow_table() for s in (a, b)]
            assert rows[0].num_rows == direct[t] and rows[0].equals(rows[1]), t


def test_a_simulation_failing_half_way_leaves_the_store_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("gigsight.simulate")

    def disk_full(*args: Any, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        yield from itertools.islice(records(*args, **kwargs), 9)  # clients, freelancers and a first block
        raise OSError("No space left on device")

    monkeypatch.setattr(module, "records", disk_full)
    with connect(f"duckdb://{tmp_path / 'x.duckdb'}") as store:
        with pytest.raises(OSError, match="No space"):
            simulate(store, "steady", scale=0.002, validate=False)
        assert {t: store.con.table(t).count().execute() for t in LOAD_ORDER} == dict.fromkeys(LOAD_ORDER, 0)
        assert not set(TRUTH_TABLES) & set(store.tables())


def test_generation_ahead_of_the_store_hands_over_errors_and_stops_when_dropped() -> None:
    import threading

    module = importlib.import_module("gigsight.simulate")

    def broken() -> Iterator[int]:
        yield 1
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space"):
        list(module.ahead(broken()))
    endless = module.ahead(itertools.count(), depth=2)
    assert [next(endless) for _ in range(3)] == [0, 1, 2]
    endless.close()  # the consumer gives up (an insert failed): the producer thread must end, not block
    assert not [t for t in threading.enumerate() if t.name == "gigsight-generate"]


BAD_SCENARIO = """name: broken
extends: seed-q3
{field}
"""


@pytest.mark.parametrize(("args", "message"), [
    (["--scenario", "seed-q4"], "did you mean 'seed-q3'"),
    (["--scenario", "nope"], "known: ai-boom, public-marketplace-2019-2025, seed-q3, steady"),
    (["--scale", "0"], "scale must be a number above 0"),
    (["--scale", "50"], "at most 4"),
    (["--seed", "-1"], "seed must be a whole number"),
    (["--hold-back-days", "400"], "days to hold back must be a whole number from 1 to 366"),
])
def test_bad_simulate_options_get_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    from tests.helpers.cli import run

    r = run("simulate", "--db", str(tmp_path / "s.duckdb"), *args)
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("field", "message"), [
    ("targets:\n  - {metric: gsv, period: 2025Q3, yoy: 0.30, tolerance: 0.005}", "contradictory target: yoy +30.00%"),
    ("targets:\n  - {metric: gsv, period: 2025Q3, yoy: 0.16}", "targets[0]: missing field 'tolerance'"),
    ("targets:\n  - {period: 2025Q3, yoy: 0.16, tolerance: 0.01}", "targets[0]: missing field 'metric'"),
    ("targets:\n  - {metric: gvs, period: 2025Q3, yoy: 0.16, tolerance: 0.01}", "did you mean 'gsv'"),
    ("targets:\n  - {metric: gsv, period: 2031Q3, yoy: 0.16, tolerance: 0.01}", "outside the scenario's records"),
    ("plan:\n  gsv: {2024: 1.0e+6}", "missing field 'plan.active_clients'"),
    ("behaviour:\n  segments: {small: {churn: 1.5}}", "field 'behaviour.segments.small.churn' is out of range: 1.5"),
    ("anchor: Q5", "field 'anchor' must be one of Q1, Q2, Q3, Q4, year"),
])
def test_bad_scenario_files_name_the_field(tmp_path: Path, field: str, message: str) -> None:
    from gigsight.errors import ConfigError

    f = tmp_path / "broken.yaml"
    f.write_text(BAD_SCENARIO.format(field=field))
    with pytest.raises(ConfigError, match=r"broken\.yaml") as info:
        load_scenario(f)
    assert message in str(info.value)


def test_a_store_holding_data_is_refused_unless_replace(tmp_path: Path) -> None:
    from gigsight.errors import ConfigError

    with connect(f"duckdb://{tmp_path / 'x.duckdb'}") as store:
        store.con.raw_sql("CREATE TABLE mine AS SELECT 1 AS x")
        with pytest.raises(ConfigError, match="already holds data; pass --replace"):
            simulate(store, "steady", scale=0.0005)
        assert simulate(store, "steady", scale=0.0005, replace=True, validate=False)["rows"]["payments"] > 0


def test_an_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    from tests.helpers.cli import run

    r = run("simulate", "--db", str(tmp_path / "missing" / "s.duckdb"), "--scale", "0.0005")
    assert r.returncode == 1 and "does not exist" in r.stderr and "Traceback" not in r.stderr


def test_held_back_days_loaded_one_by_one_give_the_whole_marketplace(tmp_path: Path) -> None:
    """The store without its last days, plus each day's folder ingested (refreshing incrementally), holds the same
    records and answers as the marketplace simulated whole."""
    import gigsight
    from gigsight.errors import ConfigError
    from gigsight.metrics.facts import refresh

    with connect(f"duckdb://{tmp_path / 'whole.duckdb'}") as whole:
        simulate(whole, "steady", scale=0.002, seed=5, validate=False)
        want = compute(["gsv", "active_clients", "jobs_posted", "new_clients"], period="quarter", con=whole)
        counts = {t: whole.con.table(t).count().execute() for t in ("jobs", "proposals", "contracts", "payments")}
    with connect(f"duckdb://{tmp_path / 'daily.duckdb'}") as daily:
        got = simulate(daily, "steady", scale=0.002, seed=5, validate=False, hold_back_days=3,
                       days_out=tmp_path / "days")
        assert [Path(d).name for d in got["days"]] == ["2025-12-29", "2025-12-30", "2025-12-31"]
        assert daily.con.table("payments").count().execute() < counts["payments"]
        refresh(daily)
        for day in got["days"]:
            assert gigsight.ingest(day, con=daily).rejected == 0
            assert refresh(daily, force=False).mode == "incremental"
        assert {t: daily.con.table(t).count().execute() for t in counts} == counts
        assert compute(["gsv", "active_clients", "jobs_posted", "new_clients"], period="quarter",
                       con=daily).equals(want)
    with pytest.raises(ConfigError, match="is not empty"), connect(f"duckdb://{tmp_path / 'x.duckdb'}") as again:
        simulate(again, "steady", scale=0.002, seed=5, hold_back_days=3, days_out=tmp_path / "days")

"""Demand analytics and actions: statistics checked against simulation (coverage, false alarms, planted breakouts),
numbers against a pandas oracle over the same tables, the enrich stage on every backend, and the CLI."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.errors import ConfigError
from gigsight.insights import cooccurrence, detect, emerging, learn, promote, rate_ratio_ci, supply, trends
from gigsight.metrics.display import money


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = gigsight.connect(str(tmp_path_factory.mktemp("demand") / "d.duckdb"))
    gigsight.simulate(store, "seed-q3", scale=0.01, seed=3, validate=False)
    gigsight.enrich(store)
    yield store
    store.close()


def test_rate_ratio_interval_covers_the_truth_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(2000):
        a, b = rng.poisson(130), rng.poisson(100)
        _, lo, hi = rate_ratio_ci(a, b)
        hits += lo is not None and hi is not None and lo <= 0.3 <= hi
    assert 0.93 <= hits / 2000 <= 0.97


def _series(rng: np.random.Generator, shares: np.ndarray, months: int = 18, growth: float = 0.03,
            boost: dict[int, float] | None = None) -> pd.DataFrame:
    rows = []
    for m in range(months):
        total = 20_000 * (1 + growth) ** m
        s = shares.copy()
        if boost and m >= months - 6:
            for i, f in boost.items():
                s[i] *= f
        s = s / s.sum()
        counts = rng.poisson(total * s)
        rows += [(f"s{i}", m, int(c)) for i, c in enumerate(counts)]
    return pd.DataFrame(rows, columns=["skill", "month", "jobs"])


def test_breakout_detection_controls_false_alarms_on_steady_series() -> None:
    rng = np.random.default_rng(7)
    flagged = 0
    for _ in range(20):
        shares = rng.dirichlet(np.ones(300) * 2)
        out = detect(_series(rng, shares))  # a growing market, every skill's share steady
        flagged += int((out.trend != "steady").sum())
    assert flagged / (20 * 300) < 0.005


def test_breakout_detection_finds_planted_breakouts() -> None:
    rng = np.random.default_rng(8)
    shares = np.full(300, 1 / 300)
    out = detect(_series(rng, shares, boost={i: 2.0 for i in range(10)} | {20: 0.3})).set_index("skill")
    assert (out.loc[[f"s{i}" for i in range(10)], "trend"] == "emerging").sum() >= 9
    assert out.loc["s20", "trend"] == "declining"
    assert (out.trend != "steady").sum() <= 12


def _oracle_jobs(store: Store, start: str, end: str) -> pd.Series:
    con = store.con
    jobs = con.table("jobs").select("job_id", "posted_at").to_pandas()
    js = con.table("job_skills").to_pandas()
    names = con.table("skills").select("skill_id", "name").to_pandas()
    at = pd.to_datetime(jobs.posted_at, utc=True)  # naive (UTC) on DuckDB, aware elsewhere
    j = jobs[(at >= pd.Timestamp(start, tz="UTC")) & (at < pd.Timestamp(end, tz="UTC"))]
    m = js.merge(j, on="job_id").merge(names, on="skill_id").drop_duplicates(["job_id", "skill_id"])
    return m.groupby("name").job_id.nunique()


def test_trends_match_a_pandas_oracle_and_show_planted_ai_growth(sim: Store) -> None:
    t = trends(sim, at="2025Q3", min_jobs=20)
    oracle = _oracle_jobs(sim, "2025-07-01", "2025-10-01")
    got = t.set_index("skill").jobs_posted
    assert got[got > 0].astype(int).to_dict() == oracle.astype(int).to_dict()
    prev = _oracle_jobs(sim, "2024-07-01", "2024-10-01")
    llm = "Large Language Model"  # the marketplace's name for LLM
    row = t.set_index("skill").loc[llm]
    assert row.jobs_posted_prev == prev[llm]
    assert abs(row.jobs_yoy - (oracle[llm] / prev[llm] - 1)) < 1e-12
    assert row.jobs_yoy_low < row.jobs_yoy < row.jobs_yoy_high
    ai = trends(sim, at="2025Q3", ai_only=True)
    assert ai.is_ai.all() and len(ai) > 5
    small = t[(t.jobs_posted < 20) | (t.jobs_posted_prev < 20)]
    assert small.jobs_yoy.isna().all() and small.guard.str.startswith("fewer than 20 jobs").all()
    with pytest.raises(ConfigError, match="outside the data: it covers 2022Q1"):
        trends(sim, at="2031Q1")


def test_supply_and_cooccurrence_match_the_oracle(sim: Store) -> None:
    s = supply(sim, "quarter", "2025Q3").set_index("skill")
    oracle = _oracle_jobs(sim, "2024-10-01", "2025-10-01")
    assert s.jobs.astype(int).to_dict() == oracle.astype(int).to_dict()
    co = cooccurrence(sim, "quarter", "2025Q3", min_together=5)
    top = co.iloc[0]
    assert top.jobs_together >= co.jobs_together.max() and top.lift > 1
    assert (co.share_of_a <= 1).all() and (co.share_of_b <= 1).all()


def test_emerging_on_the_store(sim: Store) -> None:
    out = emerging(sim)
    assert set(out.trend) <= {"emerging", "declining", "steady"}
    assert out.through.iloc[0] == "2025-11"  # December 2025, the last and partial month, is left out


def test_promote_and_learn_give_reasons(sim: Store) -> None:
    p = promote(sim, at="2025Q3", top=5)
    assert p["rank"].tolist() == [1, 2, 3, 4, 5] and p.score.is_monotonic_decreasing
    assert all("YoY" in r and "GSV" in r for r in p.reasons)
    fid = sim.con.table("freelancer_canonical_skills").limit(1).to_pandas().freelancer_id[0]
    owned = set(sim.con.table("freelancer_canonical_skills").to_pandas().query("freelancer_id == @fid").skill_id)
    names = sim.con.table("skills").to_pandas().set_index("skill_id").name
    ln = learn(sim, fid, at="2025Q3")
    assert len(ln) > 0 and not set(ln.skill) & {names[s] for s in owned}
    assert all("asked together with your" in r for r in ln.reasons)
    with pytest.raises(ConfigError, match="no freelancer 'nobody'"):
        learn(sim, "nobody")


def test_promoted_skills_are_growing_and_say_their_denominators(sim: Store) -> None:
    """Size alone does not promote: a skill whose jobs fell for certain is never listed, and the GSV in a reason
    is set against the quarter's whole GSV, which it is a share of (not against the sum over skills)."""
    every = trends_of_all(sim)
    p = promote(sim, at="2025Q3", top=10)
    falling = set(every[every.jobs_yoy_high.notna() & (every.jobs_yoy_high < 0)].skill)
    assert falling and not set(p.skill) & falling
    quarter = float(gigsight.compute("gsv", con=sim, start="2025Q3", end="2025Q3").gsv.iloc[0])
    assert all(f"of the quarter's {money(quarter)};" in r for r in p.reasons)


def trends_of_all(store: Store) -> Any:
    from gigsight.insights.skill_demand import trends

    return trends(store, at="2025Q3")


def test_skills_cli_json_has_no_nan(sim: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from gigsight import cli
    from gigsight.cli import skills as skills_cli

    monkeypatch.setattr(skills_cli, "_url", lambda db: sim)  # the open store (DuckDB allows one writer process)
    r = CliRunner().invoke(cli.app, ["skills", "trends", "--at", "2025Q3", "--top", "200", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert rows[0]["rank"] == 1 and any(x["jobs_yoy"] is None for x in rows)
    r = CliRunner().invoke(cli.app, ["skills", "learn", "--freelancer", "nobody"])
    assert r.exit_code == 1 and "no freelancer 'nobody'" in str(r.exception)


def test_demand_needs_enrich(duck: Store) -> None:
    gigsight.simulate(duck, "steady", scale=0.0005, seed=1, validate=False)
    with pytest.raises(ConfigError, match="run `gigsight enrich` first"):
        supply(duck, "quarter", "2025Q3")


@pytest.mark.backend
def test_enrich_and_trends_on_every_backend(store: Store) -> None:
    gigsight.simulate(store, "steady", scale=0.0005, seed=5, validate=False)
    r = gigsight.enrich(store)
    n_jobs = store.con.table("jobs").count().execute()
    assert r.jobs == n_jobs == store.con.table("job_labels").count().execute()
    again = gigsight.enrich(store)
    assert again.classified == 0 and again.reused == n_jobs
    t = trends(store, at="2025Q3", min_jobs=5).set_index("skill").jobs_posted
    oracle = _oracle_jobs(store, "2025-07-01", "2025-10-01")
    assert t[t > 0].astype(int).to_dict() == oracle.astype(int).to_dict()

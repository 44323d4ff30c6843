"""Every built-in metric, on every engine, against the independent pandas oracle (to the cent)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from gigsight.backends.base import Store
from gigsight.backends.capabilities import capable
from gigsight.ingest.pipeline import ingest
from gigsight.ingest.sample import write_sample
from gigsight.metrics import compute
from gigsight.metrics.facts import refresh
from tests.helpers.metric_checks import BUILTIN, close
from tests.helpers.oracle import Oracle


def test_every_metric_matches_the_oracle(store: Store, tmp_path: Path) -> None:
    write_sample(tmp_path / "in", clients=60, seed=21)
    assert ingest(store, tmp_path / "in").rejected == 0
    oracle = Oracle(tmp_path / "in")
    df = compute(BUILTIN, period="quarter", compare=["yoy"], con=store)
    assert list(df.period) == oracle.quarters()
    mismatches = []
    for row in df.to_dict(orient="records"):
        want = oracle.values(row["period"])
        for name in BUILTIN:
            if not close(row[name], want[name], name):
                mismatches.append((row["period"], name, row[name], want[name]))
    assert mismatches == []
    gsv = {r["period"]: r["gsv"] for r in df.to_dict(orient="records")}
    for r in df.to_dict(orient="records"):
        prev = gsv.get(f"{int(r['period'][:4]) - 1}{r['period'][4:]}")
        want_yoy = r["gsv"] / prev - 1 if prev else None
        assert close(r["gsv_yoy"], want_yoy, "take_rate"), r["period"]
    tiers = compute("clients_by_tier", by="tier", con=store)
    last = df.period.iloc[-1]
    got = {r["tier"]: r["clients_by_tier"] for r in tiers.to_dict(orient="records") if r["period"] == last}
    assert got == oracle.active_by_tier(last)
    # the same questions answered from the facts the store keeps (every engine)
    kept = refresh(store)
    assert (kept.tables > 0) == capable(store.name, "keeps_facts")
    pd.testing.assert_frame_equal(compute(BUILTIN, period="quarter", compare=["yoy"], con=store), df)
    pd.testing.assert_frame_equal(compute("clients_by_tier", by="tier", con=store), tiers)


@pytest.mark.parametrize("grain", ["month", "year"])
def test_other_grains_add_up(duck: Store, tmp_path: Path, grain: str) -> None:
    write_sample(tmp_path / "in", clients=30, seed=4)
    ingest(duck, tmp_path / "in")
    quarterly = compute(["gsv", "payments"], period="quarter", con=duck)
    other = compute(["gsv", "payments"], period=grain, con=duck)
    assert round(sum(other.gsv), 2) == round(sum(quarterly.gsv), 2)
    assert sum(other.payments) == sum(quarterly.payments)


def test_skill_segment_matches_the_job_tags(store: Store, tmp_path: Path) -> None:
    write_sample(tmp_path / "in", clients=40, seed=5)
    ingest(store, tmp_path / "in")
    oracle = Oracle(tmp_path / "in")
    df = compute(["jobs_posted", "gsv"], period="year", by="skill", con=store)
    got = {(r["period"], r["skill"]): (r["jobs_posted"], r["gsv"]) for r in df.to_dict(orient="records")}
    tags = oracle.j.assign(skill=oracle.j.skills.fillna("").str.split("|")).explode("skill")
    tags = tags[tags.skill.str.strip() != ""]
    jobs_want = tags.groupby([tags.t.dt.year.astype(str), tags.skill]).size().to_dict()
    assert {k: v[0] for k, v in got.items()} == jobs_want
    pays = oracle.p.merge(oracle.k[["contract_id", "job_id"]], on="contract_id").merge(
        tags[["job_id", "skill"]], on="job_id")
    gsv_want = (pays.groupby([pays.t.dt.year.astype(str), pays.skill]).gsv_c.sum() / 100).to_dict()
    assert {k: v[1] for k, v in got.items() if k in gsv_want} == {k: Decimal(f"{v:.2f}") for k, v in gsv_want.items()}

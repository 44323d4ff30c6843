"""Claim checks: the seed article's claims hold on the seed scenario and fail, clearly, on another one; every
malformed claim is reported with its index and field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import gigsight
from gigsight.errors import ConfigError, DataValidationError
from gigsight.report import check_claims, load_claims, parse_claims
from tests.helpers.cli import run

SEED = Path(__file__).parents[2] / "examples" / "seed_claims.yaml"


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("claims") / "seed.duckdb"
    with gigsight.connect(str(db)) as store:
        gigsight.simulate(store, "seed-q3", scale=0.1, validate=False)
    return db


@pytest.mark.slow
def test_seed_claims_hold_on_the_seed_scenario(seed_db: Path) -> None:
    r = run("check-claims", str(SEED), "--db", str(seed_db), "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 7 and all(x["passed"] for x in rows)
    gsv = rows[0]
    assert gsv["expected"].startswith("71,700,000")  # $717M full size, at the recorded scale 0.1


def test_seed_claims_fail_clearly_on_another_scenario(tmp_path: Path) -> None:
    db = tmp_path / "steady.duckdb"
    with gigsight.connect(str(db)) as store:
        gigsight.simulate(store, "steady", scale=0.002, validate=False)
    r = run("check-claims", str(SEED), "--db", str(db))
    assert r.returncode == 1
    assert "FAIL" in r.stdout and "claims fail" in r.stdout
    with gigsight.connect(str(db)) as store:
        results = check_claims(load_claims(SEED), store)
    failed = {x.claim for x in results if not x.passed}
    assert "GSV up 16% year over year" in failed and "AI-related project volume up 35%" in failed


def test_scale_is_read_from_the_store_or_given(seed_db: Path) -> None:
    claim = parse_claims({"claims": [{"metric": "gsv", "period": "2025Q3", "value": 71.7e6, "tolerance": 0.01}]})
    with gigsight.connect(str(seed_db)) as store:
        assert not check_claims(claim, store)[0].passed  # read as full size: 10x too big at scale 0.1
        assert check_claims(claim, store, scale=1)[0].passed


@pytest.mark.parametrize(("claim", "message"), [
    ({"metric": "gvs", "period": "2025Q3", "yoy": 0.1, "tolerance": 0.01}, "did you mean 'gsv'"),
    ({"metric": "gsv", "period": "2025-Q3", "yoy": 0.1, "tolerance": 0.01}, "column period, value '2025-Q3'"),
    ({"metric": "gsv", "period": "2025Q3", "yoy": 0.1, "value": 5, "tolerance": 0.01}, "exactly one of"),
    ({"metric": "gsv", "period": "2025Q3", "yoy": 0.1}, "column tolerance"),
    ({"metric": "gsv", "period": "2025Q3", "value": "717e6", "tolerance": 0.01}, "write 717e+6"),
    ({"metric": "gsv", "period": "2025Q3", "direction": "sideways"}, "'up' or 'down'"),
    ({"metric": "gsv", "period": "2025Q3", "direction": "up", "segment": {"teir": "x"}}, "did you mean 'tier'"),
])
def test_bad_claims_are_located(claim: dict[str, object], message: str) -> None:
    with pytest.raises(DataValidationError) as e:
        parse_claims({"claims": [{"metric": "gsv", "period": "2025Q3", "direction": "up"}, claim]}, "mine.yaml")
    assert "mine.yaml row 2" in str(e.value) and message in str(e.value)


def test_unreadable_or_empty_claims_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read claims"):
        load_claims(tmp_path / "missing.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("claims: []\n")
    with pytest.raises(ConfigError, match="non-empty 'claims' list"):
        load_claims(empty)
    r = run("check-claims", str(empty), "--db", str(tmp_path / "x.duckdb"))
    assert r.returncode == 1 and "non-empty 'claims' list" in r.stderr

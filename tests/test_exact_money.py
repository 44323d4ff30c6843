"""Money is exact from the store to every output: a total past 2^53 cents (about $90 trillion), where a float
can no longer hold every cent, comes out digit for digit in compute(), the CLI's table, JSON and CSV, and the API.

Each amount is a valid payment (at most $1e12); 95 of them add up to $94,999,996,005,190.99, which as a float
reads ...190.98."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from gigsight.backends.base import Store
from gigsight.ingest.pipeline import ingest
from gigsight.metrics import compute
from tests.helpers.files import write_csv
from tests.helpers.payments import PAY_HEADER, chain, pay

TOTAL = Decimal("94999996005190.99")
TEXT = "94999996005190.99"


def write_big(d: Path) -> Path:
    chain(d)
    rows = [pay(f"p{i}", "999999999999.99", fee="0.00") for i in range(94)]
    rows.append(pay("p94", "999996005191.93", fee="0.00"))  # all c1 (US)
    rows.append(pay("p95", "0.01", fee="0.00", contract="k2", client="c2"))  # c2 (DE): the total's last cent
    write_csv(d / "payments.csv", PAY_HEADER, rows)
    return d


def test_a_float_would_lose_the_cent() -> None:
    assert repr(float(TOTAL)) != TEXT  # the premise: the test below would fail through a float


def test_compute_keeps_sums_of_money_exact(store: Store, tmp_path: Path) -> None:
    assert ingest(store, write_big(tmp_path / "in")).rejected == 0
    df = compute("gsv", by="country", con=store)
    us = df[df.country == "US"].gsv.iloc[0]
    assert isinstance(us, Decimal) and us == TOTAL
    assert compute("gsv", con=store).gsv.iloc[0] == TOTAL + Decimal("0.01")


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("big")
    db = d / "big.duckdb"
    r = subprocess.run([sys.executable, "-m", "gigsight.cli", "ingest", str(write_big(d / "in")), "--db", str(db)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return db


def kpis(db: Path, fmt: str) -> str:
    r = subprocess.run([sys.executable, "-m", "gigsight.cli", "kpis", "--db", str(db), "--metrics", "gsv",
                        "--by", "country", "--format", fmt], capture_output=True, text=True, timeout=300,
                       env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_cli_prints_every_cent(big_db: Path) -> None:
    rows = json.loads(kpis(big_db, "json"), parse_float=Decimal)
    assert {r["country"]: r["gsv"] for r in rows} == {"US": TOTAL, "DE": Decimal("0.01")}
    assert f"2023Q2,US,{TEXT}" in kpis(big_db, "csv").splitlines()
    assert "$94,999,996,005,190.99" in kpis(big_db, "table")


def test_api_sends_every_cent(big_db: Path) -> None:
    from fastapi.testclient import TestClient

    from gigsight.web.app import create_app

    with TestClient(create_app(big_db)) as client:
        r = client.get("/api/kpis", params={"metrics": "gsv", "by": "country"})
    assert r.status_code == 200, r.text
    assert {x["country"]: x["gsv"] for x in json.loads(r.text, parse_float=Decimal)} == {
        "US": TOTAL, "DE": Decimal("0.01")}

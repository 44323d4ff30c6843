"""What a newcomer copies in the first hour works: the demo's suggestions, reversed ranges, a missing store, an
80-column terminal, the ./run launcher."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import gigsight
from gigsight.cli import app
from gigsight.ingest.sample import write_sample

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("first")
    write_sample(folder / "in", clients=60, seed=21)
    path = folder / "s.duckdb"
    gigsight.ingest(folder / "in", con=f"duckdb://{path}")
    return str(path)


def test_kpis_by_ai_keeps_what_can_be_split(db: str) -> None:
    r = CliRunner().invoke(app, ["kpis", "--db", db, "--by", "ai", "--compare", "yoy", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "not split by ai, so left out: active_clients" in r.stderr
    assert '"gsv"' in r.stdout and '"active_clients"' not in r.stdout
    r = CliRunner().invoke(app, ["kpis", "--db", db, "--metrics", "active_clients", "--by", "ai"])
    assert r.exit_code == 1 and "no metric asked can be split by ai" in str(r.exception)


def test_the_readme_api_example_answers(db: str) -> None:
    c = TestClient(gigsight_app(db))
    r = c.get("/api/kpis", params={"metrics": "gsv,ai_jobs", "by": "ai"})
    assert r.status_code == 200 and "ai_jobs" in r.headers["x-gigsight-note"]
    assert {"period", "ai", "gsv"} == set(r.json()[0])
    for params in ({"metrics": "gsv,gsv"}, [("metrics", "gsv"), ("compare", "qoq"), ("compare", "qoq")],
                   [("metrics", "gsv"), ("metrics", "revenue")]):
        r = c.get("/api/kpis", params=params)
        assert r.status_code == 200, r.text
    assert set(r.json()[0]) == {"period", "gsv", "revenue"}


def gigsight_app(db: str) -> object:
    from gigsight.web.app import create_app

    return create_app(db)


def test_a_backwards_range_is_a_clean_error(db: str) -> None:
    r = CliRunner().invoke(app, ["kpis", "--db", db, "--from", "2025Q3", "--to", "2024Q1"])
    assert r.exit_code == 1 and "runs backwards" in str(r.exception)
    resp = TestClient(gigsight_app(db)).get("/api/kpis", params={"metrics": "gsv", "start": "2025Q3",
                                                                   "end": "2024Q1"})
    assert resp.status_code == 400 and "runs backwards" in resp.json()["error"]["message"]


def test_a_missing_store_names_the_path_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    r = subprocess.run([str(ROOT / ".venv" / "bin" / "gigsight"), "kpis", "--db", str(missing)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) <= 2
    assert str(missing) in r.stderr and "--db" in r.stderr and "GIGSIGHT_DB" in r.stderr
    assert not missing.exists()


def test_an_80_column_terminal_keeps_every_digit(db: str) -> None:
    r = CliRunner().invoke(app, ["kpis", "--db", db], env={"COLUMNS": "80"}, terminal_width=80)
    assert r.exit_code == 0
    df = gigsight.compute("gsv,revenue,active_clients,gsv_per_active_client", con=f"duckdb://{db}")
    for v in df.gsv.dropna().tail(3):
        assert f"${v:,.2f}" in r.stdout
    assert "…" not in r.stdout and "..." not in r.stdout


def test_tables_speak_in_words_and_units_while_csv_stays_exact(db: str) -> None:
    r = CliRunner().invoke(app, ["kpis", "--db", db, "--compare", "yoy"], terminal_width=200)
    assert r.exit_code == 0, r.output
    row = gigsight.compute("gsv,take_rate,active_clients", compare="yoy", con=f"duckdb://{db}").iloc[-1]
    for shown in ("GSV per active client", "Take rate", "GSV YoY", f"${row.gsv:,.2f}",
                  f"{float(row.take_rate):.1%}", f"{int(row.active_clients):,}", f"{float(row.gsv_yoy):+.1%}"):
        assert shown in r.stdout, shown
    for raw in ("gsv_per_active_client", "take rate", f"{float(row.take_rate):.4f}", f" {row.gsv:,.2f}"):
        assert raw not in r.stdout, raw
    # a metric's comparison sits beside it
    assert r.stdout.index("GSV YoY") < r.stdout.index("Revenue")
    exact = CliRunner().invoke(app, ["kpis", "--db", db, "--metrics", "gsv", "--format", "csv"]).stdout
    assert str(row.gsv) in exact


def test_the_growth_bridge_table_names_each_identity_once_with_parts_in_their_units(db: str) -> None:
    r = CliRunner().invoke(app, ["growth", "--db", db, "--period", "2025Q3"], terminal_width=220)
    assert r.exit_code == 0, r.output
    steps = {s.component: s for s in gigsight.growth_bridge("2025Q3", con=f"duckdb://{db}")}
    take = steps["take_rate"]
    assert r.stdout.count("Revenue = volume (GSV) \u00d7 take rate") == 1
    assert f"{float(take.after):.1%}" in r.stdout and f"{int(steps['active_clients'].after):,}" in r.stdout
    assert f"${float(steps['gsv_per_active_client'].after):,.2f}" in r.stdout
    assert "ttm_gsv" not in r.stdout and "active_clients" not in r.stdout


def test_run_gigsight_runs_any_command_as_the_demo_prints_it() -> None:
    r = subprocess.run(["bash", str(ROOT / "run"), "gigsight", "clients", "--help"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "value" in r.stdout and "top" in r.stdout


def test_csv_cells_a_spreadsheet_would_run_are_quoted(tmp_path: Path) -> None:
    from gigsight.ingest.sample import write_sample as sample

    sample(tmp_path / "in", clients=20, seed=3)
    rows = (tmp_path / "in" / "clients.csv").read_text().splitlines()
    rows[1] = rows[1].replace(rows[1].split(",")[2], "=CMD()", 1)
    (tmp_path / "in" / "clients.csv").write_text("\n".join(rows) + "\n")
    db = tmp_path / "f.duckdb"
    gigsight.ingest(tmp_path / "in", con=f"duckdb://{db}")
    r = CliRunner().invoke(app, ["kpis", "--db", str(db), "--by", "country", "--metrics", "gsv", "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert "'=CMD()" in r.stdout and "\n=CMD()" not in r.stdout and ",=CMD()" not in r.stdout


def test_warm_up_and_partial_periods_are_marked(db: str) -> None:
    df = gigsight.compute("gsv,active_clients", con=f"duckdb://{db}")
    notes = " ".join(df.attrs["notes"])
    first = gigsight.info(f"duckdb://{db}")
    assert "warm-up: Active clients" in notes, (notes, first)
    assert "gsv" not in notes.split("warm-up: ")[1].split(" in ")[0]  # a plain sum needs no trailing window
    meta = TestClient(gigsight_app(db)).get("/api/meta").json()
    assert meta["warmup_periods"] and meta["warmup_periods"][0] == meta["periods"]["quarter"][0]
    assert meta["periods"]["quarter"][-1] in (meta["default_period"], meta["partial_period"])
    r = CliRunner().invoke(app, ["kpis", "--db", db, "--metrics", "active_clients"])
    assert "warm-up" in r.stderr


def test_error_text_in_brackets_prints_as_written(tmp_path: Path) -> None:
    """Rich markup ate bracketed text: "pip install 'gigsight[web]'" printed as "pip install 'gigsight'"."""
    bad = tmp_path / "clients.csv"
    bad.write_text("client_id,signup_at\n,2024-01-01\n")
    r = subprocess.run([str(ROOT / ".venv" / "bin" / "gigsight"), "ingest", str(bad), "--table", "clients", "--db",
                        str(tmp_path / "x.duckdb"), "--strict"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "[required]" in r.stderr, r.stderr
    r = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c",
                        "import sys; from gigsight.errors import GigsightError; import gigsight.cli as c; "
                        "c.app = lambda: (_ for _ in ()).throw(GigsightError(\"pip install 'gigsight[web]'\")); "
                        "c.main()"], capture_output=True, text=True, timeout=120)
    assert "pip install 'gigsight[web]'" in r.stderr, r.stderr

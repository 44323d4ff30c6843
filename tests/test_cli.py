"""The real ``gigsight`` command, run as a user would: exit codes, JSON output, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from gigsight.ingest.sample import write_sample
from tests.helpers.cli import run
from tests.helpers.files import write_csv


def test_ingest_info_export_round(tmp_path: Path) -> None:
    counts = write_sample(tmp_path / "in", clients=15, seed=2)
    db = str(tmp_path / "g.duckdb")
    r = run("ingest", str(tmp_path / "in"), "--db", db, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["loaded"] == sum(counts.values())
    facts = json.loads(run("info", "--db", db, "--format", "json").stdout)
    assert {t["table"]: t["rows"] for t in facts["tables"]} == counts
    r = run("export", "--db", db, "--out", str(tmp_path / "out"), "--format", "csv")
    assert r.returncode == 0 and (tmp_path / "out" / "payments.csv").exists()
    assert run("info", "--db", db).stdout.count("payments") == 1


def test_rejects_exit_3_and_strict_exit_1_with_located_issue(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "clients.csv", ["client_id", "signup_at"], [["c1", "2023-01-01"], ["c2", "soon"]])
    db = str(tmp_path / "g.duckdb")
    r = run("ingest", str(f), "--db", db, "--format", "json")
    assert r.returncode == 3
    assert json.loads(r.stdout)["issues"][0]["row"] == 2
    r = run("ingest", str(f), "--db", str(tmp_path / "strict.duckdb"), "--strict")
    assert r.returncode == 1
    assert "clients.csv row 2, column signup_at, value 'soon'" in r.stderr
    assert "Traceback" not in r.stderr


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    cases = [
        (["ingest", str(tmp_path), "--from", "postgres://nobody:x@127.0.0.1:9/none"], "cannot connect to Postgres"),
        (["ingest", str(tmp_path / "missing.csv"), "--table", "clients"], "no such file or directory"),
        (["ingest", str(tmp_path), "--table", "paymnets"], "did you mean 'payments'"),
        (["ingest", str(tmp_path), "--mapping", "nope"], "mapping 'nope' not found"),
    ]
    for args, expected in cases:
        r = run(*args, "--db", str(tmp_path / "g.duckdb"))
        assert r.returncode == 1, (args, r.stderr)
        assert expected in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_demo_tells_the_story_and_refuses_to_overwrite(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.duckdb")
    r = run("demo", "--db", db, "--scale", "0.005", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["simulation"]["rejected"] == 0 and out["period"] == "2025Q3"
    assert out["sentences"][0].startswith("GSV rose") and "at full size" in out["sentences"][0]
    assert {t["metric"] for t in out["targets"]} >= {"gsv", "ai_jobs", "active_clients"}
    r = run("demo", "--db", db, "--scale", "0.005")
    assert r.returncode == 1 and "--replace" in r.stderr
    r = run("demo", "--db", db, "--scale", "0.005", "--replace")
    assert r.returncode == 0 and "GSV rose" in r.stdout and "scale 0.005" in r.stdout


def test_kpis_json_and_csv_are_clean(tmp_path: Path) -> None:
    db = str(tmp_path / "k.duckdb")
    write_sample(tmp_path / "in", clients=80, seed=7)
    assert run("ingest", str(tmp_path / "in"), "--db", db).returncode == 0
    r = run("kpis", "--db", db, "--metrics", "gsv,active_clients,gsv_per_new_client", "--by", "country",
            "--compare", "yoy,qoq", "--format", "json")
    assert r.returncode == 0, r.stderr
    records = json.loads(r.stdout)
    assert set(records[0]) == {"period", "country", "gsv", "active_clients", "gsv_per_new_client", "gsv_yoy",
                               "active_clients_yoy", "gsv_per_new_client_yoy", "gsv_qoq", "active_clients_qoq",
                               "gsv_per_new_client_qoq"}
    r = run("kpis", "--db", db, "--metrics", "gsv,gsv_per_new_client", "--compare", "yoy", "--format", "json")
    records = json.loads(r.stdout)
    assert records[0]["gsv_yoy"] is None and records[-1]["gsv_per_new_client"] is None
    assert records[0]["period"] == "2022Q1"
    r = run("kpis", "--db", db, "--metrics", "gsv,gsv_per_new_client", "--compare", "yoy", "--format", "csv")
    assert r.returncode == 0 and "nan" not in r.stdout.lower() and r.stdout.startswith("period,gsv,")
    r = run("kpis", "--db", db, "--metrics", "gvs")
    assert r.returncode == 1 and "did you mean 'gsv'" in r.stderr


def test_a_printed_command_runs_as_pasted_whatever_the_store_is_called(tmp_path: Path) -> None:
    """The hint after `simulate --hold-back-days` is run through a shell exactly as printed, with a store and a
    folder whose names hold what a shell would otherwise take apart (a space, &, ?, [ ]: a Spark URL has them)."""
    import os
    import shlex
    import subprocess
    import sys

    db, days = tmp_path / "my store&[1]?.duckdb", tmp_path / "held days"
    env = {**os.environ, "GIGSIGHT_LAUNCHER": f"{shlex.quote(sys.executable)} -m gigsight.cli"}  # no COLUMNS: piped
    r = subprocess.run([sys.executable, "-m", "gigsight.cli", "simulate", "--db", str(db), "--scenario", "steady",
                        "--scale", "0.002", "--no-validate", "--no-check", "--no-refresh", "--hold-back-days", "1",
                        "--days-out", str(days)], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    printed = r.stdout.split("load the first with: ", 1)[1].strip()
    pasted = subprocess.run(["bash", "-c", printed + " --no-refresh"], capture_output=True, text=True, timeout=300,
                            env=env, cwd=tmp_path)
    assert pasted.returncode == 0, (printed, pasted.stderr)
    assert "payments" in pasted.stdout, pasted.stdout  # the day's payments were read into the named store

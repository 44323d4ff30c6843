"""A Spark store outlives its process: commands run one after another, each in its own process (its own JVM),
see what the earlier ones wrote, as a cluster user's would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import gigsight
from gigsight.backends import connect, spark_target
from tests.helpers.cli import run
from tests.helpers.engines import BACKENDS

needs_spark = pytest.mark.skipif("spark" not in BACKENDS, reason="Spark is not among GIGSIGHT_TEST_BACKENDS")


def shown(report: dict[str, Any]) -> list[str]:
    """What a reader of report.json sees: every sentence and every number as shown."""
    seen = [s["text"] for s in report["sentences"]]
    for section in report["sections"]:
        seen += [f"{t['metric']} {t['shown']} {t.get('yoy_shown')}" for t in section.get("tiles", [])]
    return seen


@needs_spark
def test_the_pipeline_runs_as_separate_commands_on_spark_with_duckdb_numbers(tmp_path: Path) -> None:
    spark = f"pyspark://local[1]?warehouse={tmp_path / 'warehouse'}&database=shop"
    answers = []
    for i, db in enumerate((spark, str(tmp_path / "same.duckdb"))):
        for step in (["simulate", "--scale", "0.001", "--seed", "7", "--no-check", "--no-refresh"],
                     ["enrich", "--no-refresh"], ["refresh"],
                     ["report", "--period", "2025Q3", "--out", str(tmp_path / f"report-{i}")]):
            done = run(*step, "--db", db)
            assert done.returncode == 0, f"{step[0]} on {db}: {done.stderr}"
        kpis = run("kpis", "--db", db, "--period", "quarter", "--format", "json")
        assert kpis.returncode == 0, kpis.stderr
        report = json.loads((tmp_path / f"report-{i}" / "report.json").read_text(encoding="utf-8"))
        answers.append((json.loads(kpis.stdout), shown(report)))
    (spark_kpis, spark_report), (duck_kpis, duck_report) = answers
    assert len(duck_kpis) >= 12 and "gsv" in duck_kpis[0]
    assert spark_kpis == duck_kpis  # every metric of every quarter, money to the cent
    assert spark_report == duck_report and any("GSV" in line for line in duck_report)
    assert (tmp_path / "warehouse" / "metastore_db").is_dir()


@needs_spark
def test_a_warehouse_held_by_another_process_is_a_one_line_error(tmp_path: Path) -> None:
    url = f"pyspark://local[1]?warehouse={tmp_path / 'warehouse'}"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, gigsight; gigsight.connect(sys.argv[1]); "
                               "print('held', flush=True); sys.stdin.read()", url],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        r = run("info", "--db", url)
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 1
    assert "is in use by another process" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) < 10  # a few JVM start-up lines at most, not Hive's stack traces


def test_a_spark_url_names_its_warehouse_and_database() -> None:
    master, warehouse, database = spark_target("pyspark://local[4]?database=shop")
    assert (master, warehouse, database) == ("local[4]", Path("gigsight-spark").resolve(), "shop")
    for bad, says in (("pyspark://local?wherehouse=/x", "unknown Spark store option"),
                      ("pyspark://local?database=a;DROP", "letters, digits and _")):
        with pytest.raises(gigsight.ConfigError, match=says):
            connect(bad)

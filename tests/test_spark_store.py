"""A Spark store outlives its process: commands run one after another, each in its own process (its own JVM),
see what the earlier ones wrote, as a cluster user's would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import gigsight
from gigsight.backends import connect, spark_target
from gigsight.ingest.sample import write_sample
from tests.helpers.cli import run
from tests.helpers.engines import BACKENDS

needs_spark = pytest.mark.skipif("spark" not in BACKENDS, reason="Spark is not among GIGSIGHT_TEST_BACKENDS")


@needs_spark
def test_commands_in_separate_processes_share_one_spark_store(tmp_path: Path) -> None:
    write_sample(tmp_path / "in", clients=40, seed=5)
    url = f"pyspark://local[1]?warehouse={tmp_path / 'warehouse'}&database=shop"
    loaded = run("ingest", str(tmp_path / "in"), "--db", url, "--no-refresh", "--format", "json")
    assert loaded.returncode == 0, loaded.stderr
    enriched = run("enrich", "--db", url, "--no-refresh", "--format", "json")
    assert enriched.returncode == 0, enriched.stderr
    answered = run("kpis", "--db", url, "--metrics", "gsv,active_clients,ai_jobs", "--format", "json")
    assert answered.returncode == 0, answered.stderr
    duck = f"duckdb://{tmp_path / 'same.duckdb'}"
    gigsight.ingest(tmp_path / "in", con=duck)
    gigsight.enrich(con=duck)
    expected = gigsight.compute("gsv,active_clients,ai_jobs", con=duck)
    got = json.loads(answered.stdout)
    assert [r["period"] for r in got] == list(expected.period)
    for row, want in zip(got, expected.to_dict(orient="records"), strict=True):
        assert str(row["gsv"]) == str(want["gsv"])  # to the cent
        assert (row["active_clients"], row["ai_jobs"]) == (want["active_clients"], want["ai_jobs"])
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

"""The whole pipeline from the command line on DuckDB and on Spark, on the same files, with the same numbers.

    python benchmarks/pipeline_engines.py --scale 0.1 --work /tmp/pipeline --spark "local[2]"

The seed-q3 marketplace is simulated once into a DuckDB file and exported as Parquet (both steps timed); then, on
a fresh DuckDB file and on a fresh ``pyspark://`` warehouse, each of ``ingest`` (full validation), ``enrich``,
``refresh``, ``kpis`` and ``report`` runs as its own command, in its own process; its peak memory is that of the
largest process of the command's tree (on Spark, the JVM). At the end the quarterly KPIs of the two engines are
compared field by field, money to the cent.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import peak_mib

GIGSIGHT = str(Path(sys.executable).with_name("gigsight"))
STEPS = ("ingest", "enrich", "refresh", "kpis", "report")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children...), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def timed(*args: str) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MiB of the largest process of the command's tree, stdout) of one command.

    Sampled from /proc twice a second: ``/usr/bin/time`` counts only the processes it waits for, and the JVM
    that pyspark starts is not one of them.
    """
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen([GIGSIGHT, *args], stdout=out, stderr=err, text=True)
        peak = 0.0
        while p.poll() is None:
            peak = max([peak, peak_mib(p.pid), *(peak_mib(c) for c in descendants(p.pid))])
            time.sleep(0.5)
        secs = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        if p.returncode:
            raise SystemExit(f"gigsight {' '.join(args)} failed:\n{err.read()[-3000:]}")
        return secs, peak, out.read()


def pipeline(db: str, data: Path, out: Path) -> tuple[dict[str, tuple[float, float]], list[dict[str, object]]]:
    """Run every step on ``db``: each step's (seconds, peak MiB) and the quarterly KPIs it answered."""
    args = {"ingest": ["ingest", str(data), "--no-refresh", "--format", "json"],
            "enrich": ["enrich", "--no-refresh", "--format", "json"],
            "refresh": ["refresh"],
            "kpis": ["kpis", "--period", "quarter", "--format", "json"],
            "report": ["report", "--period", "2025Q3", "--out", str(out)]}
    times: dict[str, tuple[float, float]] = {}
    kpis: list[dict[str, object]] = []
    for step in STEPS:
        secs, peak, stdout = timed(*args[step], "--db", db)
        times[step] = (secs, peak)
        print(f"  {step:8s} {secs:7.1f} s  {peak:7,.0f} MiB", flush=True)
        if step == "kpis":
            kpis = json.loads(stdout)
    return times, kpis


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/pipeline"))
    ap.add_argument("--spark", default="local[2]", help="the Spark master")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    source, data = args.work / "source.duckdb", args.work / "data"
    secs, peak, _ = timed("simulate", "--db", str(source), "--scale", str(args.scale), "--no-validate", "--no-check",
                          "--no-refresh")
    print(f"simulate seed-q3 at scale {args.scale}: {secs:.1f} s, {peak:,.0f} MiB", flush=True)
    secs, peak, _ = timed("export", "--db", str(source), "--out", str(data))
    print(f"export as Parquet: {secs:.1f} s, {peak:,.0f} MiB", flush=True)
    results = {}
    for name, db in (("duckdb", str(args.work / "store.duckdb")),
                     ("spark", f"pyspark://{args.spark}?warehouse={args.work / 'warehouse'}")):
        print(f"{name}: {db}", flush=True)
        results[name] = pipeline(db, data, args.work / f"report-{name}")
    (duck_t, duck_k), (spark_t, spark_k) = results["duckdb"], results["spark"]
    print("\n| step | DuckDB s (MiB) | Spark s (MiB) | Spark / DuckDB |\n|---|---|---|---|")
    for step in STEPS:
        (d, dm), (s, sm) = duck_t[step], spark_t[step]
        print(f"| {step} | {d:.1f} ({dm:,.0f}) | {s:.1f} ({sm:,.0f}) | {s / d:.1f}x |")
    diff = [(a.get("period"), k, a[k], b.get(k)) for a, b in zip(duck_k, spark_k, strict=False)
            for k in a if str(a[k]) != str(b.get(k))]
    same = len(duck_k) == len(spark_k) and not diff
    print(f"\nquarterly KPIs: {len(duck_k)} rows x {len(duck_k[0]) if duck_k else 0} fields, "
          f"{'identical on both engines' if same else f'{len(diff)} differences, first {diff[:5]}'}")


if __name__ == "__main__":
    main()

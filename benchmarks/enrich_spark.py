"""Enrichment on Spark's executors against DuckDB in this process, on the same jobs, at two sizes.

    python benchmarks/enrich_spark.py --scales 0.1,0.3 --cores 1,2 --work /tmp/enrich-spark

For each scale: the seed-q3 marketplace is simulated into a DuckDB file (kept in --work between runs), its jobs
and freelancer skills are loaded into a Spark store, then each enrich runs in a fresh process: DuckDB (the
baseline), Spark ``local[N]`` for each N in --cores (every job classified), and Spark again with nothing changed
(every job kept). Each process reports its wall time, the Python driver's peak RSS and, on Spark, the JVM's peak
RSS (in local mode the JVM is driver and executor at once, the Python workers are processes of their own).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from common import peak_mib

import gigsight

TABLES = ("jobs", "freelancer_skills")


def child(url: str, fresh: bool) -> None:
    """One enrich in this process; prints a JSON line."""
    store = gigsight.connect(url)
    if fresh:
        for t in ("job_labels", "job_skills"):
            if t in store.tables():
                store.con.drop_table(t)
    t0 = time.perf_counter()
    r = gigsight.enrich(store)
    took = time.perf_counter() - t0
    out = {"seconds": round(took, 1), "jobs": r.jobs, "classified": r.classified, "reused": r.reused,
           "python_peak_mb": int(peak_mib("self"))}
    if store.name == "spark":
        jvm = store.con._session.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
        out["jvm_peak_mb"] = int(peak_mib(jvm))
    store.close()
    print(json.dumps(out))


def load_spark(url: str, folder: Path) -> None:
    """The jobs and freelancer skills of the DuckDB store, exported to ``folder``, into a fresh Spark store."""
    store = gigsight.connect(url)
    store.ensure_tables()
    for t in TABLES:
        store.bulk_load(t, folder / t)
    store.close()


def run(*args: str) -> dict[str, float]:
    p = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if p.returncode:
        raise SystemExit(p.stderr[-3000:])
    return dict(json.loads(p.stdout.strip().splitlines()[-1])) if p.stdout.strip() else {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="0.1,0.3")
    ap.add_argument("--cores", default="1,2")
    ap.add_argument("--work", type=Path, default=Path("/tmp/enrich-spark"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child and args.load:
        return load_spark(args.child, args.load)
    if args.child:
        return child(args.child, args.fresh)
    args.work.mkdir(parents=True, exist_ok=True)
    for scale in (float(s) for s in args.scales.split(",")):
        db = args.work / f"seed-{scale}.duckdb"
        if not db.exists():
            with gigsight.connect(str(db)) as s:
                gigsight.simulate(s, "seed-q3", scale=scale, validate=False)
        export = args.work / f"export-{scale}"
        con = duckdb.connect(str(db), read_only=True)
        for t in TABLES:
            (export / t).mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY {t} TO '{export / t / 'part-0.parquet'}' (FORMAT parquet)")
        con.close()
        duck = run("--child", str(db), "--fresh")
        print(f"scale {scale}: {duck['jobs']:,} jobs; DuckDB {duck['seconds']} s "
              f"({duck['jobs'] / duck['seconds']:,.0f} jobs/s), Python peak {duck['python_peak_mb']} MB", flush=True)
        warehouse = args.work / f"spark-{scale}"
        subprocess.run(["rm", "-rf", str(warehouse)], check=True)
        run("--child", f"pyspark://local[1]?warehouse={warehouse}", "--load", str(export))
        for n in (int(c) for c in args.cores.split(",")):
            url = f"pyspark://local[{n}]?warehouse={warehouse}"
            r = run("--child", url, "--fresh")
            print(f"  Spark local[{n}]: {r['seconds']} s ({r['jobs'] / r['seconds']:,.0f} jobs/s, "
                  f"{duck['seconds'] / r['seconds']:.2f}x DuckDB), classified {r['classified']:,}; "
                  f"Python driver peak {r['python_peak_mb']} MB, JVM peak {r['jvm_peak_mb']} MB", flush=True)
        again = run("--child", url)
        print(f"  Spark local[{n}] again, nothing changed: {again['seconds']} s, classified {again['classified']:,}, "
              f"kept {again['reused']:,}; Python driver peak {again['python_peak_mb']} MB", flush=True)


if __name__ == "__main__":
    main()

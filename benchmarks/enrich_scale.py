"""Enrich a simulated marketplace end to end and compare with reading the same job text (the floor).

    python benchmarks/enrich_scale.py --scale 1 --db /tmp/enrich1.duckdb     # simulates seed-q3 first if empty

Steps, each timed: simulate (bulk load, no validation: measured in the simulator's own benchmark), read every
job's text from the store in batches (floor), enrich (classify every job), enrich again (every job unchanged),
and the agreement of the classifier with the simulator's planted AI flags. Run under /usr/bin/time -v for the
memory peak.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import gigsight
from gigsight.skills.enrich import BATCH


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", type=Path, required=True)
    args = ap.parse_args()
    store = gigsight.connect(str(args.db))
    try:
        if "jobs" not in store.tables() or store.con.table("jobs").count().execute() == 0:
            t0 = time.perf_counter()
            gigsight.simulate(store, "seed-q3", scale=args.scale, validate=False)
            print(f"simulate (bulk): {time.perf_counter() - t0:.1f} s")
        for t in ("job_labels", "job_skills"):
            if t in store.tables():
                store.con.drop_table(t)
        jobs = store.con.table("jobs").select("job_id", "title", "description", "skills", "category")
        t0 = time.perf_counter()
        n = sum(b.num_rows for b in jobs.to_pyarrow_batches(chunk_size=BATCH))
        floor = time.perf_counter() - t0
        t0 = time.perf_counter()
        first = gigsight.enrich(store)
        took = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = gigsight.enrich(store)
        rerun = time.perf_counter() - t0
        truth, lab = store.con.table("truth_jobs"), store.con.table("job_labels")
        j = truth.join(lab, "job_id")
        agree = j.aggregate(same=(j.is_ai == j.is_ai_right).sum(), n=j.count(), planted=j.is_ai.sum(),
                            found=j.is_ai_right.sum()).to_pandas().iloc[0]
        print(f"{n:,} jobs; read floor {floor:.1f} s; enrich {took:.1f} s ({n / took:,.0f} jobs/s, "
              f"{took / floor:.1f}x the floor); unchanged re-run {rerun:.1f} s (classified {again.classified})")
        print(f"agreement with planted AI flags {agree.same / agree.n:.4f}; AI share planted "
              f"{agree.planted / agree.n:.4f}, found {agree.found / agree.n:.4f}; {first}")
    finally:
        store.close()


if __name__ == "__main__":
    main()

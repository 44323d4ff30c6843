"""Simulator benchmark: generate a scenario at a scale, store it in DuckDB, measure its targets.

Each step runs in a fresh process under /usr/bin/time -v (wall time and peak RSS):
  simulate   `gigsight.simulate(..., validate=False)` into a DuckDB file: generated Arrow rows appended
             straight into the file (what `gigsight simulate --no-validate` does; the headline)
  generate   the scenario's records built and dropped (the simulator's own work, nothing written)
  parquet    the records written as Parquet files (the validated route's first step)
  store      those Parquet files bulk-loaded into another DuckDB file (the floor: DuckDB writing the same tables)
  targets    the scenario's targets measured by the KPI engine on the simulated file

    python benchmarks/simulate_scale.py --scenario seed-q3 --scale 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from common import timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="seed-q3")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gigsight-simbench-"))
    out, db = work / "files", work / "floor.duckdb"
    try:
        sim = timed(f"""
from gigsight.backends import connect
from gigsight.simulate import simulate
with connect("duckdb://{work / 'sim.duckdb'}") as s:
    simulate(s, {args.scenario!r}, scale={args.scale}, seed={args.seed}, validate=False)
""")
        gen_only = timed(f"""
from gigsight.simulate import load_scenario, records
for _ in records(load_scenario({args.scenario!r}), {args.scale}, {args.seed}):
    pass
""")
        gen = timed(f"""
from pathlib import Path
from gigsight.simulate import generate, load_scenario
generate(load_scenario({args.scenario!r}), {args.scale}, {args.seed}, Path({str(out)!r}))
""")
        store = timed(f"""
from pathlib import Path
from gigsight.backends import connect
from gigsight.simulate import load_generated
with connect("duckdb://{db}") as s:
    s.ensure_tables()
    load_generated(s, Path({str(out)!r}))
""")
        checks = timed(f"""
import json
from gigsight.backends import connect
from gigsight.simulate.targets import check_targets
with connect("duckdb://{work / 'sim.duckdb'}", read_only=True) as s:
    checks = [c.to_dict() for c in check_targets(s, {args.scenario!r}, {args.scale})]
open({str(work / "checks.json")!r}, "w").write(json.dumps(checks))
""")
        import duckdb

        con = duckdb.connect(str(work / "sim.duckdb"), read_only=True)
        total = con.sql("SELECT (SELECT count(*) FROM payments) + (SELECT count(*) FROM proposals) + "
                        "(SELECT count(*) FROM jobs) + (SELECT count(*) FROM contracts) + "
                        "(SELECT count(*) FROM clients) + (SELECT count(*) FROM freelancers) + "
                        "(SELECT count(*) FROM freelancer_skills)").fetchone()
        payments = con.sql("SELECT count(*) FROM payments").fetchone()
        con.close()
        assert total is not None and payments is not None
        result = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, "
            f"{os.cpu_count()} cores", "scenario": args.scenario, "scale": args.scale,
            "rows": total[0], "payments": payments[0],
            "simulate_s": round(sim[0], 1), "simulate_rss_mib": round(sim[1]),
            "rows_per_s": round(total[0] / sim[0]),
            "generate_only_s": round(gen_only[0], 1), "generate_only_rss_mib": round(gen_only[1]),
            "parquet_s": round(gen[0], 1), "parquet_rss_mib": round(gen[1]),
            "store_floor_s": round(store[0], 1), "store_floor_rss_mib": round(store[1]),
            "simulate_vs_floor": round(sim[0] / store[0], 2),
            "targets_s": round(checks[0], 1),
            "targets": json.loads((work / "checks.json").read_text()),
        }
        print(json.dumps(result, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

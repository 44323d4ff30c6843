"""Benchmark: ingest N payment rows from CSV and from Parquet into DuckDB with full validation, beside
DuckDB's own bare read of the same file into a table (the physical floor), in the same run.

    python benchmarks/ingest_payments.py --rows 10000000 [--data benchmarks/data]

Each measurement runs in its own process under /usr/bin/time -v, so peak RSS is per step. The
parents (clients, freelancers, jobs, contracts) are loaded first, so every payment's foreign keys,
client/freelancer agreement and date order are checked for real. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from common import timed

CLIENTS, FREELANCERS = 100_000, 50_000


def generate(d: Path, rows: int) -> None:
    """Deterministic synthetic inputs written by DuckDB (fast, no Python loop)."""
    d.mkdir(parents=True, exist_ok=True)
    if (d / f"payments_{rows}.csv").exists():
        return
    contracts = max(rows // 10, 1)
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'c' || i AS client_id, TIMESTAMP '2021-01-01' + INTERVAL (i % 300) DAY AS signup_at,
        'US' AS country FROM range({CLIENTS}) t(i)) TO '{d}/clients.parquet'""")
    con.execute(f"""COPY (SELECT 'f' || i AS freelancer_id, TIMESTAMP '2021-01-01' AS signup_at,
        40.00 AS hourly_rate FROM range({FREELANCERS}) t(i)) TO '{d}/freelancers.parquet'""")
    con.execute(f"""COPY (SELECT 'j' || i AS job_id, 'c' || (i % {CLIENTS}) AS client_id,
        TIMESTAMP '2022-01-01' + INTERVAL (i % 365) DAY AS posted_at, 'Job ' || i AS title,
        CASE WHEN i % 3 = 0 THEN 'hourly' ELSE 'fixed' END AS budget_type
        FROM range({contracts}) t(i)) TO '{d}/jobs.parquet'""")
    con.execute(f"""COPY (SELECT 'k' || i AS contract_id, 'j' || i AS job_id, 'c' || (i % {CLIENTS}) AS client_id,
        'f' || (i % {FREELANCERS}) AS freelancer_id, TIMESTAMP '2022-01-02' + INTERVAL (i % 365) DAY AS started_at,
        CASE WHEN i % 3 = 0 THEN 'hourly' ELSE 'fixed' END AS contract_type
        FROM range({contracts}) t(i)) TO '{d}/contracts.parquet'""")
    payments = f"""SELECT 'p' || i AS payment_id, 'k' || (i % {contracts}) AS contract_id,
        'c' || ((i % {contracts}) % {CLIENTS}) AS client_id, 'f' || ((i % {contracts}) % {FREELANCERS}) AS freelancer_id,
        strftime(TIMESTAMP '2022-01-02' + INTERVAL ((i % {contracts}) % 365) DAY + INTERVAL (i % 500) DAY
                 + INTERVAL (i % 86400) SECOND, '%Y-%m-%dT%H:%M:%SZ') AS paid_at,
        CASE WHEN i % 50 = 0 THEN -((hash(i) % 10000) / 100.0 + 1)::DECIMAL(18,2)
             ELSE ((hash(i) % 100000) / 100.0 + 1)::DECIMAL(18,2) END AS amount,
        ((hash(i) % 500) / 100.0)::DECIMAL(18,2) AS client_fee, ((hash(i) % 1000) / 100.0)::DECIMAL(18,2) AS freelancer_fee,
        'USD' AS currency,
        CASE WHEN i % 50 = 0 THEN 'refund' WHEN i % 3 = 0 THEN 'hourly' ELSE 'milestone' END AS kind
        FROM range({rows}) t(i)"""
    con.execute(f"COPY ({payments}) TO '{d}/payments_{rows}.parquet' (FORMAT parquet)")
    con.execute(f"COPY ({payments}) TO '{d}/payments_{rows}.csv' (FORMAT csv, HEADER)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--data", type=Path, default=Path(__file__).parent / "data")
    a = ap.parse_args()
    d = a.data.resolve()
    t0 = time.perf_counter()
    generate(d, a.rows)
    print(f"generated inputs in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    results = []
    for fmt in ("csv", "parquet"):
        src = d / f"payments_{a.rows}.{fmt}"
        db = d / f"bench_{fmt}.duckdb"
        for p in (db, Path(f"{db}.wal")):
            p.unlink(missing_ok=True)
        parents = (f"import gigsight, warnings; warnings.simplefilter('ignore'); "
                   f"s = gigsight.connect('duckdb://{db}'); "
                   + "".join(f"gigsight.ingest('{d}/{t}.parquet', con=s, table='{t}'); "
                             for t in ("clients", "freelancers", "jobs", "contracts")))
        timed(parents, (0, 3))
        reader = "read_csv" if fmt == "csv" else "read_parquet"
        bare = (f"import duckdb; c = duckdb.connect('{d}/bare_{fmt}.duckdb'); "
                f"c.execute('CREATE OR REPLACE TABLE p AS SELECT * FROM {reader}(\\'{src}\\')')")
        full = (f"import gigsight, warnings; warnings.simplefilter('ignore'); "
                f"r = gigsight.ingest('{src}', con='duckdb://{db}', table='payments'); "
                f"assert r.sources[0].loaded == {a.rows}, r.to_dict()")
        b_s, b_rss, _ = timed(bare, (0, 3))
        g_s, g_rss, _ = timed(full, (0, 3))
        results.append((fmt, b_s, b_rss, g_s, g_rss))
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n### Ingest {a.rows:,} payments into DuckDB ({when}; {platform.machine()}, "
          f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}, DuckDB {duckdb.__version__})\n")
    print("| source | bare DuckDB read (s) | bare peak RSS (MiB) | gigsight ingest (s) | gigsight peak RSS (MiB) "
          "| gigsight rows/s | ratio to bare |")
    print("|---|---|---|---|---|---|---|")
    for fmt, b_s, b_rss, g_s, g_rss in results:
        print(f"| {fmt} | {b_s:.1f} | {b_rss:,.0f} | {g_s:.1f} | {g_rss:,.0f} | {a.rows / g_s:,.0f} | {g_s / b_s:.2f}x |")


if __name__ == "__main__":
    main()

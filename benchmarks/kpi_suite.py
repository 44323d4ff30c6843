"""Benchmark: the full quarterly KPI suite on N payments, against the physical floor and plain pandas.

    python benchmarks/kpi_suite.py --payments 50000000 --clients 2000000 [--data DIR] [--skip-pandas]

In one run, each in its own process under /usr/bin/time -v (peak RSS per step):
  (a) gigsight: every registry metric for every quarter, overall and by AI segment (two compute() calls),
      reading the facts the store keeps (what a store written by gigsight has: ingest, simulate and enrich
      refresh them when they finish);
  (a0) building those facts (gigsight refresh), paid once per data change;
  (a1) the same suite with no kept facts (every compute() joins the payments itself);
  (b) the floor: one SUM(amount) GROUP BY quarter over the same payments, in DuckDB;
  (c) a straightforward pandas implementation of the same suite (what an analyst would write).
Data: a synthetic marketplace written straight into a DuckDB store with SQL (this measures metrics, not
ingestion): 4 years, jobs = contracts = payments / 10, 20% AI jobs, 2% refunds.
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from common import timed

SUITE = ["gsv", "payments", "revenue", "take_rate", "ai_gsv", "ai_gsv_share", "gsv_from_new_clients",
         "ttm_gsv", "active_clients", "gsv_per_active_client", "core_clients", "new_clients",
         "gsv_per_new_client", "client_spend_retention", "active_freelancers", "ai_freelancers", "jobs_posted",
         "ai_jobs", "fill_rate", "time_to_hire", "proposals_per_job", "contracts_started", "ai_contracts"]
AI_SUITE = ["gsv", "payments", "revenue", "take_rate", "jobs_posted", "fill_rate", "time_to_hire",
            "contracts_started"]


def generate(db: Path, payments: int, clients: int) -> None:
    if db.exists():
        return
    import gigsight

    gigsight.connect(f"duckdb://{db}").close()  # canonical tables
    jobs = max(payments // 10, 1)
    freelancers = max(clients // 10, 1)
    con = duckdb.connect(str(db))
    con.execute(f"""INSERT INTO clients (client_id, signup_at, country, company_size, is_enterprise)
        SELECT 'c' || i, TIMESTAMP '2021-06-01' + INTERVAL (i % 900) DAY,
        ['US','GB','DE','IN','CA','AU','FR','BR','PH','UA'][(i % 10) + 1], NULL, NULL FROM range({clients}) t(i)""")
    con.execute(f"""INSERT INTO freelancers SELECT 'f' || i, TIMESTAMP '2021-01-01', NULL, 40.00, NULL, NULL
        FROM range({freelancers}) t(i)""")
    con.execute(f"""INSERT INTO jobs SELECT 'j' || i, 'c' || (hash(i) % {clients}),
        TIMESTAMP '2022-01-01' + INTERVAL (CAST(i * 1400.0 / {jobs} AS INTEGER)) DAY, 'Job', NULL,
        ['Writing','Design & Creative','Data Science & Analytics','Web, Mobile & Software Dev'][(i % 4) + 1],
        NULL, 'fixed', NULL, 500.00, 'USD', NULL, hash(i * 7) % 100 < 20 FROM range({jobs}) t(i)""")
    con.execute(f"""INSERT INTO contracts SELECT 'k' || j.i, j.job_id, j.client_id, 'f' || (hash(j.i) % {freelancers}),
        j.posted_at + INTERVAL 3 DAY, NULL, 'fixed', 500.00
        FROM (SELECT i, 'j' || i AS job_id, 'c' || (hash(i) % {clients}) AS client_id,
              TIMESTAMP '2022-01-01' + INTERVAL (CAST(i * 1400.0 / {jobs} AS INTEGER)) DAY AS posted_at
              FROM range({jobs}) t(i)) j""")
    con.execute(f"""INSERT INTO payments SELECT 'p' || p, 'k' || (p % {jobs}), 'c' || (hash(p % {jobs}) % {clients}),
        'f' || (hash(p % {jobs}) % {freelancers}),
        TIMESTAMP '2022-01-04' + INTERVAL (CAST((p % {jobs}) * 1400.0 / {jobs} AS INTEGER)) DAY
          + INTERVAL (CAST(p / {jobs} AS INTEGER) * 9) DAY,
        CASE WHEN p % 50 = 0 THEN -((hash(p) % 10000) / 100.0 + 1) ELSE (hash(p) % 100000) / 100.0 + 5 END,
        (hash(p) % 500) / 100.0, (hash(p) % 1000) / 100.0, 'USD',
        CASE WHEN p % 50 = 0 THEN 'refund' ELSE 'milestone' END, NULL, NULL FROM range({payments}) t(p)""")
    con.execute("CHECKPOINT")
    con.close()


REFRESH = """
import time, warnings, gigsight
from gigsight.metrics import facts
warnings.simplefilter("ignore")
s = gigsight.connect("duckdb://{db}")
t = time.perf_counter()
facts.refresh(s)
print("WORK_SECONDS", time.perf_counter() - t)
"""

DROP = """
import gigsight
from gigsight.backends import kept
with gigsight.connect("duckdb://{db}") as store:
    kept.drop(store.con)
"""

GIGSIGHT = """
import time, warnings, gigsight
warnings.simplefilter("ignore")
s = gigsight.connect("duckdb://{db}", read_only=True)
t = time.perf_counter()
a = gigsight.compute({suite!r}, period="quarter", con=s)
b = gigsight.compute({ai!r}, period="quarter", by="ai", con=s)
print("WORK_SECONDS", time.perf_counter() - t)
"""

FLOOR = """
import time, duckdb
c = duckdb.connect("{db}", read_only=True)
t = time.perf_counter()
c.sql("SELECT year(paid_at) * 4 + quarter(paid_at) AS q, sum(amount) FROM payments GROUP BY 1").fetchall()
print("WORK_SECONDS", time.perf_counter() - t)
"""

PANDAS = r'''
import time, duckdb, pandas as pd, numpy as np
c = duckdb.connect("{db}", read_only=True)
t0 = time.perf_counter()
p = c.sql("SELECT * FROM payments").df()
k = c.sql("SELECT contract_id, job_id, started_at FROM contracts").df()
j = c.sql("SELECT job_id, client_id, posted_at, is_ai FROM jobs").df()
pr = c.sql("SELECT job_id FROM proposals").df()
for col in ("amount", "client_fee", "freelancer_fee"):
    p[col] = p[col].astype(float)
p = p.merge(k[["contract_id", "job_id"]], on="contract_id").merge(j[["job_id", "is_ai"]], on="job_id")
p["gsv"] = p.amount + p.client_fee
p["q"] = p.paid_at.dt.to_period("Q")
out = {{}}
g = p.groupby("q")
out["gsv"], out["payments"] = g.gsv.sum(), g.size()
out["revenue"] = g.client_fee.sum() + g.freelancer_fee.sum()
out["take_rate"] = out["revenue"] / out["gsv"]
out["ai_gsv"] = p[p.is_ai].groupby("q").gsv.sum()
first = p[p.amount > 0].groupby("client_id").paid_at.min()
p["first_q"] = p.client_id.map(first).dt.to_period("Q")
out["gsv_from_new_clients"] = p[p.first_q == p.q].groupby("q").gsv.sum()
out["new_clients"] = first.dt.to_period("Q").value_counts()
w = p.merge(first.rename("first_at"), left_on="client_id", right_index=True)
out["gsv_per_new_client"] = (w[w.paid_at < w.first_at + pd.Timedelta(days=90)].groupby("client_id").gsv.sum()
                             .groupby(first.dt.to_period("Q")).mean())
rows = []
for q in sorted(p.q.unique()):
    end = q.end_time
    win = p[(p.paid_at > end - pd.DateOffset(months=12)) & (p.paid_at <= end)]
    act = win[win.amount > 0].client_id.unique()
    spend = win.groupby("client_id").amount.sum()
    life = p[p.paid_at <= end].groupby("client_id").amount.sum()
    prev = p[(p.paid_at > end - pd.DateOffset(months=24)) & (p.paid_at <= end - pd.DateOffset(months=12))]
    before = prev[prev.amount > 0].client_id.unique()
    fw = win.groupby("freelancer_id").agg(earned=("amount", "sum"), pos=("amount", lambda s: (s > 0).any()))
    aiw = win[win.is_ai].groupby("freelancer_id").amount.sum()
    rows.append(dict(q=q, ttm_gsv=win.gsv.sum(), active_clients=len(act),
                     core_clients=int((life.reindex(act) >= 5000).sum()),
                     retention=spend.reindex(before).fillna(0).sum() / prev[prev.client_id.isin(before)].amount.sum(),
                     active_freelancers=int(fw.pos.sum()),
                     ai_freelancers=int((fw.pos & (aiw.reindex(fw.index).fillna(0) > fw.earned * 0.5)).sum())))
pit = pd.DataFrame(rows).set_index("q")
pit["gsv_per_active_client"] = pit.ttm_gsv / pit.active_clients
j["q"] = j.posted_at.dt.to_period("Q")
hired = k.groupby("job_id").started_at.min()
j["days"] = (j.job_id.map(hired) - j.posted_at).dt.total_seconds() / 86400
jg = j.groupby("q")
out["jobs_posted"], out["ai_jobs"] = jg.size(), jg.is_ai.sum()
out["fill_rate"] = jg.days.apply(lambda d: (d <= 30).mean())
out["time_to_hire"] = jg.days.median()
out["proposals_per_job"] = pr.job_id.map(j.set_index("job_id").q).value_counts() / jg.size()
k["q"] = k.started_at.dt.to_period("Q")
kk = k.merge(j[["job_id", "is_ai"]], on="job_id")
out["contracts_started"], out["ai_contracts"] = kk.groupby("q").size(), kk.groupby("q").is_ai.sum()
by_ai = p.groupby(["q", "is_ai"]).agg(gsv=("gsv", "sum"), n=("gsv", "size"))
print("WORK_SECONDS", time.perf_counter() - t0)
'''


ENGINE = """
import time, warnings, gigsight
warnings.simplefilter("ignore")
s = gigsight.connect({url!r})
if {load}:
    gigsight.ingest({export!r}, con=s)
from gigsight.backends import kept
kept.drop(s.con)  # the DuckDB store may keep facts from step (a0): start without, like the others
def suite():
    t = time.perf_counter()
    gigsight.compute({suite!r}, period="quarter", con=s)
    gigsight.compute({ai!r}, period="quarter", by="ai", con=s)
    return time.perf_counter() - t
print("COMPUTE_SECONDS", suite())
t = time.perf_counter()
gigsight.refresh(s, force=True)
print("REFRESH_SECONDS", time.perf_counter() - t)
print("KEPT_SECONDS", suite())
"""


def engine_check(db: Path, data: Path, pg_url: str | None) -> list[tuple[str, float, float, float, float]]:
    """The same suite on Postgres and Spark (local): the store is exported and ingested there first."""
    import gigsight

    export = data / f"{db.stem}_export"
    if not export.exists():
        gigsight.export(export, "parquet", con=f"duckdb://{db}")
    out = []
    engines = [("duckdb", f"duckdb://{db}", False), ("spark", "pyspark://local[2]", True)]
    if pg_url:
        engines.insert(1, ("postgres", pg_url, True))
    for name, url, load in engines:
        code = ENGINE.format(url=url, load=load, export=str(export), suite=SUITE, ai=AI_SUITE)
        proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed:\n{proc.stderr[-3000:]}")
        secs = [float(re.search(rf"{k}_SECONDS ([\d.]+)", proc.stdout).group(1))  # type: ignore[union-attr]
                for k in ("COMPUTE", "REFRESH", "KEPT")]
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))  # type: ignore[union-attr]
        out.append((name, *secs, rss / 1024))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--payments", type=int, default=50_000_000)
    ap.add_argument("--clients", type=int, default=2_000_000)
    ap.add_argument("--data", type=Path, default=Path(__file__).parent / "data")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--engines", action="store_true", help="also run the suite on Postgres and Spark local")
    ap.add_argument("--pg", help="Postgres URL for --engines (an empty database)")
    a = ap.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    db = (a.data / f"kpi_{a.payments}_{a.clients}.duckdb").resolve()
    t0 = time.perf_counter()
    generate(db, a.payments, a.clients)
    print(f"data ready in {time.perf_counter() - t0:.0f}s: {db}", file=sys.stderr)
    suite = GIGSIGHT.format(db=db, suite=SUITE, ai=AI_SUITE)
    steps = [("(b) floor: SUM(amount) GROUP BY quarter", FLOOR.format(db=db)),
             ("(a1) gigsight, no kept facts", DROP.format(db=db) + suite),
             ("(a0) gigsight refresh: keep the facts", REFRESH.format(db=db)),
             ("(a) gigsight: full suite, overall and by AI", suite)]
    if not a.skip_pandas:
        steps.append(("(c) plain pandas: the same suite", PANDAS.format(db=db)))
    results = [(name, *timed(code)) for name, code in steps]  # (name, seconds, rss, in-process seconds)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n### KPI suite on {a.payments:,} payments, {a.clients:,} clients ({when}; {platform.machine()}, "
          f"{__import__('os').cpu_count()} cores, DuckDB {duckdb.__version__})\n")
    print("| step | process seconds | work seconds (in-process) | peak RSS (MiB) | work ratio to (a) |")
    print("|---|---|---|---|---|")
    base = results[3][3]
    for name, secs, rss, work in results:
        print(f"| {name} | {secs:.1f} | {work:.2f} | {rss:,.0f} | {work / base:.2f}x |")
    if a.engines:
        print("\n| engine | suite, no kept facts (s) | refresh (s) | suite, kept facts (s) | process peak RSS (MiB) |"
              "\n|---|---|---|---|---|")
        for name, secs, refresh, kept, rss in engine_check(db, a.data.resolve(), a.pg):
            print(f"| {name} | {secs:.1f} | {refresh:.1f} | {kept:.1f} | {rss:,.0f} |")


if __name__ == "__main__":
    main()

"""Daily loads: the seed marketplace with its last days held back, then 1, 7 and 30 of them loaded and the facts
refreshed incrementally, beside a full rebuild of the same store in the same run.

    python benchmarks/daily_load.py --scale 1 --work /tmp/daily [--loads 1,7,30]
    python benchmarks/daily_load.py --scale 0.1 --work /tmp/daily-pg --postgres postgresql://postgres@127.0.0.1:5432
    python benchmarks/daily_load.py --scale 0.02 --work /tmp/daily-spark --spark

Once: ``gigsight simulate --hold-back-days 30`` (the store ends 30 days early; each day goes to a folder) and a
full ``gigsight refresh``. Then per load: a copy of that store, ``gigsight ingest`` of the first N held-back days
(one folder, the days' files concatenated), ``gigsight refresh`` (incremental) and ``gigsight refresh --full`` on
the same data. Every step is a fresh process under ``/usr/bin/time -v`` (wall seconds, peak RSS).
``--postgres URL`` (a server the user may create databases on): the base store is the database
``gigsight_daily_base`` and each load's copy is made with ``CREATE DATABASE ... TEMPLATE`` (the server's own copy;
its time is not counted, as the file copy is not). ``--spark``: the stores are databases of a Spark warehouse
(``local[2]``) in the work folder.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

CLI = [sys.executable, "-m", "gigsight.cli"]
HELD = ("jobs", "proposals", "contracts", "payments")


def run(args: list[str]) -> tuple[float, float, str]:
    t = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-v", *CLI, *args], capture_output=True, text=True)
    secs = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    peak = next(int(x.split()[-1]) / 1024 for x in out.stderr.splitlines() if "Maximum resident" in x)
    return secs, peak, out.stdout


class DuckDBFiles:
    """Stores as DuckDB files in the work folder."""

    def __init__(self, work: Path) -> None:
        self.work = work

    def base(self) -> str:
        return str(self.work / "base.duckdb")

    def exists(self) -> bool:
        return Path(self.base()).exists()

    def copy(self, name: str) -> str:
        shutil.copy(self.base(), self.work / f"{name}.duckdb")
        return str(self.work / f"{name}.duckdb")

    def drop(self, name: str) -> None:
        (self.work / f"{name}.duckdb").unlink()


class PostgresDatabases:
    """Stores as databases of one Postgres server; copies made by the server from the base as a template."""

    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")

    def _admin(self, sql: str) -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.server + "/postgres", autocommit=True) as con:
            cur = con.execute(sql)
            return cur.fetchall() if cur.description else []

    def base(self) -> str:
        return self.server + "/gigsight_daily_base"

    def exists(self) -> bool:
        if not self._admin("SELECT 1 FROM pg_database WHERE datname = 'gigsight_daily_base'"):
            self._admin("CREATE DATABASE gigsight_daily_base")
            return False
        return True

    def copy(self, name: str) -> str:
        self._admin(f"DROP DATABASE IF EXISTS gigsight_daily_{name}")
        self._admin(f"CREATE DATABASE gigsight_daily_{name} TEMPLATE gigsight_daily_base")
        return self.server + f"/gigsight_daily_{name}"

    def drop(self, name: str) -> None:
        self._admin(f"DROP DATABASE gigsight_daily_{name}")


class SparkDatabases:
    """Stores as databases of one Spark warehouse (local[2]); each load's copy is every table of the base written
    again into a database of its own by a separate process (its time is not counted), as the warehouse's
    metastore admits one process at a time."""

    def __init__(self, work: Path) -> None:
        self.warehouse = work / "spark-warehouse"

    def url(self, database: str) -> str:
        return f"pyspark://local[2]?warehouse={self.warehouse}&database={database}"

    def base(self) -> str:
        return self.url("daily_base")

    def exists(self) -> bool:
        return (self.warehouse / "daily_base.db" / "payments").exists()

    def _spark(self, code: str) -> None:
        script = ("import gigsight\n"
                  f"s = gigsight.connect({self.base()!r}).con._session\n{code}")
        subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)

    def copy(self, name: str) -> str:
        self._spark(f"s.sql('DROP DATABASE IF EXISTS daily_{name} CASCADE'); s.sql('CREATE DATABASE daily_{name}')\n"
                    "for t in [r.tableName for r in s.sql('SHOW TABLES IN daily_base').collect()]:\n"
                    f"    s.table('daily_base.' + t).write.saveAsTable('daily_{name}.' + t)")
        return self.url(f"daily_{name}")

    def drop(self, name: str) -> None:
        self._spark(f"s.sql('DROP DATABASE daily_{name} CASCADE')")


def merge(days: list[Path], into: Path) -> dict[str, int]:
    """The days' files as one folder, one file per table; rows per table."""
    into.mkdir(parents=True, exist_ok=True)
    rows = {}
    con = duckdb.connect()
    for t in HELD:
        files = [str(d / f"{t}.parquet") for d in days if (d / f"{t}.parquet").exists()]
        if files:
            con.execute(f"COPY (SELECT * FROM read_parquet({files})) TO '{into / t}.parquet' (FORMAT parquet)")
            rows[t] = int(con.execute(f"SELECT count(*) FROM read_parquet('{into / t}.parquet')").fetchone()[0])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--loads", default="1,7,30")
    ap.add_argument("--postgres", help="a Postgres server URL (postgresql://user@host:port): stores live there")
    ap.add_argument("--spark", action="store_true", help="stores are databases of a local Spark warehouse in --work")
    a = ap.parse_args()
    loads = [int(x) for x in a.loads.split(",")]
    a.work.mkdir(parents=True, exist_ok=True)
    stores = (PostgresDatabases(a.postgres) if a.postgres else SparkDatabases(a.work) if a.spark
              else DuckDBFiles(a.work))
    base, days = stores.base(), a.work / "days"
    if not stores.exists():
        secs, peak, _ = run(["simulate", "--db", base, "--scale", str(a.scale), "--no-validate", "--no-check",
                             "--no-refresh", "--hold-back-days", str(max(loads)), "--days-out", str(days)])
        print(f"simulate with {max(loads)} days held back: {secs:.1f} s, {peak:,.0f} MiB", flush=True)
    secs, peak, said = run(["refresh", "--db", base])  # facts of this code's version, once
    print(f"refresh of the base store: {secs:.1f} s, {peak:,.0f} MiB ({said.strip()})", flush=True)
    folders = sorted(p for p in days.iterdir() if p.is_dir())
    print("| days loaded | rows loaded | ingest s | ingest MiB | refresh s (incremental) | refresh MiB | "
          "load + refresh s | full refresh s | full MiB | full / incremental refresh |\n|---|---|---|---|---|---|---|---|---|---|")
    for n in loads:
        store = stores.copy(f"load{n}")
        rows = merge(folders[:n], a.work / f"load{n}")
        ingest_s, ingest_mib, _ = run(["ingest", str(a.work / f"load{n}"), "--db", store, "--no-refresh"])
        inc_s, inc_mib, said = run(["refresh", "--db", store])
        if "(incremental)" not in said:
            raise SystemExit(f"the refresh was not incremental: {said}")
        full_s, full_mib, _ = run(["refresh", "--db", store, "--full"])
        print(f"| {n} | {sum(rows.values()):,} | {ingest_s:.1f} | {ingest_mib:,.0f} | {inc_s:.1f} | {inc_mib:,.0f} | "
              f"{ingest_s + inc_s:.1f} | {full_s:.1f} | {full_mib:,.0f} | {full_s / inc_s:.1f}x |", flush=True)
        stores.drop(f"load{n}")
        shutil.rmtree(a.work / f"load{n}")


if __name__ == "__main__":
    main()

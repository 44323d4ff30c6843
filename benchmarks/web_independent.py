"""An unrelated question while many cold ones are being computed (issue 18, item 9).

    python benchmarks/web_independent.py --db /tmp/seed05.duckdb [--flood 40] [--scale 0.05]

The web service's questions, in this process, on threads as the web app runs them: ``--flood`` distinct cold
skill-trend questions (each its own minimum job count, so none shares an answer) start at once; 0.2 s later one
unrelated question (KPIs by country for the last complete quarter) is asked, and its wait is measured, then the
time until the whole flood is answered. Three times, in the same run: the baseline (one connection, first come
first served: what one lock over every computation gave), one connection with fair turns between kinds of
question, and the service's default number of connections with fair turns.
A missing ``--db`` is simulated (``seed-q3`` at ``--scale``), enriched and its facts kept, as the demo leaves it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
from datetime import date
from pathlib import Path

import gigsight
from gigsight.web.service import LANES, Service


def trial(db: Path, lanes: int, flood: int, fair: bool = True) -> dict[str, float]:
    svc = Service(db, lanes=lanes)
    if not fair:  # every question one kind: turns go oldest asker first, as waiters on one lock
        lend = svc._lanes.lend
        svc._lanes.lend = lambda version, kind: lend(version, "any")  # type: ignore[method-assign]
    at = str(svc.kpis(["gsv"], period="quarter")[-2]["period"])  # the last complete quarter
    t0 = time.perf_counter()
    workers = [threading.Thread(target=svc.answer, args=(svc.skill_trends,),
                                kwargs={"period": "quarter", "at": at, "ai_only": False, "top": 15, "min_jobs": 2 + i})
               for i in range(flood)]
    for w in workers:
        w.start()
    time.sleep(0.2)
    t1 = time.perf_counter()
    svc.answer(svc.kpis, ["gsv", "paying_clients"], period="quarter", by=["country"], compare=["yoy"], start=at,
               end=at)
    unrelated = time.perf_counter() - t1
    for w in workers:
        w.join()
    total = time.perf_counter() - t0
    svc.close()
    return {"unrelated_s": unrelated, "flood_s": total}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--flood", type=int, default=40)
    ap.add_argument("--scale", type=float, default=0.05)
    a = ap.parse_args()
    db = Path(a.db)
    if not db.exists():
        gigsight.simulate(str(db), "seed-q3", scale=a.scale, validate=False)
        gigsight.enrich(str(db))
        gigsight.refresh(str(db))
    print(f"{date.today()} {platform.machine()} {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"store {db} ({db.stat().st_size / 2**20:,.0f} MiB)")
    rows = {"1, first come first served (before)": trial(db, 1, a.flood, fair=False),
            "1, fair turns": trial(db, 1, a.flood), f"{LANES}, fair turns (now)": trial(db, LANES, a.flood)}
    print("| connections | unrelated question waited (s) | whole flood answered (s) |\n|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['unrelated_s']:.2f} | {r['flood_s']:.2f} |")
    base, new = rows["1, first come first served (before)"], rows[f"{LANES}, fair turns (now)"]
    print(f"ratio before / now: unrelated wait {base['unrelated_s'] / new['unrelated_s']:.1f}x, "
          f"flood {base['flood_s'] / new['flood_s']:.2f}x")


if __name__ == "__main__":
    main()

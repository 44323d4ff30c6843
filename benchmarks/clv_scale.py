"""Client value at full size: the summary, BG/NBD alone and ``auto`` on one store, each in a fresh process.

    python benchmarks/clv_scale.py --db /tmp/s1.duckdb --at 2025-09-30 [--lifetimes PYTHON]

Prints wall seconds and peak RSS (``/usr/bin/time -v``) of each step, the clients scored, and with
``--lifetimes`` the seconds ``lifetimes``' BG/NBD takes to fit the same summary (a Python that has
``lifetimes`` installed, e.g. a separate venv: it is unmaintained and pulls in autograd, so it stays out of ours).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from common import timed

PRELUDE = """
import time
import gigsight
store = gigsight.connect({db!r}, read_only=True)
t = time.perf_counter()
"""
STEPS = {
    "summary (one as-of day)": "from gigsight.insights.client_summary import client_summaries as f\n"
                               "n = len(f(store.con, [{at!r}])[0])",
    "summaries (three as-of days, one pass)": "from gigsight.insights.client_summary import client_summaries as f\n"
                                              "import datetime as dt\nd = dt.date.fromisoformat({at!r})\n"
                                              "n = sum(map(len, f(store.con, [d, d - dt.timedelta(365), "
                                              "d - dt.timedelta(730)])))",
    "client_value(model='bgnbd')": "n = len(gigsight.client_value({at!r}, model='bgnbd', con=store).clients)",
    "client_value() = auto": "f = gigsight.client_value({at!r}, con=store)\nn = len(f.clients)\n"
                             "print('MODEL', f.model, f.notes)",
}
LIFETIMES = """
import sys, time, pandas as pd
from lifetimes import BetaGeoFitter
s = pd.read_csv(sys.argv[1])
t = time.perf_counter()
BetaGeoFitter().fit(s['x'], s['t_x'], s['T'])
print('WORK_SECONDS', time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a store URL or .duckdb path")
    ap.add_argument("--at", required=True)
    ap.add_argument("--lifetimes", help="a Python with lifetimes installed")
    ap.add_argument("--only-lifetimes", action="store_true", help="skip gigsight's steps")
    ap.add_argument("--steps", default="", help="run only the steps whose name contains this text")
    a = ap.parse_args()
    print("| step | wall (s) | work (s) | peak RSS (MiB) |\n|---|---|---|---|")
    for name, body in {} if a.only_lifetimes else STEPS.items():
        if a.steps not in name:
            continue
        code = PRELUDE.format(db=a.db) + body.format(at=a.at) + "\nprint('WORK_SECONDS', time.perf_counter() - t, n)"
        wall, peak, work = timed(code)
        print(f"| {name} | {wall:.1f} | {work:.1f} | {peak:,.0f} |", flush=True)
    if a.lifetimes:
        with tempfile.TemporaryDirectory() as d:
            summary = Path(d) / "summary.csv"  # CSV: the lifetimes venv need not have pyarrow
            timed(PRELUDE.format(db=a.db) + "from gigsight.insights.client_summary import client_summary\n"
                  f"client_summary(store.con, {a.at!r})[['x', 't_x', 'T']].to_csv({str(summary)!r}, index=False)")
            out = subprocess.run([a.lifetimes, "-c", LIFETIMES, str(summary)], capture_output=True, text=True,
                                 check=True)
            secs = float(out.stdout.split()[-1])
            print(f"| lifetimes 0.11.3 BetaGeoFitter.fit on the same summary | | {secs:.1f} | |")


if __name__ == "__main__":
    main()

"""Shared by the benchmark scripts: run a snippet in a fresh process under /usr/bin/time -v; a live process's peak."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path


def timed(code: str, ok: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MiB, seconds the snippet reports as ``WORK_SECONDS x``, else the wall time)
    of ``python -c code`` in a fresh process."""
    t = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code], capture_output=True, text=True)
    secs = time.perf_counter() - t
    if out.returncode not in ok:
        raise SystemExit(f"step failed:\n{code[:800]}\n{out.stderr[-3000:]}")
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    work = re.search(r"WORK_SECONDS ([\d.]+)", out.stdout)
    return secs, (int(found.group(1)) / 1024 if found else float("nan")), float(work.group(1)) if work else secs


def peak_mib(pid: int | str) -> float:
    """A live process's peak resident memory (VmHWM) in MiB, 0 when it has gone (``pid`` may be "self").

    Not ``getrusage``: on Linux a child's ``ru_maxrss`` starts at its parent's peak at fork, and ``/usr/bin/time``
    counts only the processes it waits for (not the JVM pyspark starts).
    """
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    return next((int(x.split()[1]) / 1024 for x in lines if x.startswith("VmHWM")), 0.0)

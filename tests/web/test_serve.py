"""``gigsight serve`` as a user runs it: a real process, loopback only by default, the store left unwritten."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers.server import free_port

GIGSIGHT = [sys.executable, "-m", "gigsight.cli"]


def _listening(port: int) -> list[str]:
    """IPv4 addresses listening on ``port``, from /proc/net/tcp (state 0A = LISTEN), no tool needed."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, p = local.split(":")
        if state == "0A" and int(p, 16) == port:
            found.append(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_serve_answers_on_loopback_and_leaves_the_file_alone(web_db: Path) -> None:
    port, before = free_port(), web_db.stat().st_mtime_ns
    proc = subprocess.Popen([*GIGSIGHT, "serve", "--db", str(web_db), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the server did not start in 120 s"
                time.sleep(0.3)
        assert health.json()["status"] == "ok"
        rows = httpx.get(f"http://127.0.0.1:{port}/api/kpis", params={"metrics": "gsv", "start": "2025Q3",
                                                                       "end": "2025Q3"}).json()
        assert rows[0]["period"] == "2025Q3" and rows[0]["gsv"] > 0
        assert _listening(port) == ["127.0.0.1"]
    finally:
        proc.terminate()
        proc.wait(30)
    assert web_db.stat().st_mtime_ns == before  # opened read-only: not even a checkpoint


def test_serve_without_a_database_is_one_clear_line(tmp_path: Path) -> None:
    r = subprocess.run([*GIGSIGHT, "serve", "--db", str(tmp_path / "none.duckdb")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1 and "no database at" in r.stderr and "Traceback" not in r.stderr

"""Running the ``gigsight`` command as a user would: a separate process, its output and exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GIGSIGHT = [sys.executable, "-m", "gigsight.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GIGSIGHT, *args], capture_output=True, text=True, timeout=300, cwd=cwd)

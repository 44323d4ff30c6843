"""All-or-nothing writes to a DuckDB file: work on a copy, then one rename.

A rename within a folder is atomic on POSIX file systems: after a crash the path names either the old file or
the new one, whole. While the copy is being written the original stays locked the way DuckDB locks it (a POSIX
write lock over the whole file), so another gigsight process, or any DuckDB client, gets DuckDB's own "could not
set lock" error instead of writing to a file about to be replaced.

>>> import tempfile, duckdb
>>> d = Path(tempfile.mkdtemp()); db = d / "s.duckdb"
>>> duckdb.connect(str(db)).execute("CREATE TABLE t AS SELECT 1 AS x").close()
>>> with Swap(db) as swap:
...     with duckdb.connect(str(swap.copy)) as con:
...         _ = con.execute("INSERT INTO t VALUES (2)")
...     swap.commit()
>>> duckdb.connect(str(db)).execute("SELECT sum(x) FROM t").fetchone()
(3,)
>>> sorted(p.name for p in d.iterdir())
['s.duckdb']
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
from pathlib import Path
from types import TracebackType

from gigsight.errors import BackendError

SUFFIX = ".gigsight-next"
CRASH_POINTS = ("copied", "before-rename", "after-rename")


def crash_point(name: str) -> None:
    """Kill this process at a named step when ``GIGSIGHT_CRASH_AT`` names it: the crash test's way to stop a
    write exactly at each boundary, beside the random moments it also tries."""
    if os.environ.get("GIGSIGHT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def copy_path(original: Path) -> Path:
    return original.with_name(original.name + SUFFIX)


def discard_unfinished(original: Path) -> None:
    """Remove the copy (and its log) a killed write left beside ``original``; call while holding its lock."""
    nxt = copy_path(original)
    for p in (nxt, Path(str(nxt) + ".wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(Path(str(nxt) + ".tmp"), ignore_errors=True)  # DuckDB's spill folder for the copy


class Swap:
    """Lock ``original``, copy it to :func:`copy_path`; ``commit()`` renames the copy over the original.

    Leaving the block without ``commit()`` deletes the copy and leaves the original as it was.
    """

    def __init__(self, original: Path) -> None:
        self.original = original
        self.copy = copy_path(original)
        self._fd = -1
        self._done = False

    def __enter__(self) -> Swap:
        if Path(str(self.original) + ".wal").exists():
            raise BackendError(f"{self.original} has an unfinished write-ahead log: open it once with DuckDB (or "
                               "any gigsight command) to replay it, then retry")
        self._fd = os.open(self.original, os.O_RDWR)
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._fd)
            raise BackendError(f"{self.original} is in use by another process (a server or another load): "
                               "stop it and retry") from None
        try:
            discard_unfinished(self.original)
            self._copy()
            crash_point("copied")
        except BaseException:
            self._close()
            raise
        return self

    def _copy(self) -> None:
        # The same descriptor copies the file: closing any other descriptor of it would drop this process's lock
        # (POSIX locks belong to the process and file, not the descriptor).
        size = os.fstat(self._fd).st_size
        out = os.open(self.copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            done = 0
            while done < size:
                try:
                    n = os.copy_file_range(self._fd, out, size - done, done, done)
                except OSError:  # a file system without it (or across devices): plain reads at offsets
                    block = os.pread(self._fd, min(size - done, 64 << 20), done)
                    n = os.pwrite(out, block, done)
                if n == 0:
                    raise BackendError(f"copying {self.original} stopped at byte {done:,} of {size:,}")
                done += n
            os.fsync(out)
        finally:
            os.close(out)

    def commit(self) -> None:
        """Make the copy the store: flushed to disk, then renamed over the original in one step."""
        if Path(str(self.copy) + ".wal").exists():
            raise BackendError(f"{self.copy} still has a write-ahead log after its checkpoint: not replacing "
                               f"{self.original}")
        fd = os.open(self.copy, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        crash_point("before-rename")
        os.replace(self.copy, self.original)
        folder = os.open(self.original.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        self._done = True
        crash_point("after-rename")

    def _close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if not self._done:
                discard_unfinished(self.original)
        finally:
            self._close()

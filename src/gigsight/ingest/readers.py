"""Readers turn one source into a stream of raw batches: Arrow tables plus a 1-based ``_row`` column.

Every reader streams (memory is bounded by the batch size, never by the file) and reports structural
problems (a CSV row with the wrong number of fields, invalid UTF-8, a broken JSON line) as located
issues instead of failing, so the valid rows around them still load.

This module holds the common parts and the CSV reader; :mod:`~gigsight.ingest.formats` the others and
:func:`~gigsight.ingest.formats.open_source`. CSV takes a fast path (pyarrow's multi-threaded parser). Clean
files never leave it; a file with a structural fault is re-read by the exact path (Python's csv module), which
knows every record's number.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "clients.csv"
>>> _ = p.write_text("client_id;signup_at\\nc1;2024-01-02\\n")
>>> src = CsvSource(p)
>>> [b.table.to_pylist() for b in src.batches(1000)]
[[{'client_id': 'c1', 'signup_at': '2024-01-02', '_row': 1}]]
"""

from __future__ import annotations

import csv
import io
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from gigsight.errors import Issue, SourceError

ROW = "_row"
_DELIMITERS = ",;\t|"


@dataclass
class RawBatch:
    table: pa.Table  # source columns (strings for text formats) plus _row
    issues: list[Issue] = field(default_factory=list)  # structural problems found while reading
    restart: bool = False  # drop every earlier batch of this source: it is being re-read exactly
    bytes_end: int = 0  # how far into the file this batch reaches, for progress


class Source:
    """One readable input. ``columns`` is known before the first batch; ``size`` drives the progress bar."""

    label: str
    columns: list[str]
    size: int = 0  # bytes (or rows) to read, for progress

    def batches(self, batch_rows: int, advance: Callable[[int], None] | None = None) -> Iterator[RawBatch]:
        raise NotImplementedError

    def duckdb_relation(self) -> str | None:
        """SQL for the whole source with a ``_row`` column, when DuckDB can read it directly (faster,
        streams inside the engine); None when rows must come through :meth:`batches`."""
        return None


def _with_rows(table: pa.Table, first: int) -> pa.Table:
    return table.append_column(ROW, pa.array(np.arange(first, first + table.num_rows, dtype=np.int64)))


RESERVED = ("_row", "_issues", "_record", "_source")


def check_columns(source: Path | str, columns: list[str]) -> list[str]:
    """A source's column names, refused when two differ only in case or spacing (SQL engines cannot tell them
    apart, and neither can a mapping) or one is a name staging uses.

    >>> check_columns("p.parquet", ["amount", "Amount"])
    Traceback (most recent call last):
    ...
    gigsight.errors.SourceError: p.parquet: columns amount and Amount differ only in case or spacing: rename one
    """
    seen: dict[str, str] = {}
    for c in columns:
        key = " ".join(c.lower().split())
        if key in seen:
            what = "header repeats column" if seen[key] == c else "columns"
            names = c if seen[key] == c else f"{seen[key]} and {c}"
            tail = "" if seen[key] == c else " differ only in case or spacing: rename one"
            raise SourceError(f"{source}: {what} {names}{tail}")
        seen[key] = c
        if c.lower() in RESERVED or c.lower().startswith("__raw"):
            raise SourceError(f"{source}: column {c} has a name gigsight uses while loading: rename it")
    return columns


def _check_file(path: Path) -> None:
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_dir():
        raise SourceError(f"{path}: is a directory; pass a file, or the directory without --table")
    if not os.access(path, os.R_OK):
        raise SourceError(f"{path}: permission denied (check the file's owner and mode)")
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: the file is empty (not even a header row)")


class CsvSource(Source):
    def __init__(self, path: Path, delimiter: str | None = None) -> None:
        _check_file(path)
        self.path, self.label, self.size = path, str(path), path.stat().st_size
        with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            sample = f.read(65536)
        if "\r" in sample and "\n" not in sample:
            raise SourceError(f"{path}: lines end with a carriage return only (classic Mac): save it with LF or CRLF "
                              f"line endings, e.g. tr '\\r' '\\n' < {path.name} > fixed.csv")
        self.delimiter = delimiter or _sniff_delimiter(sample, path)
        first = next(csv.reader(io.StringIO(sample), delimiter=self.delimiter), None)
        if not first or not any(h.strip() for h in first):
            raise SourceError(f"{path}: no header row found")
        self.columns = check_columns(path, [h.strip() for h in first])

    def batches(self, batch_rows: int, advance: Callable[[int], None] | None = None) -> Iterator[RawBatch]:
        done = 0
        try:
            for b in self._fast(batch_rows):
                yield b
                if advance:
                    pos = min(self.size, b.bytes_end)
                    advance(pos - done)
                    done = pos
        except (_Structural, pa.ArrowInvalid):
            # Batches already yielded are withdrawn: the consumer drops them and takes the exact re-read.
            yield RawBatch(pa.table({ROW: pa.array([], pa.int64())}), restart=True)
            yield from self._exact(batch_rows, None)
        if advance:
            advance(self.size - done)

    def _fast(self, batch_rows: int) -> Iterator[RawBatch]:
        faults: list[object] = []

        def bad_row(row: object) -> str:
            faults.append(row)  # raising here would be swallowed by pyarrow; the loop below checks
            return "skip"

        f = _QuoteCounter(self.path.open("rb"))
        reader = pacsv.open_csv(
            f,
            read_options=pacsv.ReadOptions(column_names=self.columns, skip_rows=1, block_size=1 << 25),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True,
                                             invalid_row_handler=bad_row),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in self.columns},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        row = 1
        with f.raw:
            for rb in reader:
                t = pa.Table.from_batches([rb])
                if faults or (f.at_end and f.quotes % 2):
                    raise _Structural  # pyarrow lets a quote left open run to the end of the file
                yield RawBatch(_with_rows(t, row), bytes_end=f.raw.tell())
                row += t.num_rows
            # a file whose every row is faulty yields no batch, so the check above never ran: check once more
            if faults or (f.at_end and f.quotes % 2):
                raise _Structural

    def _exact(self, batch_rows: int, advance: Callable[[int], None] | None) -> Iterator[RawBatch]:
        n = len(self.columns)
        cols: list[list[str | None]] = [[] for _ in range(n)]
        rows: list[int] = []
        issues: list[Issue] = []
        for rec_no, rec, raw in _exact_records(self.path, self.delimiter):
            if rec is None:
                issues.append(Issue("", rec_no, None, raw[:200], "csv_structure",
                                    "unbalanced quote or stray quote character: this record is rejected and "
                                    "reading resumes after it",
                                    self.label))
                continue
            if len(rec) != n:
                issues.append(Issue("", rec_no, None, raw[:200], "csv_structure",
                                    f"expected {n} fields, found {len(rec)}", self.label))
                continue
            bad = next((i for i, v in enumerate(rec) if _has_surrogate(v)), None)
            if bad is not None:
                shown = rec[bad].encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                issues.append(Issue("", rec_no, self.columns[bad], shown, "encoding",
                                    "invalid UTF-8 (save the file as UTF-8)", self.label))
                continue
            for i, v in enumerate(rec):
                cols[i].append(v)
            rows.append(rec_no)
            if len(rows) >= batch_rows:
                yield self._batch(cols, rows, issues)
                cols, rows, issues = [[] for _ in range(n)], [], []
        if advance:
            advance(self.size)
        if rows or issues:
            yield self._batch(cols, rows, issues)

    def _batch(self, cols: list[list[str | None]], rows: list[int], issues: list[Issue]) -> RawBatch:
        arrays = [pa.array(c, pa.string()) for c in cols] + [pa.array(rows, pa.int64())]
        return RawBatch(pa.Table.from_arrays(arrays, names=[*self.columns, ROW]), issues)


class _QuoteCounter:
    """A binary file that counts quote characters as pyarrow reads it: an odd count at the end means a
    quote was never closed, which pyarrow would silently turn into one field running to the end."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self.raw, self.quotes, self.at_end = raw, 0, False
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n)
        self.quotes += chunk.count(b'"')
        if not chunk or n < 0 or len(chunk) < n:
            self.at_end = True
        return chunk

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self.raw.close()


class _Structural(Exception):
    """The fast CSV path met a row it cannot place exactly."""


def _has_surrogate(s: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in s)


def _sniff_delimiter(sample: str, path: Path) -> str:
    header = sample.split("\n", 1)[0]
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return ","  # a single-column file
    return best


_MAX_RECORD_LINES = 10_000


def _exact_records(path: Path, delimiter: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """(record number, fields or None for a broken record, raw text), header skipped, streaming.

    A record is complete once its quotes balance. An unbalanced quote would swallow the rest of the
    file into one field; instead the line that opened it is rejected alone and reading resumes on the
    next line, so the valid rows after it still load.
    """
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        lines = iter(f)
        next(lines, None)
        replay: deque[str] = deque()
        rec_no = 0
        while True:
            line = replay.popleft() if replay else next(lines, None)
            if line is None:
                return
            if not line.strip():
                continue
            consumed = [line]
            quotes = line.count('"')
            while quotes % 2 and len(consumed) < _MAX_RECORD_LINES:
                more = replay.popleft() if replay else next(lines, None)
                if more is None:
                    break
                consumed.append(more)
                quotes += more.count('"')
            rec_no += 1
            if quotes % 2:
                replay.extendleft(reversed(consumed[1:]))
                yield rec_no, None, line
                continue
            text = "".join(consumed)
            try:
                rec = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
            except csv.Error:
                yield rec_no, None, text
                continue
            yield rec_no, rec, text

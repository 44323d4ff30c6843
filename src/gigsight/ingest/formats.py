"""Readers for Parquet, JSON Lines and Arrow streams, and :func:`open_source`, which picks one by extension.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "jobs.jsonl"
>>> _ = p.write_text('{"job_id": "j1", "title": "Logo"}\\n')
>>> [b.table.to_pylist() for b in open_source(p).batches(1000)]
[[{'job_id': 'j1', 'title': 'Logo', '_row': 1}]]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gigsight.errors import Issue, SourceError
from gigsight.ingest.readers import ROW, CsvSource, RawBatch, Source, _check_file, _with_rows, check_columns


class ParquetSource(Source):
    def __init__(self, path: Path) -> None:
        _check_file(path)
        try:
            self.file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise SourceError(f"{path}: not a readable Parquet file ({exc})") from None
        self.path, self.label = path, str(path)
        self.columns = check_columns(path, list(self.file.schema_arrow.names))
        self.size = self.file.metadata.num_rows

    def duckdb_relation(self) -> str | None:
        path = str(self.path).replace("'", "''")
        return f"(SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row " \
               f"FROM read_parquet('{path}', file_row_number = true))"

    def batches(self, batch_rows: int, advance: Callable[[int], None] | None = None) -> Iterator[RawBatch]:
        row = 1
        for rb in self.file.iter_batches(batch_size=batch_rows):
            t = pa.Table.from_batches([rb])
            yield RawBatch(_with_rows(t, row))
            row += t.num_rows
            if advance:
                advance(t.num_rows)


class JsonLinesSource(Source):
    def __init__(self, path: Path) -> None:
        _check_file(path)
        self.path, self.label, self.size = path, str(path), path.stat().st_size
        keys: dict[str, None] = {}
        # every line, not a sample: a key first seen late (an optional column filled only in recent rows) would
        # otherwise be dropped from every row without a word
        with path.open("rb") as f:
            for line in f:
                obj = _json_object(line)
                if isinstance(obj, dict) and not obj.keys() <= keys.keys():
                    keys.update(dict.fromkeys(obj))
        if not keys:
            raise SourceError(f"{path}: no JSON object found (expected one object per line)")
        self.columns = check_columns(path, list(keys))

    def batches(self, batch_rows: int, advance: Callable[[int], None] | None = None) -> Iterator[RawBatch]:
        cols: dict[str, list[str | None]] = {c: [] for c in self.columns}
        rows: list[int] = []
        issues: list[Issue] = []
        with self.path.open("rb") as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                obj = _json_object(line)
                if not isinstance(obj, dict):
                    why = "not valid JSON" if obj is None else "not a JSON object"
                    text = line.decode("utf-8", "replace").strip()
                    issues.append(Issue("", line_no, None, text[:200], "json", why, self.label))
                    continue
                if b"\\ud" in line.lower() and (bad := _lone_surrogate(obj)) is not None:
                    issues.append(Issue("", line_no, bad, line.decode("utf-8", "replace").strip()[:200], "encoding",
                                        "a \\u escape of half a UTF-16 pair (a lone surrogate): not text",
                                        self.label))
                    continue
                for c in self.columns:
                    v = obj.get(c)
                    cols[c].append(None if v is None else v if isinstance(v, str) else json.dumps(v))
                rows.append(line_no)
                if len(rows) >= batch_rows:
                    yield self._batch(cols, rows, issues)
                    cols, rows, issues = {c: [] for c in self.columns}, [], []
        if advance:
            advance(self.size)
        if rows or issues:
            yield self._batch(cols, rows, issues)

    def _batch(self, cols: dict[str, list[str | None]], rows: list[int], issues: list[Issue]) -> RawBatch:
        arrays = [pa.array(v, pa.string()) for v in cols.values()] + [pa.array(rows, pa.int64())]
        return RawBatch(pa.Table.from_arrays(arrays, names=[*cols, ROW]), issues)


def _lone_surrogate(obj: dict[str, object]) -> str | None:
    """The first key whose name or text holds a lone surrogate (it cannot be stored as UTF-8), if any."""
    for k, v in obj.items():
        for text in (k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return k.encode("utf-8", "backslashreplace").decode()
    return None


def _json_object(line: bytes) -> object:
    try:
        return json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


class ArrowSource(Source):
    """Batches already in memory or streamed from a database (the Postgres source uses it)."""

    def __init__(self, label: str, reader: pa.RecordBatchReader, size: int = 0) -> None:
        self.label, self.reader, self.size = label, reader, size
        self.columns = check_columns(label, list(reader.schema.names))

    def batches(self, batch_rows: int, advance: Callable[[int], None] | None = None) -> Iterator[RawBatch]:
        row = 1
        for rb in self.reader:
            t = pa.Table.from_batches([rb])
            yield RawBatch(_with_rows(t, row))
            row += t.num_rows
            if advance:
                advance(t.num_rows)


FORMATS = {".csv": CsvSource, ".tsv": CsvSource, ".txt": CsvSource, ".parquet": ParquetSource,
           ".pq": ParquetSource, ".jsonl": JsonLinesSource, ".ndjson": JsonLinesSource, ".json": JsonLinesSource}


def open_source(path: Path, delimiter: str | None = None) -> Source:
    """Open a file by its extension (.csv/.tsv/.txt, .parquet, .jsonl/.ndjson/.json)."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise SourceError(f"{path}: unknown file type {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    if kind is CsvSource:
        return CsvSource(path, delimiter)
    return kind(path)  # type: ignore[no-any-return]

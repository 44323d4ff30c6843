"""Which source feeds which table: a directory of files named after the tables, one file with an
explicit table, or a Postgres database whose tables carry the canonical (or mapped) names.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "payments.csv").write_text("x\\n"); _ = (d / "clients.parquet.bak").write_text("")
>>> [(t, pathlib.Path(s.label).name) for t, s in plan_sources(d, None, None, Mapping())]
[('payments', 'payments.csv')]
"""

from __future__ import annotations

import os
from pathlib import Path

from gigsight.errors import ConfigError, SourceError, did_you_mean
from gigsight.ingest.formats import FORMATS, ArrowSource, open_source
from gigsight.ingest.mapping import Mapping
from gigsight.ingest.readers import Source
from gigsight.ingest.transactions import transaction_sources
from gigsight.model.schema import SCHEMA

TRANSACTIONS = "transactions"  # --table for a plain transaction log (gigsight.ingest.transactions)


def plan_sources(path: str | Path | None, table: str | None, source_url: str | None,
                 mapping: Mapping, currency: str = "USD") -> list[tuple[str, Source]]:
    """(table, source) pairs in load order (parents first)."""
    if table is not None and table not in SCHEMA and table != TRANSACTIONS:
        raise ConfigError(did_you_mean(table, [*SCHEMA, TRANSACTIONS], "table"))
    if source_url is not None and table == TRANSACTIONS:
        raise ConfigError("--table transactions reads one file (CSV, Parquet or JSON Lines), not --from a database")
    if source_url is not None:
        return _postgres_sources(source_url, table, mapping)
    if path is None:
        raise ConfigError("nothing to ingest: give a file, a directory, or --from postgres://...")
    p = Path(path)
    if not p.exists():
        raise SourceError(f"{p}: no such file or directory")
    if p.is_dir():
        if table is not None:
            raise ConfigError(f"{p} is a directory; --table goes with a single file")
        return _directory_sources(p, mapping)
    if table is None:
        stem = p.name.split(".")[0]
        by_file = {mapping.file_for(t): t for t in SCHEMA}
        if stem not in by_file:
            raise ConfigError(f"{p}: cannot tell which table this file holds; pass --table "
                              f"({did_you_mean(stem, by_file, 'file name')})")
        table = by_file[stem]
    if table == TRANSACTIONS:
        return transaction_sources(_plain_file(p), mapping.delimiter, currency, mapping.timestamp_formats)
    return [(table, open_source(_plain_file(p), mapping.delimiter))]


COMPRESSED = (".gz", ".zst", ".bz2", ".xz", ".zip")


def _directory_sources(d: Path, mapping: Mapping) -> list[tuple[str, Source]]:
    """Files named after a table (any case); a table name on something unreadable (a directory, a FIFO, a dangling
    or looping link, a compressed file) is an error naming it, never silently skipped.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "Payments.CSV").write_text("x\\n"); (d / "jobs.csv").mkdir()
    >>> _directory_sources(d, Mapping())
    Traceback (most recent call last):
    ...
    gigsight.errors.SourceError: ...jobs.csv: a directory, not a file: a table file must be a plain file
    """
    try:
        entries = sorted(os.scandir(d), key=lambda e: e.name)
    except PermissionError:
        raise SourceError(f"{d}: permission denied (cannot list the directory)") from None
    planned: list[tuple[str, Source]] = []
    for t in SCHEMA:
        stem = mapping.file_for(t).lower()
        hits, packed = [], []
        for e in entries:
            name = Path(e.name.lower())
            if name.suffix in COMPRESSED and Path(name.stem).stem == stem and Path(name.stem).suffix in FORMATS:
                packed.append(e.name)
            elif name.suffix in FORMATS and name.stem == stem:
                hits.append(e)
        if packed:
            raise SourceError(f"{d / packed[0]}: compressed table files are not read; decompress it first "
                              f"(e.g. gunzip, unzstd) and ingest the plain file")
        if len(hits) > 1:
            raise SourceError(f"{d}: several files for table {t}: {', '.join(e.name for e in hits)}; keep one")
        if hits:
            planned.append((t, open_source(_plain_file(d / hits[0].name), mapping.delimiter)))
    if not planned:
        wanted = ", ".join(f"{mapping.file_for(t)}.csv" for t in SCHEMA)
        raise SourceError(f"{d}: no table files found (expected names like {wanted}; "
                          f"csv, parquet or jsonl)")
    return planned


def _plain_file(p: Path) -> Path:
    try:
        if p.is_symlink() and not p.exists():
            raise SourceError(f"{p}: a link to nothing ({os.readlink(p)}): a table file must exist")
        if p.is_dir():
            raise SourceError(f"{p}: a directory, not a file: a table file must be a plain file")
        if not p.is_file():
            raise SourceError(f"{p}: not a plain file (a FIFO, socket or device): copy the data into a file")
    except OSError as exc:  # a link loop, among others
        raise SourceError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    return p


def _postgres_sources(url: str, table: str | None, mapping: Mapping) -> list[tuple[str, Source]]:
    from gigsight.backends import connect

    src = connect(url, create=False)
    have = set(src.tables())
    planned: list[tuple[str, Source]] = []
    for t in SCHEMA:
        name = mapping.file_for(t)
        if (table is None or t == table) and name in have:
            expr = src.con.table(name)
            reader = expr.to_pyarrow_batches(chunk_size=100_000)
            planned.append((t, ArrowSource(f"{src.url}#{name}", reader, int(expr.count().execute()))))
    if not planned:
        raise SourceError(f"{src.url}: no table named like the canonical tables ({', '.join(SCHEMA)})")
    return planned

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
from gigsight.ingest.mapping import Mapping
from gigsight.ingest.readers import FORMATS, ArrowSource, Source, open_source
from gigsight.model.schema import SCHEMA


def plan_sources(path: str | Path | None, table: str | None, source_url: str | None,
                 mapping: Mapping) -> list[tuple[str, Source]]:
    """(table, source) pairs in load order (parents first)."""
    if table is not None and table not in SCHEMA:
        raise ConfigError(did_you_mean(table, SCHEMA, "table"))
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
    return [(table, open_source(p, mapping.delimiter))]


def _directory_sources(d: Path, mapping: Mapping) -> list[tuple[str, Source]]:
    try:
        names = sorted(e.name for e in os.scandir(d) if e.is_file())
    except PermissionError:
        raise SourceError(f"{d}: permission denied (cannot list the directory)") from None
    planned: list[tuple[str, Source]] = []
    for t in SCHEMA:
        stem = mapping.file_for(t)
        hits = [n for n in names if Path(n).suffix.lower() in FORMATS and Path(n).stem == stem]
        if len(hits) > 1:
            raise SourceError(f"{d}: several files for table {t}: {', '.join(hits)}; keep one")
        if hits:
            planned.append((t, open_source(d / hits[0], mapping.delimiter)))
    if not planned:
        wanted = ", ".join(f"{mapping.file_for(t)}.csv" for t in SCHEMA)
        raise SourceError(f"{d}: no table files found (expected names like {wanted}; "
                          f"csv, parquet or jsonl)")
    return planned


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

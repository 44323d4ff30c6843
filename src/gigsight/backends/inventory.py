"""What a store holds: tables, row counts, date ranges and rejects; and the export back to files.

Both read only through the Ibis connection, so they work the same on every engine.

>>> from gigsight.backends import connect
>>> facts = info(connect("duckdb://:memory:"))
>>> facts["tables"][0]
{'table': 'clients', 'rows': 0, 'from': None, 'to': None}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gigsight.backends import fact_log
from gigsight.backends.base import REJECTS, Store
from gigsight.errors import ConfigError, SourceError
from gigsight.model.schema import SCHEMA

EXPORT_FORMATS = ("parquet", "csv")


def info(store: Store) -> dict[str, Any]:
    """Row counts and date ranges per canonical table, and rejects by table and rule."""
    have = set(store.tables())
    tables = []
    for t in SCHEMA.values():
        if t.name not in have:
            continue
        expr = store.con.table(t.name)
        row: dict[str, Any] = {"table": t.name, "rows": int(expr.count().execute()), "from": None, "to": None}
        if t.time_column and row["rows"]:
            col = expr[t.time_column]
            lo, hi = expr.aggregate(lo=col.min(), hi=col.max()).execute().iloc[0]
            row["from"], row["to"] = _iso(lo), _iso(hi)
        tables.append(row)
    rejects: list[dict[str, Any]] = []
    if REJECTS in have:
        r = store.con.table(REJECTS)
        agg = r.group_by(["table_name", "rule"]).aggregate(problems=r.count(), rows=r.row_number.nunique())
        df = agg.order_by(["table_name", "rule"]).execute()
        rejects = [{"table": a, "rule": b, "problems": int(c), "rows": int(d)}
                   for a, b, c, d in df.itertuples(index=False)]
    return {"store": store.url, "backend": store.name, "tables": tables, "rejects": rejects,
            "facts": fact_log.status(store.con)}


def _iso(v: Any) -> str | None:
    return None if v is None or v != v else str(v)[:19].replace(" ", "T")


def export(store: Store, out: str | Path, fmt: str = "parquet") -> list[Path]:
    """Write every canonical table to ``out/<table>.<fmt>``, rows ordered by key; returns the paths.

    The files re-ingest to identical tables, so anyone can check gigsight's numbers with other tools.
    """
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    d = Path(out)
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe = d / ".gigsight-write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise SourceError(f"cannot write to {d}: {exc.strerror or exc}") from None
    have = set(store.tables())
    written = []
    for t in SCHEMA.values():
        if t.name not in have:
            continue
        expr = store.con.table(t.name).select(*t.names).order_by(list(t.key))
        reader = expr.to_pyarrow_batches(chunk_size=250_000)
        path = d / f"{t.name}.{fmt}"
        schema = _plain(reader.schema)
        if fmt == "parquet":
            with pq.ParquetWriter(path, schema) as w:
                for b in reader:
                    w.write_batch(b.cast(schema))
        else:
            with pacsv.CSVWriter(path, schema) as w:
                for b in reader:
                    w.write_batch(b.cast(schema))
        written.append(path)
    return written


def _plain(schema: pa.Schema) -> pa.Schema:
    """Timestamps exported without a zone (they are UTC by contract), so every tool reads them alike."""
    fields = [pa.field(f.name, pa.timestamp("us")) if pa.types.is_timestamp(f.type) else f for f in schema]
    return pa.schema(fields)

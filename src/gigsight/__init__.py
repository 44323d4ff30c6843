"""gigsight: growth intelligence for freelance and talent marketplaces.

The facade: everything the CLI, the web app and notebooks use.

>>> import gigsight
>>> store = gigsight.connect("duckdb://:memory:")
>>> gigsight.info(store)["tables"][0]["rows"]
0
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gigsight.backends import connect
from gigsight.backends.base import Store
from gigsight.config import Settings
from gigsight.demo import demo
from gigsight.errors import BackendError, ConfigError, DataValidationError, GigsightError, Issue, SourceError
from gigsight.ingest.mapping import Mapping
from gigsight.ingest.pipeline import IngestResult
from gigsight.ingest.pipeline import ingest as _ingest
from gigsight.inventory import export as _export
from gigsight.inventory import info as _info
from gigsight.metrics import compute as _compute

__version__ = "0.1.0"
__all__ = [
    "BackendError", "ConfigError", "DataValidationError", "GigsightError", "IngestResult", "Issue", "Mapping",
    "Settings", "SourceError", "Store", "compute", "connect", "demo", "export", "info", "ingest",
]


def _store(con: Store | str | None, **kw: Any) -> tuple[Store, bool]:
    if isinstance(con, Store):
        return con, False
    return connect(con, **kw), True


def ingest(path: str | Path | None = None, *, con: Store | str | None = None, **options: Any) -> IngestResult:
    """Ingest files or a Postgres database into the store ``con`` (a Store, a URL, or the default).

    Options: ``table``, ``source_url``, ``mapping``, ``rates``, ``strict``, ``settings``, ``progress``
    (see :func:`gigsight.ingest.pipeline.ingest`).
    """
    store, owned = _store(con)
    try:
        return _ingest(store, path, **options)
    finally:
        if owned:
            store.close()


def info(con: Store | str | None = None) -> dict[str, Any]:
    """Tables, row counts, date ranges and rejects of the store."""
    store, owned = _store(con, read_only=isinstance(con, str) and con.startswith("duckdb"))
    try:
        return _info(store)
    finally:
        if owned:
            store.close()


def export(out: str | Path, fmt: str = "parquet", *, con: Store | str | None = None) -> list[Path]:
    """Write the canonical tables to ``out`` as Parquet or CSV files that re-ingest to identical tables."""
    store, owned = _store(con)
    try:
        return _export(store, out, fmt)
    finally:
        if owned:
            store.close()


def compute(metrics: str | list[str], *, period: str = "quarter", by: str | list[str] | None = None,
            compare: str | list[str] | None = None, con: Store | str | None = None, start: str | None = None,
            end: str | None = None, settings: Settings | None = None) -> Any:
    """Metrics per period (and segment) as a DataFrame; ``compare=["yoy", "qoq"]`` adds growth columns.

    See :func:`gigsight.metrics.compute.compute` and docs/metrics.md for every metric.
    """
    store, owned = _store(con, read_only=isinstance(con, str) and con.startswith("duckdb"))
    try:
        return _compute(metrics, period=period, by=by, compare=compare, con=store, start=start, end=end,
                        settings=settings)
    finally:
        if owned:
            store.close()

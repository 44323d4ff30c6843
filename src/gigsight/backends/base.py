"""The store: one Ibis connection plus the few writes that differ by engine.

Reads (metrics, exports, info) go through ``store.con``, the Ibis backend, and never branch on the
engine. Writes stage data in DuckDB (the ingestion engine on every backend) and hand it over the
cheapest way each engine offers: the same DuckDB file, COPY for Postgres, Parquet for Spark. What an
engine cannot do is a row in :data:`CAPABILITIES`, consulted before the work starts.

>>> CAPABILITIES["spark"]["atomic_ingest"], CAPABILITIES["duckdb"]["atomic_ingest"]
(False, True)
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import pyarrow.parquet as pq

from gigsight.backends import fact_log, kept
from gigsight.backends.capabilities import CAPABILITIES
from gigsight.backends.shared import forget
from gigsight.backends.types import Backend
from gigsight.errors import ConfigError, GigsightError
from gigsight.model.schema import LOAD_ORDER, REJECTS_COLUMNS, SCHEMA, Kind, Table

_IBIS_TYPES: dict[Kind, dt.DataType] = {
    Kind.ID: dt.string, Kind.TEXT: dt.string, Kind.ENUM: dt.string, Kind.CURRENCY: dt.string,
    Kind.TIMESTAMP: dt.Timestamp(), Kind.INT: dt.int64, Kind.BOOL: dt.boolean,
}
REJECTS = "rejects"
INCOMPLETE = "gigsight_incomplete"  # present while a write that cannot be one transaction is under way
STAGE_COLUMNS = ("_source", "_row", "_issues", "_record")
Connection: TypeAlias = "Store | Backend"
"""What a query needs: an open :class:`Store` or the Ibis backend it holds (never a URL: see :func:`ibis_of`)."""


def ibis_schema(table: Table) -> ibis.Schema:
    """The Ibis schema of a canonical table (the same on every engine).

    >>> ibis_schema(SCHEMA["payments"])["amount"]
    Decimal(precision=18, scale=2, nullable=True)
    """
    return ibis.schema({c.name: dt.Decimal(18, c.scale) if c.kind is Kind.MONEY else _IBIS_TYPES[c.kind]
                        for c in table.columns})


@contextmanager
def marked_incomplete(store: Store, what: str) -> Iterator[None]:
    """Mark the store incomplete for the duration of a write made of many commits (a simulation on Postgres or
    Spark): killed half-way, the mark stays, and every metric refuses the store instead of reading zeros.

    Written in SQL, not from a pandas frame: Ibis would make that a session-wide view on Spark, which outlives
    the store."""
    import pandas as pd

    started = pd.Timestamp.now("UTC").strftime("%Y-%m-%d %H:%M")
    store.con.raw_sql(f"DROP TABLE IF EXISTS {INCOMPLETE}")
    spark = store.name == "spark"
    store.con.raw_sql(f"CREATE TABLE {INCOMPLETE} AS SELECT {_text(what, spark)} AS what, "
                      f"{_text(started, spark)} AS started_at")
    yield
    store.con.raw_sql(f"DROP TABLE {INCOMPLETE}")


def _text(s: str, spark: bool) -> str:
    """A SQL string literal; Spark SQL reads backslash escapes in it, the others do not.

    >>> _text("it's", False), _text("a\\\\b", True)
    ("'it''s'", "'a\\\\\\\\b'")
    """
    return "'" + (s.replace("\\", "\\\\") if spark else s).replace("'", "''") + "'"


def check_complete(con: Backend) -> None:
    """Raise when an interrupted write left the store (an Ibis backend) incomplete; see :func:`marked_incomplete`.

    >>> import gigsight
    >>> check_complete(gigsight.connect("duckdb://:memory:").con)
    """
    if INCOMPLETE in con.list_tables():
        row = con.table(INCOMPLETE).execute().iloc[0]
        raise GigsightError(f"this store is incomplete: a {row['what']} started {row['started_at']} UTC did not "
                            f"finish (interrupted?); run it again with --replace")


def rejects_schema() -> ibis.Schema:
    types = {"row_number": dt.int64, "rejected_at": dt.Timestamp()}
    return ibis.schema({name: types.get(name, dt.string) for name, _ in REJECTS_COLUMNS})


@dataclass
class WriteResult:
    inserted: int = 0
    updated: int = 0


@dataclass
class Store:
    """A connected store. ``con`` is the Ibis backend every later stage reads through."""

    name: str
    url: str
    con: Backend
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _copy_of: Path | None = field(default=None, repr=False)  # DuckDB: the file a write in progress will replace

    @property
    def capabilities(self) -> dict[str, bool]:
        return CAPABILITIES[self.name]

    def tables(self) -> list[str]:
        """The store's tables, without the temporary views Ibis registers for in-memory tables (on Spark they are
        session-wide and outlive the write that made them)."""
        return [t for t in self.con.list_tables() if not t.startswith("ibis_")]

    def ensure_tables(self) -> None:
        """Create every canonical table and the rejects table that does not exist yet."""
        have = set(self.tables())
        for t in SCHEMA.values():
            if t.name not in have:
                self.con.create_table(t.name, schema=ibis_schema(t))
            else:
                self._add_missing_columns(t)
        if REJECTS not in have:
            self.con.create_table(REJECTS, schema=rejects_schema())

    def _add_missing_columns(self, t: Table) -> None:
        """A store made by an earlier version lacks the optional columns added since: add them, empty; and keeps
        money to fewer decimals than now (original_amount had cents only): widen it, every value unchanged."""
        have = self.con.table(t.name).schema()
        for c in t.columns:
            old = have.get(c.name)
            if c.kind is Kind.MONEY and isinstance(old, dt.Decimal) and (old.scale or 0) < c.scale:
                if self.name == "spark":  # a Spark store lives for one session (issue 20 makes it persistent)
                    raise ConfigError(f"table {t.name} keeps {c.name} as {old}; load into a new store")
                sql_type = "NUMERIC" if self.name == "postgres" else "DECIMAL"
                self.con.raw_sql(f'ALTER TABLE {t.name} ALTER COLUMN "{c.name}" TYPE {sql_type}(18,{c.scale})')
        missing = [c for c in t.columns if c.name not in have]
        for c in missing:
            if c.required:
                raise ConfigError(f"table {t.name} in this store lacks the required column {c.name}: it was not made "
                                  "by gigsight; load into a new store")
            sql_type = "STRING" if self.name == "spark" else "TEXT"
            if c.kind not in (Kind.TEXT, Kind.ID, Kind.ENUM):
                raise ConfigError(f"table {t.name} lacks column {c.name}; load into a new store")
            clause = "ADD COLUMNS" if self.name == "spark" else "ADD COLUMN"
            column = f"({c.name} {sql_type})" if self.name == "spark" else f'"{c.name}" {sql_type}'
            self.con.raw_sql(f'ALTER TABLE {t.name} {clause} {column}')

    @contextmanager
    def atomically(self) -> Iterator[None]:
        """A block whose writes land whole or not at all, across crashes, where the engine allows
        (``CAPABILITIES[...]["atomic_ingest"]``). Postgres writes in transactions already; Spark cannot."""
        yield

    def tmpdir(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="gigsight-")
        return Path(self._tmp.name)

    def stage(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection for staging and validating one ingest run (disk-backed, UTC)."""
        con = duckdb.connect(str(self.tmpdir() / f"stage-{id(self)}.duckdb"))
        con.execute("SET TimeZone = 'UTC'")
        return con

    def expose(self, stage: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> str:
        """Make the store's ``table`` (these columns) queryable in ``stage``; returns the relation name."""
        name = f"store_{table}"
        data = self.con.table(table).select(*columns).to_pyarrow()
        stage.register(f"{name}_arrow", data)
        stage.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        stage.unregister(f"{name}_arrow")
        return name

    def write(self, stage: duckdb.DuckDBPyConnection, plan: list[tuple[str, str]], rejects: str,
              sources: list[str]) -> dict[str, WriteResult]:
        """Upsert each (table, stage relation) by key and replace the rejects of ``sources``."""
        raise NotImplementedError

    def bulk_load(self, table: str, folder: Path, create: bool = False) -> None:
        """Append trusted Parquet files ``folder/*.parquet`` to ``table`` (``create``: make it from their schema,
        replacing any table of that name). For generated data only; user data goes through ingest."""
        raise NotImplementedError

    def bulk_replace(self, tables: dict[str, Path]) -> None:
        """Replace several derived tables by the Parquet files in their folders, all or none where the engine
        can (``CAPABILITIES[...]["atomic_replace"]``). This default replaces them one by one."""
        for name, folder in tables.items():
            self.bulk_load(name, folder, create=True)

    def bulk_append(self, parts: Iterable[tuple[str, pa.Table]], create: Collection[str] = ()) -> dict[str, int]:
        """Append trusted generated rows, ``(table, Arrow rows)`` pairs, to their tables (those in ``create``
        are made from the rows' schema, replacing any table of that name); returns rows per table. For generated
        data only. This default writes Parquet files first and bulk-loads them, canonical tables in load order.
        """
        with tempfile.TemporaryDirectory(prefix="gigsight-append-", dir=self.tmpdir()) as tmp:
            rows = write_parquet(parts, Path(tmp))
            for t in sorted(rows, key=lambda t: LOAD_ORDER.index(t) if t in LOAD_ORDER else len(LOAD_ORDER)):
                self.bulk_load(t, Path(tmp) / t, create=t in create)
        return rows

    def data_changed(self, tables: set[str] | None = None) -> bool:
        """Every write calls this first: tables shared between computations (:mod:`~gigsight.backends.shared`)
        are forgotten, and the facts kept in the store (:mod:`~gigsight.backends.kept`) dropped, unless the write
        is to ``tables`` and may log what it touches instead (:func:`~gigsight.backends.fact_log.loggable`):
        then it returns True, and the write logs inside its own transaction (on Spark, with the registry held
        aside). Tables no fact reads change nothing."""
        forget(id(self.con))
        if tables is not None and not tables & set(kept.SOURCES):
            return False  # no fact reads what changed: the facts stay as they are
        if tables is not None and fact_log.loggable(self.con, tables):
            kept.execute(self.con, fact_log.CREATE)
            return True
        kept.drop(self.con)
        return False

    def close(self) -> None:
        try:
            disconnect = getattr(self.con, "disconnect", None)
            if disconnect is not None:
                disconnect()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_parquet(parts: Iterable[tuple[str, pa.Table]], out: Path) -> dict[str, int]:
    """Write ``(table, Arrow rows)`` pairs as ``out/<table>/part-0.parquet``; returns rows per table."""
    writers: dict[str, pq.ParquetWriter] = {}
    rows: dict[str, int] = {}
    try:
        for name, table in parts:
            if name not in writers:
                (out / name).mkdir(parents=True, exist_ok=True)
                # snappy, not zstd: the files live until a store has read them, and zstd cost 15% of generation
                writers[name] = pq.ParquetWriter(out / name / "part-0.parquet", table.schema, compression="snappy")
            writers[name].write_table(table, row_group_size=1 << 20)
            rows[name] = rows.get(name, 0) + table.num_rows
    finally:
        for w in writers.values():
            w.close()
    return rows


def key_match(table: str, a: str, b: str) -> str:
    return " AND ".join(f'{a}."{k}" = {b}."{k}"' for k in SCHEMA[table].key)


def select_columns(table: str) -> str:
    return ", ".join(f'"{c}"' for c in SCHEMA[table].names)


@contextmanager
def duckdb_settings(con: duckdb.DuckDBPyConnection, **values: object) -> Iterator[None]:
    """Set DuckDB settings for the duration of a block and restore the previous values after (on a
    DuckDB store they belong to the user's database)."""
    saved = {n: con.sql(f"SELECT current_setting('{n}')").fetchone()[0] for n in values}  # type: ignore[index]
    try:
        for name, value in values.items():
            try:
                con.execute(f"SET {name} = '{value}'")
            except duckdb.Error as exc:
                raise ConfigError(f"{name} = {value!r} is not accepted by DuckDB: {exc}") from None
        yield
    finally:
        for name, value in saved.items():
            con.execute(f"SET {name} = '{value}'")


@contextmanager
def bounded_memory(con: Backend, limit: str, release: bool = False) -> Iterator[None]:
    """Cap the engine's memory for a computation when the engine takes a cap from the session (DuckDB), so
    big intermediates spill to disk instead of growing the process; with ``release``, hand what it cached back
    to the system at the end (the block's results are what the process works on next, not the engine's cache)."""
    if getattr(con, "name", "") != "duckdb":
        yield  # Postgres and Spark bound memory in their own server configuration
        return
    with duckdb_settings(con.con, memory_limit=limit):
        yield
        if release:
            # evicting its buffers is how DuckDB frees them: after the client summaries of 1.8M clients this
            # gave back 110-540 MB. What cannot be evicted stays.
            with suppress(duckdb.Error):
                con.con.execute("SET memory_limit = '32MB'")


def temp_table(con: Backend, name: str, df: Any) -> Any:
    """A session-scoped table holding ``df`` on the engine behind an Ibis connection.

    Ibis has no temporary tables on PySpark; there a temporary view over a Spark DataFrame does the job.
    """
    try:
        return con.create_table(name, obj=df, temp=True)
    except NotImplementedError:
        session = getattr(con, "_session", None)
        if session is None:
            raise
        session.createDataFrame(df).createOrReplaceTempView(name)
        return con.table(name)


def drop_temp_table(con: Backend, name: str) -> None:
    session = getattr(con, "_session", None)
    if session is not None:
        session.catalog.dropTempView(name)
    else:
        con.drop_table(name, force=True)


def ibis_of(con: Connection) -> Any:
    """The Ibis backend to read through: a Store's, or an Ibis backend as given. A URL is refused: each call
    would open a connection nobody closes (open one Store with :func:`gigsight.connect` and pass it).

    >>> import ibis
    >>> ibis_of(ibis.duckdb.connect()).name
    'duckdb'
    """
    if isinstance(con, Store):
        return con.con
    if con is None or isinstance(con, str):
        raise ConfigError(f"pass an open store, not {con!r}: open it once with gigsight.connect(url)")
    return con

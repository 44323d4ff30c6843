"""The three engines' stores: how each opens, stages and writes. Reads never come here.

>>> s = DuckDBStore.open(":memory:")
>>> s.ensure_tables(); "payments" in s.tables() and "rejects" in s.tables()
True
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from gigsight.backends import atomic, fact_log, upkeep
from gigsight.backends import kept as kept_store
from gigsight.backends.base import REJECTS, Store, WriteResult, duckdb_settings, key_match, select_columns
from gigsight.backends.shared import forget
from gigsight.errors import BackendError
from gigsight.model.schema import REJECTS_COLUMNS, SCHEMA

_REJECT_COLS = ", ".join(name for name, _ in REJECTS_COLUMNS)
# DuckDB scans an Arrow table one record batch per thread: a generated block is one batch of millions of rows
ARROW_BATCH = 122_880
APPEND_ROWS, APPEND_BYTES, APPEND_MEMORY = 2_500_000, 256 << 20, "1GB"


def _duckdb(path: str, read_only: bool) -> Any:
    try:
        con = ibis.duckdb.connect(path, read_only=read_only)
    except (duckdb.Error, OSError) as exc:
        raise BackendError(f"cannot open DuckDB database {path}: {exc}") from None
    con.raw_sql("SET TimeZone = 'UTC'")
    con.raw_sql("SET enable_progress_bar = false")  # DuckDB's own bar would print into library callers' stderr
    return con


def parquet_columns(folder: Path) -> str:
    """The quoted column list of the Parquet files in ``folder`` (they share one schema)."""
    return ", ".join(f'"{c}"' for c in pq.read_schema(next(folder.glob("*.parquet"))).names)


def _scalar(cur: Any) -> Any:
    """The one value a query answered (DuckDB connections and psycopg cursors alike)."""
    row = cur.fetchone()
    return None if row is None else row[0]


def _in_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "NULL"


class DuckDBStore(Store):
    """The default: one DuckDB file. Staging happens inside the same database, so loading is one INSERT."""

    @classmethod
    def open(cls, path: str, read_only: bool = False) -> DuckDBStore:
        if path != ":memory:":
            p = Path(path)
            if not p.parent.exists():
                raise BackendError(f"cannot create {path}: folder {p.parent} does not exist")
            if read_only and not p.exists():
                g, q = os.environ.get("GIGSIGHT_LAUNCHER", "gigsight"), shlex.quote(path)
                raise BackendError(f"no store at {p.resolve()}: make one with `{g} demo --db {q}` or `{g} ingest "
                                   f"DIR --db {q}`, or point --db (or GIGSIGHT_DB) at an existing .duckdb file")
            if not read_only and p.exists() and not os.access(p, os.W_OK):
                raise BackendError(f"cannot write {path}: permission denied")
        store = cls("duckdb", f"duckdb://{path}", _duckdb(path, read_only))
        if not read_only and path != ":memory:":
            atomic.discard_unfinished(Path(path))  # we hold the file's lock: no other writer is using them
        return store

    @contextmanager
    def atomically(self) -> Iterator[None]:
        """Everything written inside lands whole or not at all, even under kill -9: the work goes to a copy of
        the file that replaces it by one rename at the end. DuckDB alone cannot promise this: killed while
        writing a large commit to its log, it replayed part of the transaction on the next open (some tables
        new, others old) and later deletes in that store did not hold (issue 18)."""
        path = self.url.removeprefix("duckdb://")
        if path == ":memory:" or self._copy_of is not None:
            yield
            return
        original = Path(path)
        self.con.raw_sql("CHECKPOINT")
        self._release()
        with atomic.Swap(original) as swap:
            self._copy_of, self.con = original, _duckdb(str(swap.copy), False)
            try:
                yield
                self.con.raw_sql("CHECKPOINT")
                self._release()
                swap.commit()
            finally:
                self._release()
                self._copy_of, self.con = None, _duckdb(path, False)

    def _release(self) -> None:
        forget(id(self.con))
        self.con.disconnect()

    def stage(self) -> duckdb.DuckDBPyConnection:
        cur: duckdb.DuckDBPyConnection = self.con.con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    def expose(self, stage: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> str:
        return f"main.{table}"

    def write(self, stage: duckdb.DuckDBPyConnection, plan: list[tuple[str, str]], rejects: str,
              sources: list[str]) -> dict[str, WriteResult]:
        log = self.data_changed({t for t, _ in plan})
        out: dict[str, WriteResult] = {}
        stage.execute("BEGIN TRANSACTION")
        try:
            for table, rel in plan:
                total = int(_scalar(stage.execute(f"SELECT count(*) FROM {rel}")))
                updated = int(_scalar(stage.execute(f"SELECT count(*) FROM main.{table} s SEMI JOIN {rel} r "
                                                    f"ON {key_match(table, 's', 'r')}"))) if total else 0
                replaced = f"(SELECT s.* FROM main.{table} s SEMI JOIN {rel} r ON {key_match(table, 's', 'r')})"
                for sql in fact_log.log_statements(table, rel, replaced if updated else None) if log else ():
                    stage.execute(sql)
                if updated:
                    # USING, not WHERE EXISTS: DuckDB planned the EXISTS over a filtered stage as a scan per
                    # row (7.8 s against 0.7 s for 3,793 payments replaced among 44M)
                    stage.execute(f"DELETE FROM main.{table} s USING {rel} r WHERE {key_match(table, 's', 'r')}")
                cols = select_columns(table)
                stage.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM {rel}")
                out[table] = WriteResult(total - updated, updated)
            stage.execute(f"DELETE FROM main.{REJECTS} WHERE source IN ({_in_list(sources)})")
            stage.execute(f"INSERT INTO main.{REJECTS} ({_REJECT_COLS}) SELECT {_REJECT_COLS} FROM {rejects}")
            for sql in fact_log.head_statements(set(self.tables())) if log else ():
                stage.execute(sql)
            stage.execute("COMMIT")
        except BaseException:
            stage.execute("ROLLBACK")
            raise
        return out

    def bulk_load(self, table: str, folder: Path, create: bool = False) -> None:
        self.data_changed()
        src = f"read_parquet('{folder}/*.parquet')"
        # rows of a bulk load have no order to keep; letting DuckDB write them in any order took a fifth off
        # the time and a quarter off the memory of storing a simulated marketplace
        with duckdb_settings(self.con.con, preserve_insertion_order="false"):
            if create:
                self.con.raw_sql(f'CREATE OR REPLACE TABLE main."{table}" AS SELECT * FROM {src}')
            else:
                cols = parquet_columns(folder)
                self.con.raw_sql(f'INSERT INTO main."{table}" ({cols}) SELECT {cols} FROM {src}')

    def bulk_replace(self, tables: dict[str, Path]) -> None:
        """One transaction: a process killed half-way leaves every table as it was (enrich's labels and skills
        must never disagree). The ids whose rows changed in the columns facts read are logged for an incremental
        refresh (:func:`~gigsight.backends.fact_log.changed_rows`); a changed skills dictionary drops the facts."""
        con = self.con.con
        new = {name: f"read_parquet('{folder}/*.parquet')" for name, folder in tables.items()}
        log = self.data_changed(fact_log.differing(new, set(self.tables()), lambda sql: _scalar(con.execute(sql))))
        with duckdb_settings(con, preserve_insertion_order="false"):
            con.execute("BEGIN TRANSACTION")
            try:
                for name, rows in new.items():
                    if log and name in fact_log.TOUCHES:
                        for sql in fact_log.log_statements(name, fact_log.changed_rows(name, rows, name)):
                            con.execute(sql)
                    con.execute(f'CREATE OR REPLACE TABLE main."{name}" AS SELECT * FROM {rows}')
                for sql in fact_log.head_statements(set(self.tables())) if log else ():
                    con.execute(sql)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def bulk_append(self, parts: Iterable[tuple[str, pa.Table]], create: Collection[str] = ()) -> dict[str, int]:
        """Arrow rows go straight into the file, no Parquet in between. Parts of a table are gathered up to
        :data:`APPEND_ROWS` rows or :data:`APPEND_BYTES` before one INSERT: DuckDB appends a few large inserts a
        third faster than many block-sized ones. Each insert commits on its own: one transaction over a whole
        simulation kept every uncommitted row in memory (15 GB at scale 1)."""
        self.data_changed()
        rows: dict[str, int] = {}
        pending: dict[str, list[pa.Table]] = {}
        written: set[str] = set()

        def flush(name: str) -> None:
            data = pa.concat_tables(pending.pop(name))
            con = self.con.con
            con.register("_gigsight_rows", pa.Table.from_batches(data.to_batches(ARROW_BATCH), data.schema))
            try:
                if name in create and name not in written:
                    con.execute(f'CREATE OR REPLACE TABLE main."{name}" AS SELECT * FROM _gigsight_rows')
                else:
                    cols = ", ".join(f'"{c}"' for c in data.column_names)
                    con.execute(f'INSERT INTO main."{name}" ({cols}) SELECT {cols} FROM _gigsight_rows')
            finally:
                con.unregister("_gigsight_rows")
            written.add(name)

        # the cap bounds DuckDB's cache of the blocks it writes, not the work: 5.0 GB -> 3.8 GB at scale 1, same time
        with duckdb_settings(self.con.con, preserve_insertion_order="false", memory_limit=APPEND_MEMORY):
            for name, data in parts:
                waiting = pending.setdefault(name, [])
                waiting.append(data)
                rows[name] = rows.get(name, 0) + data.num_rows
                if sum(t.num_rows for t in waiting) >= APPEND_ROWS or sum(t.nbytes for t in waiting) >= APPEND_BYTES:
                    flush(name)
            for name in list(pending):
                flush(name)
        return rows


class PostgresStore(Store):
    """Postgres: staged rows travel by COPY into a temporary table, then one upsert per table,
    all inside a single transaction."""

    def write(self, stage: duckdb.DuckDBPyConnection, plan: list[tuple[str, str]], rejects: str,
              sources: list[str]) -> dict[str, WriteResult]:
        log = self.data_changed({t for t, _ in plan})
        conn = self.con.con
        out: dict[str, WriteResult] = {}
        present = set(self.tables())
        with conn.transaction(), conn.cursor() as cur:
            for table, rel in plan:
                tmp = f"_gs_stage_{table}"
                cur.execute(f'CREATE TEMP TABLE {tmp} (LIKE "{table}") ON COMMIT DROP')
                self._copy(stage, cur, f"SELECT {select_columns(table)} FROM {rel}", tmp, select_columns(table))
                replaced = (f'(SELECT s.* FROM "{table}" s WHERE EXISTS '
                            f"(SELECT 1 FROM {tmp} r WHERE {key_match(table, 's', 'r')}))")
                for sql in fact_log.log_statements(table, tmp, replaced) if log else ():
                    cur.execute(sql)
                cur.execute(f'DELETE FROM "{table}" s USING {tmp} r WHERE {key_match(table, "s", "r")}')
                updated = cur.rowcount
                cur.execute(f'INSERT INTO "{table}" ({select_columns(table)}) '
                            f"SELECT {select_columns(table)} FROM {tmp}")
                out[table] = WriteResult(cur.rowcount - updated, updated)
            cur.execute(f"DELETE FROM {REJECTS} WHERE source IN ({_in_list(sources)})")
            self._copy(stage, cur, f"SELECT {_REJECT_COLS} FROM {rejects}", REJECTS, _REJECT_COLS)
            for sql in fact_log.head_statements(present) if log else ():
                cur.execute(sql)
            upkeep.tend(cur, {t: r.inserted + r.updated for t, r in out.items()})
        return out

    def _copy(self, stage: duckdb.DuckDBPyConnection, cur: Any, sql: str, target: str, cols: str) -> None:
        path = self.tmpdir() / f"{target}.csv"
        stage.execute(f"COPY ({sql}) TO '{path}' (FORMAT csv, HEADER false, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f')")
        with cur.copy(f"COPY {target} ({cols}) FROM STDIN (FORMAT csv)") as copy, path.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        path.unlink()

    def bulk_replace(self, tables: dict[str, Path]) -> None:
        """Postgres DDL is transactional: the new tables are copied in beside the old ones, then one transaction
        logs the ids whose read columns changed (as on DuckDB), drops the old tables and renames the new ones, so
        a process killed at any point leaves every table as it was or every one replaced."""
        conn, present = self.con.con, set(self.tables())
        nxt = {name: f"{name}__next" for name in tables}
        try:
            self._stage_tables(tables, nxt)
            atomic.crash_point("copied")
            log = self.data_changed(fact_log.differing(nxt, present, self._scalar))
            with conn.transaction(), conn.cursor() as cur:
                for name in tables:
                    for sql in fact_log.log_statements(name, fact_log.changed_rows(name, nxt[name], name)) if (
                            log and name in fact_log.TOUCHES) else ():
                        cur.execute(sql)
                    cur.execute(f'DROP TABLE IF EXISTS "{name}"')
                    cur.execute(f'ALTER TABLE "{nxt[name]}" RENAME TO "{name}"')
                for sql in fact_log.head_statements(present | set(tables)) if log else ():
                    cur.execute(sql)
                upkeep.tend(cur, dict.fromkeys(tables))
                atomic.crash_point("before-rename")  # every table swapped, not committed: the server rolls back
            atomic.crash_point("after-rename")
        finally:
            with conn.transaction(), conn.cursor() as cur:
                for name in nxt.values():
                    cur.execute(f'DROP TABLE IF EXISTS "{name}"')

    def _stage_tables(self, tables: dict[str, Path], nxt: dict[str, str]) -> None:
        """Each folder's Parquet rows into a fresh table named by ``nxt``, typed from the files' schema."""
        from ibis.backends.sql.datatypes import PostgresType

        stage, conn = duckdb.connect(), self.con.con
        try:
            with conn.transaction(), conn.cursor() as cur:
                for name, folder in tables.items():
                    schema = ibis.Schema.from_pyarrow(pq.read_schema(next(folder.glob("*.parquet"))))
                    ddl = ", ".join(f'"{c}" {PostgresType.from_ibis(t).sql("postgres")}' for c, t in schema.items())
                    cur.execute(f'DROP TABLE IF EXISTS "{nxt[name]}"')
                    cur.execute(f'CREATE TABLE "{nxt[name]}" ({ddl})')
                    cols = parquet_columns(folder)
                    self._copy(stage, cur, f"SELECT {cols} FROM read_parquet('{folder}/*.parquet')",
                               f'"{nxt[name]}"', cols)
        finally:
            stage.close()

    def _scalar(self, sql: str) -> object:
        with self.con.con.cursor() as cur:
            return _scalar(cur.execute(sql))

    def bulk_load(self, table: str, folder: Path, create: bool = False) -> None:
        self.data_changed()
        stage = duckdb.connect()
        try:
            src = f"read_parquet('{folder}/*.parquet')"
            cols = parquet_columns(folder)
            if create:
                schema = ibis.Schema.from_pyarrow(pq.read_schema(next(folder.glob("*.parquet"))))
                self.con.create_table(table, schema=schema, overwrite=True)
            conn = self.con.con
            with conn.transaction(), conn.cursor() as cur:
                self._copy(stage, cur, f"SELECT {cols} FROM {src}", f'"{table}"', cols)
                upkeep.tend(cur, {table: None})  # after the rows: an index built in one sort, not row by row
        finally:
            stage.close()


class SparkStore(Store):
    """Spark (local or a given session): staged rows travel as Parquet; each table is rebuilt as
    (existing rows not re-sent) UNION (new rows) into a fresh table that then replaces the old one.
    Spark has no multi-table transactions: every new table is built first and the swaps come last."""

    def write(self, stage: duckdb.DuckDBPyConnection, plan: list[tuple[str, str]], rejects: str,
              sources: list[str]) -> dict[str, WriteResult]:
        """With kept facts whose log is complete, the ids the rows touch are logged (the refresh then patches
        only those) while the registry is held aside (:func:`~gigsight.backends.fact_log.hold`): stopped
        half-way, the write leaves no registry and the next refresh rebuilds the facts whole."""
        log = self.data_changed({t for t, _ in plan})
        if log:
            fact_log.hold(self.con)
        spark = self.con._session
        out: dict[str, WriteResult] = {}
        swaps: list[str] = []
        work = [(t, f"SELECT {select_columns(t)} FROM {rel}", list(SCHEMA[t].key)) for t, rel in plan]
        work.append((REJECTS, f"SELECT {_REJECT_COLS} FROM {rejects}", []))
        for table, sql, key in work:
            path = self.tmpdir() / f"{table}.parquet"
            stage.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
            old = spark.table(table)
            new = spark.read.parquet(str(path))
            new = new.select([new[f.name].cast(f.dataType).alias(f.name) for f in old.schema.fields])
            if key:
                replaced = old.join(new.select(*key), on=key, how="left_semi")
                updated = replaced.count()
                kept = old.join(new.select(*key), on=key, how="left_anti")
                out[table] = WriteResult(new.count() - updated, updated)
                if log:  # before the swap: the replaced rows are read from the old table
                    new.createOrReplaceTempView("gigsight_new_rows")
                    replaced.createOrReplaceTempView("gigsight_replaced_rows")
                    for statement in fact_log.log_statements(table, "gigsight_new_rows", "gigsight_replaced_rows"):
                        kept_store.execute(self.con, statement)
                    for view in ("gigsight_new_rows", "gigsight_replaced_rows"):  # over files about to go
                        spark.catalog.dropTempView(view)
            else:
                kept = old.filter(~old["source"].isin(sources))
            kept.unionByName(new).write.mode("overwrite").saveAsTable(f"{table}__next")
            swaps.append(table)
        self._swap(swaps)
        if log:
            fact_log.release(self.con)
        return out

    def bulk_replace(self, tables: dict[str, Path]) -> None:
        """Every new table is written in full before the first swap (a lost worker or a full disk leaves the old
        ones); as on DuckDB, the ids whose read columns changed are logged, with the registry held aside meanwhile."""
        spark, present, nxt = self.con._session, set(self.tables()), {name: f"{name}__next" for name in tables}
        for name, folder in tables.items():
            spark.read.parquet(str(folder)).write.mode("overwrite").saveAsTable(nxt[name])
        log = self.data_changed(fact_log.differing(nxt, present, lambda sql: kept_store.rows(self.con, sql)[0][0]))
        if log:
            fact_log.hold(self.con)
            for name in tables.keys() & fact_log.TOUCHES.keys():
                for statement in fact_log.log_statements(name, fact_log.changed_rows(name, nxt[name], name)):
                    kept_store.execute(self.con, statement)
        self._swap(list(tables))
        if log:
            fact_log.release(self.con)

    def _swap(self, tables: list[str]) -> None:
        for table in tables:
            kept_store.swap(self.con, table)

    def bulk_load(self, table: str, folder: Path, create: bool = False) -> None:
        self.data_changed()
        spark = self.con._session
        new = spark.read.parquet(str(folder))
        if create:
            new.write.mode("overwrite").saveAsTable(table)
            return
        from pyspark.sql import functions as F

        old = spark.table(table)
        new.select([(new[f.name] if f.name in new.columns else F.lit(None)).cast(f.dataType).alias(f.name)
                    for f in old.schema.fields]).write.mode("append").saveAsTable(table)

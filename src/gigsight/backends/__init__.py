"""``connect(url)``: one store for every stage, by URL.

- ``duckdb:///abs/path/file.duckdb`` or ``duckdb://relative.duckdb`` (the default is
  ``duckdb://gigsight.duckdb``, in the working directory), or a bare path ending in ``.duckdb``/``.db``;
  ``duckdb://:memory:`` for a throwaway store;
- ``postgres://user:pass@host:port/db`` (also ``postgresql://``);
- ``pyspark://local`` (``pyspark://local[4]``) for a local Spark session whose tables persist in a warehouse
  folder (``?warehouse=PATH``, default ``./gigsight-spark``; ``&database=NAME``, default ``default``), or a
  ``SparkSession`` object, used with its own catalog.

>>> store = connect("duckdb://:memory:")
>>> store.name, "payments" in store.tables()
('duckdb', True)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from gigsight.backends.base import REJECTS, Store, ibis_of, ibis_schema
from gigsight.backends.capabilities import CAPABILITIES
from gigsight.backends.engines import DuckDBStore, PostgresStore, SparkStore
from gigsight.config import Settings
from gigsight.errors import BackendError, ConfigError

__all__ = ["CAPABILITIES", "REJECTS", "Store", "connect", "ibis_of", "ibis_schema", "spark_target"]


def connect(url: Any = None, *, read_only: bool = False, create: bool = True) -> Store:
    """Open the store at ``url`` (a URL string, a SparkSession, or None for the configured default).

    ``create`` makes the canonical tables when they are missing.
    """
    if url is None:
        url = Settings.from_env().db_url
    if not isinstance(url, str):
        store = _spark(url, "pyspark://session")
    else:
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme == "duckdb" or (not scheme and url.endswith((".duckdb", ".db"))):
            path = url.split("://", 1)[1] if scheme else url
            store = DuckDBStore.open(path or ":memory:", read_only=read_only)
        elif scheme in ("postgres", "postgresql"):
            store = _postgres(url)
        elif scheme in ("pyspark", "spark"):
            store = _spark(None, url)
        else:
            raise ConfigError(f"unknown store URL {url!r}: use duckdb:///file.duckdb, "
                              "postgres://user:pass@host:port/db or pyspark://local")
    if create and not read_only:
        store.ensure_tables()
    return store


def _postgres(url: str) -> Store:
    import ibis

    u = urlparse(url)
    where = f"{u.hostname or 'localhost'}:{u.port or 5432}"
    try:
        import psycopg

        con = ibis.postgres.connect(
            user=unquote(u.username or "postgres"), password=unquote(u.password or "") or None,
            host=u.hostname or "localhost", port=u.port or 5432, database=(u.path or "/postgres")[1:] or "postgres",
            connect_timeout=5,
        )
    except ImportError:
        raise BackendError("the postgres backend needs the extra: pip install 'gigsight[postgres]'") from None
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackendError(f"cannot connect to Postgres at {where}: {first} "
                           "(is the server running and the URL right?)") from None
    con.raw_sql("SET TIME ZONE 'UTC'")
    safe = url.replace(f":{u.password}@", ":***@") if u.password else url
    return PostgresStore("postgres", safe, con)


SPARK_WAREHOUSE = "gigsight-spark"


def spark_target(url: str) -> tuple[str, Path, str]:
    """(master, warehouse folder, database) of a ``pyspark://`` URL.

    >>> master, warehouse, database = spark_target("pyspark://local[2]?warehouse=/data/gs&database=shop")
    >>> master, str(warehouse), database
    ('local[2]', '/data/gs', 'shop')
    >>> spark_target("pyspark://local")[1].name, spark_target("pyspark://local")[2]
    ('gigsight-spark', 'default')
    """
    rest = url.split("://", 1)[1]
    master, _, query = rest.partition("?")
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    unknown = set(params) - {"warehouse", "database"}
    if unknown:
        raise ConfigError(f"unknown Spark store option(s) {', '.join(sorted(unknown))} in {url!r}: "
                          "use ?warehouse=PATH&database=NAME")
    database = params.get("database") or "default"
    if not database.replace("_", "").isalnum():
        raise ConfigError(f"Spark database name {database!r} in {url!r}: use letters, digits and _")
    return master or "local", Path(params.get("warehouse") or SPARK_WAREHOUSE).resolve(), database


def _spark(session: Any, url: str) -> Store:
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        raise BackendError("the spark backend needs the extra: pip install 'gigsight[spark]'") from None
    if session is None:
        master, warehouse, database = spark_target(url)
        warehouse.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Python workers run this interpreter, which has gigsight (enrich labels jobs there); PATH's python3 may not
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # a Hive metastore (embedded Derby) in the warehouse folder keeps the catalog between processes; Spark's
        # in-memory catalog would forget every table when the command ends
        session = (
            SparkSession.builder.master(master).appName("gigsight")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.warehouse.dir", str(warehouse))
            .config("spark.sql.catalogImplementation", "hive")
            .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                    f"jdbc:derby:;databaseName={warehouse / 'metastore_db'};create=true")
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")  # our own bar says how far the work got
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        held = Path(session.conf.get("spark.sql.warehouse.dir").removeprefix("file:")).resolve()
        if held != warehouse:
            raise ConfigError(f"this process already runs a Spark session on the warehouse {held}; one process "
                              f"holds one warehouse, so {warehouse} cannot be opened beside it")
        # the metastore opens on first use; when another process holds it, Hive logs thousands of lines of stack
        # traces before failing, so the logs stay quiet until it has opened and the failure is said in one line
        session.sparkContext.setLogLevel("OFF")
        try:
            session.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
        except Exception as exc:  # the metastore is a Derby database one process can hold at a time
            if "MetaStoreClient" in str(exc) or "XSDB6" in str(exc):
                raise BackendError(f"the Spark warehouse {warehouse} is in use by another process (its metastore "
                                   "admits one at a time): stop the other gigsight command or server") from None
            raise
        finally:
            session.sparkContext.setLogLevel("ERROR")
        session.catalog.setCurrentDatabase(database)
    elif not isinstance(session, SparkSession):
        raise ConfigError(f"connect() takes a URL string or a SparkSession, not {type(session).__name__}")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return SparkStore("spark", url, ibis.pyspark.connect(session))

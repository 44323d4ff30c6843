"""``connect(url)``: one store for every stage, by URL.

- ``duckdb:///abs/path/file.duckdb`` or ``duckdb://relative.duckdb`` (the default is
  ``duckdb://gigsight.duckdb``, in the working directory), or a bare path ending in ``.duckdb``/``.db``;
  ``duckdb://:memory:`` for a throwaway store;
- ``postgres://user:pass@host:port/db`` (also ``postgresql://``);
- ``pyspark://local`` (``pyspark://local[4]``) for a local Spark session, or a ``SparkSession`` object.

>>> store = connect("duckdb://:memory:")
>>> store.name, "payments" in store.tables()
('duckdb', True)
"""

from __future__ import annotations

import os
import tempfile
from typing import Any
from urllib.parse import unquote, urlparse

from gigsight.backends.base import REJECTS, Store, ibis_of, ibis_schema
from gigsight.backends.capabilities import CAPABILITIES
from gigsight.backends.engines import DuckDBStore, PostgresStore, SparkStore
from gigsight.config import Settings
from gigsight.errors import BackendError, ConfigError

__all__ = ["CAPABILITIES", "REJECTS", "Store", "connect", "ibis_of", "ibis_schema"]


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


def _spark(session: Any, url: str) -> Store:
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        raise BackendError("the spark backend needs the extra: pip install 'gigsight[spark]'") from None
    if session is None:
        master = url.split("://", 1)[1] or "local"
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        warehouse = tempfile.mkdtemp(prefix="gigsight-spark-")
        session = (
            SparkSession.builder.master(master).appName("gigsight")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.warehouse.dir", warehouse)
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
    elif not isinstance(session, SparkSession):
        raise ConfigError(f"connect() takes a URL string or a SparkSession, not {type(session).__name__}")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return SparkStore("spark", url, ibis.pyspark.connect(session))

"""Shared fixtures. ``store`` runs a test once per backend named in GIGSIGHT_TEST_BACKENDS
(``./run test`` sets duckdb,postgres,spark and starts the Postgres server it needs)."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gigsight
from gigsight.backends.base import Store
from tests.helpers.engines import BACKENDS

warnings.filterwarnings("ignore", category=DeprecationWarning)


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    store = gigsight.connect(f"pyspark://local[2]?warehouse={warehouse}", create=False)
    session = store.con._session
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _postgres_store() -> Iterator[Store]:
    import psycopg

    admin = os.environ.get("GIGSIGHT_TEST_PG_URL")
    if not admin:
        pytest.fail("GIGSIGHT_TEST_PG_URL is not set: run the suite with ./run test, which starts Postgres")
    name = f"gs_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    base = admin.rsplit("/", 1)[0]
    store = gigsight.connect(f"{base}/{name}")
    yield store
    store.close()
    with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f"DROP DATABASE {name} WITH (FORCE)")


def expect_notimpl(request: pytest.FixtureRequest, engine: str) -> None:
    """``@pytest.mark.notimpl(["spark"], reason=...)``: the test must fail on those engines (strict: once an engine
    can, the marker has to go), as Ibis marks what a backend lacks instead of branching inside the test."""
    mark = request.node.get_closest_marker("notimpl")
    if mark is not None and engine in mark.args[0]:
        request.applymarker(pytest.mark.xfail(strict=True, raises=AssertionError,
                                              reason=f"{engine}: {mark.kwargs.get('reason', 'not implemented')}"))


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store on each configured backend."""
    expect_notimpl(request, request.param)
    if request.param == "duckdb":
        s = gigsight.connect(f"duckdb://{tmp_path / 'store.duckdb'}")
        yield s
        s.close()
    elif request.param == "postgres":
        yield from _postgres_store()
    elif request.param == "spark":
        session = request.getfixturevalue("spark_session")
        db = f"gs_{uuid.uuid4().hex[:10]}"
        session.sql(f"CREATE DATABASE {db}")
        session.catalog.setCurrentDatabase(db)
        yield gigsight.connect(session)
        session.catalog.setCurrentDatabase("default")
        session.sql(f"DROP DATABASE {db} CASCADE")
    else:
        pytest.fail(f"unknown backend {request.param!r} in GIGSIGHT_TEST_BACKENDS")


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Store]:
    """A DuckDB store, for tests about inputs rather than engines."""
    s = gigsight.connect(f"duckdb://{tmp_path / 'duck.duckdb'}")
    yield s
    s.close()

"""``gigsight ingest --from postgres://...``: read the canonical tables of a live Postgres database.

Generated only when the suite runs with a Postgres server (``./run test``)."""

from __future__ import annotations

from pathlib import Path

import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.ingest.pipeline import ingest
from gigsight.ingest.sample import write_sample
from tests.helpers.engines import BACKENDS
from tests.helpers.files import table_rows

TABLES = ["clients", "freelancers", "freelancer_skills", "jobs", "proposals", "contracts", "payments"]


def _from_postgres(store: Store, duck: Store, tmp_path: Path) -> None:
    counts = write_sample(tmp_path / "in", clients=25, seed=11)
    ingest(store, tmp_path / "in")
    result = ingest(duck, source_url=store.url.replace(":***@", "@"))
    assert {s.table: s.loaded for s in result.sources} == counts
    assert all(s.source.startswith("postgres://") for s in result.sources)
    assert {t: table_rows(duck, t) for t in TABLES} == {t: table_rows(store, t) for t in TABLES}


if "postgres" in BACKENDS:  # a Postgres server is part of ./run test; plain pytest runs DuckDB only

    @pytest.mark.parametrize("store", ["postgres"], indirect=True)
    def test_ingest_from_a_postgres_database(store: Store, duck: Store, tmp_path: Path) -> None:
        _from_postgres(store, duck, tmp_path)


def test_unreachable_postgres_source_is_one_clear_error(duck: Store) -> None:
    with pytest.raises(gigsight.BackendError, match=r"cannot connect to Postgres at 127\.0\.0\.1:9"):
        ingest(duck, source_url="postgres://x:y@127.0.0.1:9/none")

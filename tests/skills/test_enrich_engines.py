"""The enrich stage on every engine: the same labels and skills byte for byte as DuckDB's for the same jobs, only
new jobs classified on a second run, and (on Spark, where jobs are labelled on the executors) a task that fails
on a worker leaves the previous labels in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.errors import BackendError
from gigsight.skills.classify import Classifier
from gigsight.skills.enrich import enrich
from gigsight.skills.extract import Matcher
from tests.helpers.engines import BACKENDS

LABELS = ["job_id", "is_ai", "ai_kind", "ai_score", "category_inferred", "category_confidence", "category_source",
          "reason", "fingerprint"]


def _table(store: Store, name: str, columns: list[str]) -> pd.DataFrame:
    df = store.con.table(name).select(*columns).to_pandas().sort_values(columns).reset_index(drop=True)
    return df.astype(object).where(df.notna(), None)


def _add_jobs(store: Store, tmp: Path, rows: list[dict[str, Any]]) -> None:
    """Append trusted job rows (the columns the labeller reads, an existing client) the way generated data lands."""
    client = store.con.table("jobs").limit(1).select("client_id", "posted_at").to_pyarrow()
    folder = tmp / f"jobs-{len(list(tmp.glob('jobs-*')))}"
    folder.mkdir()
    n = len(rows)
    pq.write_table(pa.table({"job_id": [r["job_id"] for r in rows], "client_id": client["client_id"].to_pylist() * n,
                             "posted_at": client["posted_at"].to_pylist() * n,
                             "title": [r["title"] for r in rows], "description": [""] * n, "skills": [""] * n}),
                   folder / "part-0.parquet")
    store.bulk_load("jobs", folder)


@pytest.mark.backend
def test_labels_match_duckdb_and_only_new_jobs_are_classified(store: Store, duck: Store, tmp_path: Path) -> None:
    for s in (store, duck):
        gigsight.simulate(s, "steady", scale=0.0005, seed=11, validate=False)
        first = gigsight.enrich(s)
        assert first.classified == first.jobs > 0 and first.reused == 0
    assert _table(store, "job_labels", LABELS).equals(_table(duck, "job_labels", LABELS))
    skills = ["job_id", "skill_id", "source"]
    assert _table(store, "job_skills", skills).equals(_table(duck, "job_skills", skills))

    new = [{"job_id": "new-1", "title": "Fine-tune Llama 3 on support tickets"},
           {"job_id": "new-2", "title": "Bookkeeping in QuickBooks for a bakery"}]
    _add_jobs(store, tmp_path, new)
    again = gigsight.enrich(store)
    assert (again.classified, again.reused) == (2, first.jobs)
    labels = _table(store, "job_labels", LABELS).set_index("job_id")
    assert len(labels) == first.jobs + 2
    assert labels.loc["new-1", "is_ai"] and not labels.loc["new-2", "is_ai"]
    got = set(_table(store, "job_skills", skills).query("job_id.str.startswith('new-')").skill_id)
    assert {"quickbooks", "bookkeeping"} <= got  # the new jobs' skills are written beside the kept ones


@pytest.mark.skipif("spark" not in BACKENDS, reason="Spark is not among GIGSIGHT_TEST_BACKENDS")
def test_a_task_failing_on_a_spark_worker_keeps_the_previous_labels(tmp_path: Path,
                                                                     spark_session: Any) -> None:
    store = gigsight.connect(spark_session)
    db = "gs_failing_worker"
    spark_session.sql(f"CREATE DATABASE IF NOT EXISTS {db}")
    spark_session.catalog.setCurrentDatabase(db)
    try:
        gigsight.simulate(store, "steady", scale=0.0005, seed=3, validate=False)
        gigsight.enrich(store)
        before = _table(store, "job_labels", LABELS)
        _add_jobs(store, tmp_path, [{"job_id": "boom-1", "title": "boom"}])
        c = Classifier(Matcher.default())
        classify = c.classify

        def failing(title: object, *rest: Any) -> Any:  # pickled by value with the task, as a user's code would be
            if title == "boom":
                raise RuntimeError("the worker lost its disk")
            return classify(title, *rest)

        c.classify = failing  # type: ignore[method-assign]
        with pytest.raises(BackendError, match="failed, previous labels kept: RuntimeError: the worker lost its disk"):
            enrich(store, classifier=c)
        assert _table(store, "job_labels", LABELS).equals(before)
    finally:
        spark_session.catalog.setCurrentDatabase("default")
        spark_session.sql(f"DROP DATABASE {db} CASCADE")

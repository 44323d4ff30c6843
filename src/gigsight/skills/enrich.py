"""The enrich stage: skills, AI verdict and category of every job, and freelancer profiles, written to the store.

Writes five tables (replacing them whole, the same way on DuckDB, Postgres and Spark, through ``Store.bulk_load``):
``skills`` (the taxonomy in use), ``job_labels`` (job_id, is_ai, ai_kind, ai_score, category_inferred,
category_confidence, category_source, reason, fingerprint),
``job_skills`` (job_id, skill_id, source), ``freelancer_profile``
(freelancer_id, skills, n_skills, n_ai_skills, is_ai_specialist) and ``freelancer_canonical_skills``
(freelancer_id, skill_id). Idempotent: a job whose fingerprint (its text, tags, category, the classifier version
and the taxonomy's digest) did not change keeps its labels without being classified again.

Freelancer rule (documented in docs/skills.md): a freelancer is AI-specialised by profile when at least two of their
canonical profile skills are AI skills (weak ones such as ChatGPT do not count) and AI skills are at least half of
them. The KPI engine also counts a freelancer as AI-specialised when more than half of trailing-12-month earnings
come from AI jobs.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from gigsight.backends.base import Store, bounded_memory
from gigsight.progress import Progress, task
from gigsight.skills.classify import Classifier
from gigsight.skills.job_labels import (
    JOB_COLUMNS,
    JOB_SKILLS_SCHEMA,
    LABEL_COLUMNS,
    LABEL_SCHEMA,
    label_batch,
    version_of,
)
from gigsight.skills.spark_labels import label_on_spark
from gigsight.skills.taxonomy import Taxonomy

BATCH = 20_000
ENGINE_MEMORY = "512MB"


@dataclass(frozen=True)
class EnrichResult:
    """What one run did."""

    jobs: int
    classified: int
    reused: int
    ai_jobs: int
    job_skills: int
    freelancers: int
    ai_specialists: int


def enrich(store: Store, progress: Progress | None = None, classifier: Classifier | None = None) -> EnrichResult:
    """Label every job and profile every freelancer of ``store`` (see the module docstring).

    Jobs stream in no particular order with their previous fingerprint joined by the engine; only changed jobs
    are classified, and the labels and skills of the others are carried over from the previous tables by a
    local DuckDB. Everything is written batch by batch to Parquet parts, and every DuckDB involved works within
    ENGINE_MEMORY and spills beyond it, so memory stays flat however many jobs there are.
    """
    with store.atomically(), bounded_memory(store.con, ENGINE_MEMORY):
        return _enrich(store, progress, classifier or Classifier.default())


def _enrich(store: Store, progress: Progress | None, c: Classifier) -> EnrichResult:
    version = version_of(c)
    out = store.tmpdir() / "enrich"
    n_jobs = int(store.con.table("jobs").count().execute())
    advance = task(progress, "enrich jobs", n_jobs, "jobs")
    if store.name == "spark":  # classified on the executors, never through this process
        label_parts, skill_parts, classified, reused = label_on_spark(store, c, version, out, advance)
    else:
        label_parts, skill_parts, classified, reused = _label_here(store, c, version, out, advance)
    ai, n_skills = _counts(out, label_parts, skill_parts)
    n_free, n_specialists, profiles = _profiles(store, c, out)
    # every derived table in one replacement: a run killed half-way must not leave new labels beside old skills
    store.bulk_replace({"skills": _parts_of(out, "skills", _skills_table(c.matcher.taxonomy)),
                        "job_labels": label_parts, "job_skills": skill_parts, **profiles})
    return EnrichResult(n_jobs, classified, reused, ai, n_skills, n_free, n_specialists)


def _label_here(store: Store, c: Classifier, version: str, out: Path,
                advance: Callable[[int], None]) -> tuple[Path, Path, int, int]:
    """Label the jobs in this process, batch by batch (DuckDB, Postgres): the label and job-skill parts, and how
    many jobs were classified and how many kept their labels."""
    labels = _Parts(out / "job_labels", LABEL_SCHEMA)
    job_skills = _Parts(out / "job_skills", JOB_SKILLS_SCHEMA)
    reused_ids = _Parts(out / "reused", pa.schema([("job_id", pa.string())]))
    classified = reused = 0
    for b in _jobs_with_previous(store).to_pyarrow_batches(chunk_size=BATCH):
        done = label_batch(c, version, b.to_pydict())
        labels.write(done.labels)
        job_skills.write(done.skill_columns())
        reused_ids.write({"job_id": done.kept})
        classified, reused = classified + len(done.labels["job_id"]), reused + len(done.kept)
        advance(b.num_rows)
    if reused:
        _carry_over(store, out, reused_ids.close(), labels, job_skills)
    return labels.close(), job_skills.close(), classified, reused  # closed once: an empty one gets a part


def _jobs_with_previous(store: Store) -> Any:
    """Every job's inputs, with the previous run's fingerprint (``prev_fingerprint``) when a run left labels:
    one streamed query, in no particular order. Sorting jobs by id to merge them with the previous labels held
    every job's text in memory (1.9 GB of a 2.75 GB peak at 4M jobs)."""
    jobs = store.con.table("jobs").select(*JOB_COLUMNS)
    have = set(store.tables())
    if not ({"job_labels", "job_skills"} <= have and "fingerprint" in store.con.table("job_labels").columns):
        return jobs
    lab = store.con.table("job_labels")
    lab = lab.select(lab_id=lab.job_id, prev_fingerprint=lab.fingerprint)
    return jobs.left_join(lab, jobs.job_id == lab.lab_id).select(*JOB_COLUMNS, "prev_fingerprint")


def _local(root: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB of our own for the enrich stage's Parquet parts, bounded in memory, spilling under ``root``."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{ENGINE_MEMORY}'")
    con.execute(f"SET temp_directory = '{root / 'spill'}'")
    return con


def _carry_over(store: Store, out: Path, reused: Path, labels: _Parts, job_skills: _Parts) -> None:
    """Add the previous labels and skills of the reused jobs to the new parts: copied out of the store as they
    stream, then picked by job id in a local DuckDB (any store engine, bounded memory)."""
    old = out / "previous"
    old.mkdir(parents=True, exist_ok=True)
    _copy_out(store.con.table("job_labels").select(*LABEL_COLUMNS), old / "labels.parquet")
    _copy_out(store.con.table("job_skills").select("job_id", "skill_id", "source"), old / "skills.parquet")
    con = _local(out)
    try:
        for parts, name in ((labels, "labels"), (job_skills, "skills")):
            sql = (f"SELECT o.* FROM read_parquet('{old / name}.parquet') o "
                   f"SEMI JOIN read_parquet('{reused}/*.parquet') r ON o.job_id = r.job_id")
            reader = con.execute(sql).fetch_record_batch(BATCH)
            for batch in reader:
                parts.write(pa.Table.from_batches([batch]).cast(parts.schema).to_pydict())
    finally:
        con.close()


def _counts(out: Path, labels: Path, job_skills: Path) -> tuple[int, int]:
    """AI jobs and job skills in the parts about to be loaded."""
    con = _local(out)
    try:
        ai = con.execute(f"SELECT count(*) FILTER (WHERE is_ai) FROM read_parquet('{labels}/*.parquet')").fetchone()
        n = con.execute(f"SELECT count(*) FROM read_parquet('{job_skills}/*.parquet')").fetchone()
    finally:
        con.close()
    return int(ai[0]) if ai else 0, int(n[0]) if n else 0


def _copy_out(expr: Any, path: Path) -> None:
    """Stream a query's rows into one Parquet file."""
    writer: pq.ParquetWriter | None = None
    for b in expr.to_pyarrow_batches(chunk_size=BATCH):
        if writer is None:
            writer = pq.ParquetWriter(path, b.schema)
        writer.write_batch(b)
    if writer is None:
        pq.write_table(expr.schema().to_pyarrow().empty_table(), path)
    else:
        writer.close()


class _Parts:
    """A folder of Parquet parts written one batch at a time (an empty table still gets one part, for its schema)."""

    def __init__(self, folder: Path, schema: pa.Schema) -> None:
        self.folder, self.schema, self.n = folder, schema, 0
        folder.mkdir(parents=True, exist_ok=True)
        for f in folder.glob("*.parquet"):
            f.unlink()

    def write(self, columns: dict[str, list[Any]]) -> None:
        if self.n and not next(iter(columns.values())):
            return
        pq.write_table(pa.table(columns, schema=self.schema), self.folder / f"part-{self.n:05d}.parquet")
        self.n += 1

    def close(self) -> Path:
        if self.n == 0:
            self.write({f.name: [] for f in self.schema})
        return self.folder


def _skills_table(tax: Taxonomy) -> pa.Table:
    s = tax.skills
    return pa.table({"skill_id": [x.skill_id for x in s], "name": [x.name for x in s],
                     "category": [x.category for x in s], "is_ai": [x.is_ai for x in s],
                     "ai_kind": [x.ai_kind for x in s], "weak_ai": [x.weak_ai for x in s]})


PROFILE_SCHEMA = pa.schema([("freelancer_id", pa.string()), ("skills", pa.string()), ("n_skills", pa.int64()),
                            ("n_ai_skills", pa.int64()), ("is_ai_specialist", pa.bool_())])
CANONICAL_SCHEMA = pa.schema([("freelancer_id", pa.string()), ("skill_id", pa.string())])


def _profiles(store: Store, c: Classifier, out: Path) -> tuple[int, int, dict[str, Path]]:
    """freelancer_profile and freelancer_canonical_skills as Parquet parts (and the counts), streaming skills in
    freelancer order."""
    prof, canonical = _Parts(out / "freelancer_profile", PROFILE_SCHEMA), _Parts(out / "freelancer_canonical_skills",
                                                                                CANONICAL_SCHEMA)
    n_free = n_ai = 0
    fs = store.con.table("freelancer_skills").select("freelancer_id", "skill").order_by("freelancer_id")
    current: str | None = None
    mine: dict[str, tuple[str, bool]] = {}  # skill_id -> (name, counts as AI)
    rows: list[tuple[str, str, int, int, bool]] = []
    pairs: list[tuple[str, str]] = []

    def close_one() -> None:
        nonlocal n_free, n_ai
        if current is None:
            return
        k, a = len(mine), sum(ai for _, ai in mine.values())
        specialist = a >= 2 and 2 * a >= k
        rows.append((current, "|".join(sorted(name for name, _ in mine.values())), k, a, specialist))
        pairs.extend((current, sid) for sid in mine)
        n_free, n_ai = n_free + 1, n_ai + specialist

    def flush() -> None:
        prof.write({f.name: [r[i] for r in rows] for i, f in enumerate(PROFILE_SCHEMA)})
        canonical.write({"freelancer_id": [p[0] for p in pairs], "skill_id": [p[1] for p in pairs]})
        rows.clear()
        pairs.clear()

    for b in fs.to_pyarrow_batches(chunk_size=BATCH):
        d = b.to_pydict()
        for fid, raw in zip(d["freelancer_id"], d["skill"], strict=True):
            if fid != current:
                close_one()
                current, mine = fid, {}
            for sk in c.matcher.tags(raw):
                mine[sk.skill_id] = (sk.name, sk.is_ai and not sk.weak_ai)  # "ChatGPT": a tool, not a specialism
        if len(rows) >= BATCH:
            flush()
    close_one()
    flush()
    return n_free, n_ai, {"freelancer_profile": prof.close(), "freelancer_canonical_skills": canonical.close()}


def _parts_of(root: Path, name: str, table: pa.Table) -> Path:
    parts = _Parts(root / name, table.schema)
    parts.write(table.to_pydict())
    return parts.close()

"""The enrich stage: skills, AI verdict and category of every job, and freelancer profiles, written to the store.

Writes five tables (replacing them whole, the same way on DuckDB, Postgres and Spark, through ``Store.bulk_load``):
``skills`` (the taxonomy in use), ``job_labels`` (job_id, is_ai, ai_kind, ai_score, category_inferred,
category_source, reason, fingerprint), ``job_skills`` (job_id, skill_id, source), ``freelancer_profile``
(freelancer_id, skills, n_skills, n_ai_skills, is_ai_specialist) and ``freelancer_canonical_skills``
(freelancer_id, skill_id). Idempotent: a job whose fingerprint (its text, tags, category, the classifier version
and the taxonomy's digest) did not change keeps its labels without being classified again.

Freelancer rule (documented in docs/skills.md): a freelancer is AI-specialised by profile when at least two of their
canonical profile skills are AI skills (weak ones such as ChatGPT do not count) and AI skills are at least half of
them. The KPI engine also counts a freelancer as AI-specialised when more than half of trailing-12-month earnings
come from AI jobs.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gigsight.backends.base import Store, bounded_memory
from gigsight.ingest.pipeline import progress_bar
from gigsight.skills.classify import Classifier
from gigsight.skills.taxonomy import Taxonomy

VERSION = "classifier-2026.11.1"  # bump when the rules change: every job is then classified again
BATCH = 20_000
ENGINE_MEMORY = "1GB"


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


def fingerprint(*parts: object) -> str:
    """A short digest of a job's inputs (the first part: the classifier version and taxonomy digest).

    >>> fingerprint("v1", "Logo design", None) == fingerprint("v1", "Logo design", "")
    True
    >>> fingerprint("v1", "Logo design") != fingerprint("v2", "Logo design")
    True
    """
    h = hashlib.blake2b(digest_size=12)
    for p in parts:
        h.update(b"\x1f" + (p if isinstance(p, str) else "").encode("utf-8", "replace"))
    return h.hexdigest()


def enrich(store: Store, show_progress: bool = True, classifier: Classifier | None = None) -> EnrichResult:
    """Label every job and profile every freelancer of ``store`` (see the module docstring).

    Jobs and the previous labels are both read ordered by job_id and merged as they stream, and the new tables
    are written batch by batch to Parquet parts; a DuckDB store sorts within ENGINE_MEMORY and spills beyond it,
    so memory stays flat however many jobs there are.
    """
    with bounded_memory(store.con, ENGINE_MEMORY):
        return _enrich(store, show_progress, classifier or Classifier.default())


def _enrich(store: Store, show_progress: bool, c: Classifier) -> EnrichResult:
    version = f"{VERSION}/{c.matcher.taxonomy.digest}"  # new rules or a new taxonomy relabel every job
    out = store.tmpdir() / "enrich"
    old = _OldLabels(store, out / "previous")
    jobs = store.con.table("jobs")
    n_jobs = int(jobs.count().execute())
    labels = _Parts(out / "job_labels", LABEL_SCHEMA)
    job_skills = _Parts(out / "job_skills", JOB_SKILLS_SCHEMA)
    classified = reused = ai = n_skills = 0
    cols = ["job_id", "title", "description", "skills", "category"]
    with progress_bar(show_progress) as advance_for:
        advance = advance_for("enrich jobs", n_jobs)
        for b in jobs.select(*cols).order_by("job_id").to_pyarrow_batches(chunk_size=BATCH):
            d = b.to_pydict()
            rows: list[list[Any]] = []
            js: list[tuple[str, str]] = []
            for jid, t, desc, tags, cat in zip(*(d[k] for k in cols), strict=True):
                fp = fingerprint(version, t, desc, tags, cat)
                prev = old.get(jid)
                if prev is not None and prev[0][-1] == fp:
                    reused += 1
                    row, skills = prev
                else:
                    classified += 1
                    r = c.classify(t, desc, tags, cat)
                    row = [jid, r.is_ai, r.ai_kind, r.ai_score, r.category, r.category_source, r.reason, fp]
                    skills = [s.skill_id for s in r.skills]
                ai += bool(row[1])
                rows.append(row)
                js.extend((jid, sid) for sid in skills)
            labels.write({k: [r[i] for r in rows] for i, k in enumerate(LABEL_COLUMNS)})
            job_skills.write({"job_id": [x[0] for x in js], "skill_id": [x[1] for x in js],
                              "source": ["enrich"] * len(js)})
            n_skills += len(js)
            advance(b.num_rows)
    _replace(store, out, "skills", _skills_table(c.matcher.taxonomy))
    for parts, name in ((labels, "job_labels"), (job_skills, "job_skills")):
        store.bulk_load(name, parts.close(), create=True)
    n_free, n_specialists = _profiles(store, c, out)
    return EnrichResult(n_jobs, classified, reused, ai, n_skills, n_free, n_specialists)


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


class _OldLabels:
    """The previous run's labels and skills, streamed in job_id order; ``get`` must be called in that order.

    A job the stream does not hold (new, or ordered differently by the engine's collation) is classified again:
    the merge can cost work, never correctness.
    """

    def __init__(self, store: Store, folder: Path) -> None:
        have = set(store.tables())
        self._rows: Iterator[tuple[str, tuple[list[Any], list[str]]]] = iter(())
        if {"job_labels", "job_skills"} <= have and "fingerprint" in store.con.table("job_labels").columns:
            # copied out first: one connection cannot stream three queries at once (DuckDB drops the others)
            folder.mkdir(parents=True, exist_ok=True)
            lab = store.con.table("job_labels").select(*LABEL_COLUMNS).order_by("job_id")
            js = store.con.table("job_skills").select("job_id", "skill_id").order_by("job_id")
            _copy_out(lab, folder / "labels.parquet")
            _copy_out(js, folder / "skills.parquet")
            self._rows = self._stream(folder)
        self._head: tuple[str, tuple[list[Any], list[str]]] | None = next(self._rows, None)

    @staticmethod
    def _stream(folder: Path) -> Iterator[tuple[str, tuple[list[Any], list[str]]]]:
        skills = _pairs(pq.ParquetFile(folder / "skills.parquet").iter_batches(batch_size=BATCH))
        nxt = next(skills, None)
        for b in pq.ParquetFile(folder / "labels.parquet").iter_batches(batch_size=BATCH):
            d = b.to_pydict()
            for row in zip(*(d[k] for k in LABEL_COLUMNS), strict=True):
                jid = row[0]
                mine = []
                while nxt is not None and nxt[0] <= jid:
                    if nxt[0] == jid:
                        mine.append(nxt[1])
                    nxt = next(skills, None)
                yield jid, (list(row), mine)

    def get(self, job_id: str) -> tuple[list[Any], list[str]] | None:
        while self._head is not None and self._head[0] < job_id:
            self._head = next(self._rows, None)
        if self._head is not None and self._head[0] == job_id:
            return self._head[1]
        return None


def _copy_out(expr: Any, path: Path) -> None:
    """Stream a query's rows into one Parquet file (in the query's order)."""
    writer: pq.ParquetWriter | None = None
    for b in expr.to_pyarrow_batches(chunk_size=BATCH):
        if writer is None:
            writer = pq.ParquetWriter(path, b.schema)
        writer.write_batch(b)
    if writer is None:
        pq.write_table(expr.schema().to_pyarrow().empty_table(), path)
    else:
        writer.close()


def _pairs(batches: Iterator[pa.RecordBatch]) -> Iterator[tuple[str, str]]:
    for b in batches:
        d = b.to_pydict()
        yield from zip(d["job_id"], d["skill_id"], strict=True)


LABEL_COLUMNS = ("job_id", "is_ai", "ai_kind", "ai_score", "category_inferred", "category_source", "reason",
                 "fingerprint")
LABEL_SCHEMA = pa.schema([("job_id", pa.string()), ("is_ai", pa.bool_()), ("ai_kind", pa.string()),
                          ("ai_score", pa.float64()), ("category_inferred", pa.string()),
                          ("category_source", pa.string()), ("reason", pa.string()), ("fingerprint", pa.string())])
JOB_SKILLS_SCHEMA = pa.schema([("job_id", pa.string()), ("skill_id", pa.string()), ("source", pa.string())])


def _skills_table(tax: Taxonomy) -> pa.Table:
    s = tax.skills
    return pa.table({"skill_id": [x.skill_id for x in s], "name": [x.name for x in s],
                     "category": [x.category for x in s], "is_ai": [x.is_ai for x in s],
                     "ai_kind": [x.ai_kind for x in s], "weak_ai": [x.weak_ai for x in s]})


PROFILE_SCHEMA = pa.schema([("freelancer_id", pa.string()), ("skills", pa.string()), ("n_skills", pa.int64()),
                            ("n_ai_skills", pa.int64()), ("is_ai_specialist", pa.bool_())])
CANONICAL_SCHEMA = pa.schema([("freelancer_id", pa.string()), ("skill_id", pa.string())])


def _profiles(store: Store, c: Classifier, out: Path) -> tuple[int, int]:
    """Write freelancer_profile and freelancer_canonical_skills, streaming skills in freelancer order."""
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
    store.bulk_load("freelancer_profile", prof.close(), create=True)
    store.bulk_load("freelancer_canonical_skills", canonical.close(), create=True)
    return n_free, n_ai


def _replace(store: Store, root: Path, name: str, table: pa.Table) -> None:
    parts = _Parts(root / name, table.schema)
    parts.write(table.to_pydict())
    store.bulk_load(name, parts.close(), create=True)

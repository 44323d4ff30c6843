"""The enrich stage: skills, AI verdict and category of every job, and freelancer profiles, written to the store.

Writes five tables (replacing them whole, the same way on DuckDB, Postgres and Spark, through ``Store.bulk_load``):
``skills`` (the taxonomy in use), ``job_labels`` (job_id, is_ai, ai_kind, ai_score, category_inferred,
category_source, reason, fingerprint), ``job_skills`` (job_id, skill_id, source), ``freelancer_profile``
(freelancer_id, skills, n_skills, n_ai_skills, is_ai_specialist) and ``freelancer_canonical_skills``
(freelancer_id, skill_id). Idempotent: a job whose fingerprint (its text,
tags, category and the classifier version) did not change keeps its labels without being classified again.

Freelancer rule (documented in docs/skills.md): a freelancer is AI-specialised by profile when at least two of their
canonical profile skills are AI skills (weak ones such as ChatGPT do not count) and AI skills are at least half of
them. The KPI engine also counts a freelancer as AI-specialised when more than half of trailing-12-month earnings
come from AI jobs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gigsight.backends.base import Store
from gigsight.ingest.pipeline import progress_bar
from gigsight.skills.classify import Classifier
from gigsight.skills.taxonomy import Taxonomy

VERSION = "classifier-2026.11.1"  # bump when the rules change: every job is then classified again
BATCH = 20_000


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
    """A short digest of a job's inputs and the classifier version."""
    h = hashlib.blake2b(digest_size=12)
    for p in (VERSION, *parts):
        h.update(b"\x1f" + (p if isinstance(p, str) else "").encode("utf-8", "replace"))
    return h.hexdigest()


def enrich(store: Store, show_progress: bool = True, classifier: Classifier | None = None) -> EnrichResult:
    """Label every job and profile every freelancer of ``store`` (see the module docstring)."""
    c = classifier or Classifier.default()
    have = set(store.tables())
    old = _existing(store, have)
    jobs = store.con.table("jobs")
    n_jobs = int(jobs.count().execute())
    out = store.tmpdir() / "enrich"
    labels_rows: dict[str, list[Any]] = {k: [] for k in LABEL_COLUMNS}
    js_rows: dict[str, list[Any]] = {"job_id": [], "skill_id": [], "source": []}
    classified = reused = ai = 0
    cols = ["job_id", "title", "description", "skills", "category"]
    with progress_bar(show_progress) as advance_for:
        advance = advance_for("enrich jobs", n_jobs)
        for b in jobs.select(*cols).to_pyarrow_batches(chunk_size=BATCH):
            d = b.to_pydict()
            for jid, t, desc, tags, cat in zip(*(d[k] for k in cols), strict=True):
                fp = fingerprint(t, desc, tags, cat)
                prev = old.get(jid)
                if prev is not None and prev[0] == fp:
                    reused += 1
                    row, skills = prev[1], prev[2]
                else:
                    classified += 1
                    r = c.classify(t, desc, tags, cat)
                    row = [jid, r.is_ai, r.ai_kind, r.ai_score, r.category, r.category_source, r.reason, fp]
                    skills = [s.skill_id for s in r.skills]
                ai += bool(row[1])
                for k, v in zip(LABEL_COLUMNS, row, strict=True):
                    labels_rows[k].append(v)
                for sid in skills:
                    js_rows["job_id"].append(jid)
                    js_rows["skill_id"].append(sid)
                    js_rows["source"].append("enrich")
            advance(b.num_rows)
    _replace(store, out, "skills", _skills_table(c.matcher.taxonomy))
    _replace(store, out, "job_labels", pa.table(labels_rows, schema=LABEL_SCHEMA))
    _replace(store, out, "job_skills", pa.table(js_rows, schema=JOB_SKILLS_SCHEMA))
    prof, canonical = _profiles(store, c)
    _replace(store, out, "freelancer_profile", prof)
    _replace(store, out, "freelancer_canonical_skills", canonical)
    return EnrichResult(n_jobs, classified, reused, ai, len(js_rows["job_id"]), prof.num_rows,
                        sum(prof.column("is_ai_specialist").to_pylist()))


LABEL_COLUMNS = ("job_id", "is_ai", "ai_kind", "ai_score", "category_inferred", "category_source", "reason",
                 "fingerprint")
LABEL_SCHEMA = pa.schema([("job_id", pa.string()), ("is_ai", pa.bool_()), ("ai_kind", pa.string()),
                          ("ai_score", pa.float64()), ("category_inferred", pa.string()),
                          ("category_source", pa.string()), ("reason", pa.string()), ("fingerprint", pa.string())])
JOB_SKILLS_SCHEMA = pa.schema([("job_id", pa.string()), ("skill_id", pa.string()), ("source", pa.string())])


def _existing(store: Store, have: set[str]) -> dict[str, tuple[str, list[Any], list[str]]]:
    """job_id -> (fingerprint, label row, skill ids) of the last run, to skip unchanged jobs."""
    if not {"job_labels", "job_skills"} <= have:
        return {}
    lab = store.con.table("job_labels")
    if "fingerprint" not in lab.columns:
        return {}
    d = lab.select(*LABEL_COLUMNS).to_pyarrow().to_pydict()
    skills: dict[str, list[str]] = {}
    js = store.con.table("job_skills").select("job_id", "skill_id").to_pyarrow().to_pydict()
    for j, s in zip(js["job_id"], js["skill_id"], strict=True):
        skills.setdefault(j, []).append(s)
    rows = zip(*(d[k] for k in LABEL_COLUMNS), strict=True)
    return {r[0]: (r[-1], list(r), skills.get(r[0], [])) for r in rows}


def _skills_table(tax: Taxonomy) -> pa.Table:
    s = tax.skills
    return pa.table({"skill_id": [x.skill_id for x in s], "name": [x.name for x in s],
                     "category": [x.category for x in s], "is_ai": [x.is_ai for x in s],
                     "ai_kind": [x.ai_kind for x in s], "weak_ai": [x.weak_ai for x in s]})


def _profiles(store: Store, c: Classifier) -> tuple[pa.Table, pa.Table]:
    fs = store.con.table("freelancer_skills").select("freelancer_id", "skill").to_pyarrow().to_pydict()
    by: dict[str, dict[str, bool]] = {}
    pairs: dict[tuple[str, str], None] = {}
    for fid, raw in zip(fs["freelancer_id"], fs["skill"], strict=True):
        mine = by.setdefault(fid, {})
        for s in c.matcher.tags(raw):
            mine[s.name] = s.is_ai and not s.weak_ai  # "ChatGPT" on a profile is a tool, not a specialism
            pairs[(fid, s.skill_id)] = None
    ids = sorted(by)
    n = [len(by[f]) for f in ids]
    n_ai = [sum(by[f].values()) for f in ids]
    prof = pa.table({"freelancer_id": ids, "skills": ["|".join(sorted(by[f])) for f in ids], "n_skills": n,
                     "n_ai_skills": n_ai,
                     "is_ai_specialist": [a >= 2 and 2 * a >= t for a, t in zip(n_ai, n, strict=True)]})
    canonical = pa.table({"freelancer_id": pa.array([p[0] for p in pairs], pa.string()),
                          "skill_id": pa.array([p[1] for p in pairs], pa.string())})
    return prof, canonical


def _replace(store: Store, root: Path, name: str, table: pa.Table) -> None:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for f in folder.glob("*.parquet"):
        f.unlink()
    pq.write_table(table, folder / "part-0.parquet")
    store.bulk_load(name, folder, create=True)

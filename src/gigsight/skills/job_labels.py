"""One batch of jobs in, their labels and skills out: the step every engine runs, the same way, so a job gets the
same labels byte for byte whether DuckDB streams it through this process or Spark hands it to an executor.

A job whose fingerprint (its text, tags, category, the classifier version and the taxonomy's digest) equals the
one its previous labels were made from is not classified again; it is listed as kept.

>>> from gigsight.skills.classify import Classifier
>>> out = label_batch(Classifier.default(), "v1", {"job_id": ["j1", "j2"], "title": ["Fine-tune an LLM", "Logo"],
...                   "description": ["", ""], "skills": ["", ""], "category": [None, None],
...                   "prev_fingerprint": [None, fingerprint("v1", "Logo", "", "", None)]})
>>> out.labels["job_id"], out.labels["is_ai"], out.kept
(['j1'], [True], ['j2'])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from gigsight.skills.classify import Classifier

VERSION = "classifier-2026.12.1"  # bump when the rules change: every job is then classified again

JOB_COLUMNS = ("job_id", "title", "description", "skills", "category")
LABEL_COLUMNS = ("job_id", "is_ai", "ai_kind", "ai_score", "category_inferred", "category_confidence",
                 "category_source", "reason", "fingerprint")
LABEL_SCHEMA = pa.schema([("job_id", pa.string()), ("is_ai", pa.bool_()), ("ai_kind", pa.string()),
                          ("ai_score", pa.float64()), ("category_inferred", pa.string()),
                          ("category_confidence", pa.float64()), ("category_source", pa.string()),
                          ("reason", pa.string()), ("fingerprint", pa.string())])
JOB_SKILLS_SCHEMA = pa.schema([("job_id", pa.string()), ("skill_id", pa.string()), ("source", pa.string())])


def version_of(c: Classifier) -> str:
    """The version a fingerprint starts with: new rules or a new taxonomy relabel every job."""
    return f"{VERSION}/{c.matcher.taxonomy.digest}"


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


@dataclass
class Labelled:
    """A batch's result: label columns and (job_id, skill_id) pairs of the jobs classified, ids of those kept."""

    labels: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in LABEL_COLUMNS})
    skills: list[tuple[str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def skill_columns(self) -> dict[str, list[str]]:
        """The skills as job_skills columns (source "enrich")."""
        return {"job_id": [s[0] for s in self.skills], "skill_id": [s[1] for s in self.skills],
                "source": ["enrich"] * len(self.skills)}


def label_batch(c: Classifier, version: str, d: dict[str, list[Any]]) -> Labelled:
    """Classify the jobs of ``d`` (columns :data:`JOB_COLUMNS`, optionally ``prev_fingerprint``) not yet labelled
    from the same inputs."""
    out = Labelled()
    previous = d.get("prev_fingerprint") or [None] * len(d["job_id"])
    for jid, t, desc, tags, cat, prev in zip(*(d[k] for k in JOB_COLUMNS), previous, strict=True):
        fp = fingerprint(version, t, desc, tags, cat)
        if prev == fp:  # same inputs, same rules: the previous labels stand
            out.kept.append(jid)
            continue
        r = c.classify(t, desc, tags, cat)
        for k, v in zip(LABEL_COLUMNS, (jid, r.is_ai, r.ai_kind, r.ai_score, r.category, r.category_confidence,
                                         r.category_source, r.reason, fp), strict=True):
            out.labels[k].append(v)
        out.skills.extend((jid, s.skill_id) for s in r.skills)
    return out

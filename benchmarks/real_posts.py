"""Readers of the real job posts in ../shared/data/jobs (never copied into the repository).

Each reader yields dicts with a stable ``post_id`` ("<file>:<key>"), ``title``, ``description``, ``tags`` (as the file
writes them) and, where the file has one, ``category`` (Upwork subcategory). Evaluation scripts join the label files
in benchmarks/labels/ (ids and labels only) to these posts by ``post_id``.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

Post = dict[str, str]


def _key(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:10]


def _s(v: object) -> str:
    return v if isinstance(v, str) else ""


def four_tracks(root: Path) -> Iterator[Post]:
    for f in sorted((root / "upwork_2025_four_tracks").glob("*.csv")):
        for r in pd.read_csv(f).itertuples():
            m = re.search(r"~(\w+)", _s(r.url))
            key = m.group(1) if m else _key(r.title, r.description)
            yield {"post_id": f"four_tracks:{key}", "title": _s(r.title), "description": _s(r.description),
                   "tags": _s(r.skills), "category": ""}


def powerbi_rss(root: Path) -> Iterator[Post]:
    for r in pd.read_csv(root / "upwork_2024_powerbi_rss.csv").itertuples():
        yield {"post_id": f"powerbi_rss:{r.job_key}", "title": _s(r.title), "description": _s(r.description_text),
               "tags": _s(r.skills), "category": _s(r.category)}


def freelancer_2020(root: Path) -> Iterator[Post]:
    for r in json.loads((root / "freelancer_2020_projects.json").read_text()):
        tags = r.get("skills and expertise") or []
        yield {"post_id": f"freelancer_2020:{_key(r.get('title'), r.get('description'))}", "title": _s(r.get("title")),
               "description": _s(r.get("description")), "tags": "|".join(tags), "category": ""}


def data_analyst(root: Path) -> Iterator[Post]:
    for r in json.loads((root / "upwork_2024_data_analyst.json").read_text()):
        tags = r.get("skills") or []
        yield {"post_id": f"data_analyst:{_key(r.get('job_id'), r.get('title'), r.get('description'))}",
               "title": _s(r.get("title")), "description": _s(r.get("description")),
               "tags": "|".join(tags) if isinstance(tags, list) else _s(tags), "category": ""}


READERS = (four_tracks, powerbi_rss, freelancer_2020, data_analyst)


def all_posts(root: Path) -> dict[str, Post]:
    """Every post of the readers above, de-duplicated on post_id (files repeat rows across snapshots)."""
    out: dict[str, Post] = {}
    for read in READERS:
        for p in read(root):
            out.setdefault(p["post_id"], p)
    return out

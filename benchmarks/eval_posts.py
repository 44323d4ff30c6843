"""The posts the skill-extraction evaluation uses: real posts with per-post client tags and a description.

upwork_2024_powerbi_rss, freelancer_2020_projects and upwork_2024_data_analyst carry tags the client chose for that
post. upwork_2025_four_tracks is left out: its tag lists repeat across unrelated posts (a scraper artefact), so they
are not the client's tags. A deterministic sample (every post, or ``limit`` of them by post id hash) keeps the slow
embedding peers to minutes.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from real_posts import data_analyst, freelancer_2020, powerbi_rss

_TAG_SPLIT = re.compile(r"\s*[|]\s*")
_HTML = re.compile(r"<[^>]{0,500}>")


def eval_posts(root: Path, limit: int = 900, offset: int = 0) -> list[dict[str, str]]:
    posts = []
    for read in (powerbi_rss, freelancer_2020, data_analyst):
        for p in read(root):
            if p["tags"].strip() and p["description"].strip():
                text = _HTML.sub(" ", f"{p['title']}\n{p['description']}")
                posts.append({**p, "text": text})
    posts.sort(key=lambda p: hashlib.sha1(p["post_id"].encode()).hexdigest())
    return posts[offset:offset + limit]


def tags_of(p: dict[str, str]) -> list[str]:
    return [t for t in _TAG_SPLIT.split(p["tags"]) if t.strip()]

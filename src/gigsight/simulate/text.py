"""Job titles, descriptions and client skill tags generated from a grammar (``vocabulary.yaml``).

Every sentence a job can carry is rendered once into a pool; a job is a handful of indices into the
pools, joined by Arrow compute. Millions of posts cost a few array operations, not a Python loop per post.
A *kind* is either an AI kind (first) or an ordinary work category.

>>> import numpy as np
>>> g = grammar()
>>> k = g.kinds.index("ai_video_editing")
>>> jobs = g.render(np.random.default_rng(1), np.array([k]), np.array([False]), 0.0, 0.0)
>>> jobs["category"].to_pylist(), "AI" in jobs["title"][0].as_py() + jobs["description"][0].as_py()
(['Design & Creative'], True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

ALIAS_RATE = 0.15      # tags typed as a variant ("ML", "Python3") rather than the canonical name
NOISE_TAG_RATE = 0.25  # tags unrelated to the work ("Communication")
AI_SUBCATEGORY = {"llm_apps": "AI Apps & Integration", "agents_automation": "AI Apps & Integration",
                  "ml": "AI & Machine Learning", "nlp_speech": "AI & Machine Learning",
                  "vision": "AI & Machine Learning", "generative_media": "AI Image & Video",
                  "ai_video_editing": "AI Image & Video", "ai_content_writing": "AI Content Creation",
                  "data_annotation": "AI Data Annotation"}
FILLERS = ["The project should take about {} weeks.", "We usually reply within {} hours.",
           "Please include a rough estimate and {} similar projects.", "We have about {} people on the team.",
           "Expect around {} hours of work per week.", "Milestones will be agreed for the first {} deliverables."]


def _typo(text: str, rng: np.random.Generator) -> str:
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not long:
        return text
    i = long[int(rng.integers(len(long)))]
    w = words[i]
    j = int(rng.integers(1, len(w) - 2))
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def _pool(strings: list[str]) -> pa.Array:
    return pa.array(strings, pa.string())


@dataclass
class Grammar:
    kinds: list[str]                  # AI kinds first, then categories
    n_ai: int
    category: list[str]               # category of each kind
    skills: list[list[str]]           # skills of each kind
    subcategories: list[list[str]]
    title_pool: pa.Array
    typo_pool: pa.Array
    title_at: list[tuple[int, int]]   # (offset, templates) per kind; entry = offset + (t * n + s1) * n + s2
    task_pool: pa.Array
    task_at: list[tuple[int, int]]
    form_pool: pa.Array               # tag spellings: canonical name first, then variants
    form_at: list[list[tuple[int, int]]]
    noise_from: int                   # form_pool[noise_from:] are the noise tags
    openings: pa.Array
    closings: pa.Array
    fillers: pa.Array
    incidental: pa.Array

    def render(self, rng: np.random.Generator, kind: np.ndarray, ai: np.ndarray, incidental_rate: float,
               typo_rate: float) -> dict[str, pa.Array]:
        """Title, description, tags, subcategory, category and canonical skills for each job."""
        n = len(kind)
        size = np.array([len(s) for s in self.skills])[kind]
        # a kind's first skill is its signature ("Machine Learning" for ML work): on half of its posts
        s1 = np.where(rng.random(n) < 0.5, 0, (rng.random(n) * size).astype(np.int64))
        s2 = (s1 + 1 + (rng.random(n) * (size - 1)).astype(np.int64)) % size
        s3 = (s1 + 1 + (rng.random(n) * (size - 1)).astype(np.int64)) % size
        has3 = (rng.random(n) < 0.5) & (s3 != s2)
        t_off, t_cnt = (np.array(x)[kind] for x in zip(*self.title_at, strict=True))
        k_off, k_cnt = (np.array(x)[kind] for x in zip(*self.task_at, strict=True))
        title_idx = t_off + ((rng.random(n) * t_cnt).astype(np.int64) * size + s1) * size + s2
        typo = rng.random(n) < typo_rate
        title = pc.if_else(pa.array(typo), self.typo_pool.take(pa.array(title_idx)),
                           self.title_pool.take(pa.array(title_idx)))
        t1 = (rng.random(n) * k_cnt).astype(np.int64)
        t2 = (t1 + 1 + (rng.random(n) * (k_cnt - 1)).astype(np.int64)) % k_cnt
        task1 = self.task_pool.take(pa.array(k_off + (t1 * size + s1) * size + s2))
        task2 = self.task_pool.take(pa.array(k_off + (t2 * size + s2) * size + s1))
        mention = pa.array((rng.random(n) < incidental_rate) & ~ai)
        parts = [self.openings.take(pa.array(rng.integers(0, len(self.openings), n))), task1,
                 *(self.fillers.take(pa.array(rng.integers(0, len(self.fillers), n))) for _ in range(3)), task2,
                 pc.if_else(mention, self.incidental.take(pa.array(rng.integers(0, len(self.incidental), n))),
                            pa.nulls(n, pa.string())),
                 self.closings.take(pa.array(rng.integers(0, len(self.closings), n)))]
        description = pc.binary_join_element_wise(*parts, " ", null_handling="skip")
        tags = [self._form(rng, kind, s) for s in (s1, s2, s3)]
        tags[2] = pc.if_else(pa.array(has3), tags[2], pa.nulls(n, pa.string()))
        noise = self.form_pool.take(pa.array(rng.integers(self.noise_from, len(self.form_pool), n)))
        noise_on = pa.array(rng.random(n) < NOISE_TAG_RATE)
        tags.append(pc.if_else(noise_on, noise, pa.nulls(n, pa.string())))
        canonical = [self._form(rng, kind, s, canonical=True) for s in (s1, s2, s3)]
        canonical[2] = pc.if_else(pa.array(has3), canonical[2], pa.nulls(n, pa.string()))
        subs = [self.subcategories[k] for k in range(len(self.kinds))]
        sub_pool = _pool([s for lst in subs for s in lst])
        sub_off = np.cumsum([0] + [len(s) for s in subs])[:-1]
        sub_idx = sub_off[kind] + (rng.random(n) * np.array([len(s) for s in subs])[kind]).astype(np.int64)
        return {"title": title, "description": description,
                "skills": pc.binary_join_element_wise(*tags, "|", null_handling="skip"),
                "truth_skills": pc.binary_join_element_wise(*canonical, "|", null_handling="skip"),
                "subcategory": sub_pool.take(pa.array(sub_idx)),
                "category": _pool(self.category).take(pa.array(kind))}

    def _form(self, rng: np.random.Generator, kind: np.ndarray, skill: np.ndarray,
              canonical: bool = False) -> pa.Array:
        flat = [x for per_kind in self.form_at for x in per_kind]
        base = np.cumsum([0] + [len(x) for x in self.form_at])[:-1]
        off, cnt = (np.array(x)[base[kind] + skill] for x in zip(*flat, strict=True))
        variant = np.zeros(len(kind), np.int64)
        if not canonical:
            alias = (rng.random(len(kind)) < ALIAS_RATE) & (cnt > 1)
            variant[alias] = 1 + (rng.random(int(alias.sum())) * (cnt[alias] - 1)).astype(np.int64)
        return self.form_pool.take(pa.array(off + variant))

    def profile(self, rng: np.random.Generator, kind: np.ndarray) -> dict[str, pa.Array]:
        """Freelancer headline, profile text and 3-5 raw skills (as lists) for each freelancer's home kind."""
        out = self.render(rng, kind, np.ones(len(kind), bool), 0.0, 0.0)
        tags = pc.split_pattern(out["skills"], "|")
        first = pc.list_element(tags, 0)
        headline = pc.binary_join_element_wise(first, pa.array(rng.choice(
            ["specialist", "expert", "freelancer", "consultant"], len(kind))), " ")
        return {"title": headline, "profile": out["description"], "skills": tags}


@cache
def grammar() -> Grammar:
    """The packaged grammar, rendered once per process."""
    raw: dict[str, Any] = yaml.safe_load(
        (resources.files("gigsight.simulate") / "vocabulary.yaml").read_text(encoding="utf-8"))
    rng = np.random.default_rng(20260101)   # typo pool only: fixed so every run sees the same typos
    kinds, cats, skills, subs, titles, tasks = [], [], [], [], [], []
    for name, spec in raw["ai_kinds"].items():
        kinds.append(name)
        cats.append(spec["category"])
        subs.append([AI_SUBCATEGORY[name]])
        skills.append(spec["skills"])
        titles.append(spec["titles"])
        tasks.append(spec["tasks"])
    for name, spec in raw["categories"].items():
        kinds.append(name)
        cats.append(name)
        subs.append(spec["subcategories"])
        skills.append(spec["skills"])
        titles.append(spec["titles"])
        tasks.append(spec["tasks"])

    def grid(templates: list[list[str]]) -> tuple[list[str], list[tuple[int, int]]]:
        out: list[str] = []
        at = []
        for k, temps in enumerate(templates):
            at.append((len(out), len(temps)))
            sk = skills[k]
            out += [t.format(skill=a, skill2=b) for t in temps for a in sk for b in sk]
        return out, at

    title_strings, title_at = grid(titles)
    task_strings, task_at = grid(tasks)
    forms: list[str] = []
    form_at: list[list[tuple[int, int]]] = []
    for sk in skills:
        row = []
        for s in sk:
            variants = [s, *raw["aliases"].get(s, [])]
            row.append((len(forms), len(variants)))
            forms += variants
        form_at.append(row)
    forms_noise = forms + list(raw["noise_tags"])
    fillers = [f.format(n) for f in FILLERS for n in (2, 3, 4, 6, 8)]
    return Grammar(kinds, len(raw["ai_kinds"]), cats, skills, subs, _pool(title_strings),
                   _pool([_typo(t, rng) for t in title_strings]), title_at, _pool(task_strings), task_at,
                   _pool(forms_noise), form_at, len(forms), _pool(raw["openings"]), _pool(raw["closings"]),
                   _pool(fillers), _pool(raw["incidental_ai"]))


__all__ = ["Grammar", "grammar"]

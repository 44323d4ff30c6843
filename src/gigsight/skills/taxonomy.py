"""The skills taxonomy: canonical skills, their aliases, category and AI kind, and the context rules of ambiguous names.

The packaged taxonomy (``skills/data/taxonomy.csv``, built by ``scripts/build_taxonomy.py`` from the curated
``curated.yaml`` plus O*NET, ESCO and Stack Overflow; credits in ``skills/data/ATTRIBUTION.md``) loads by default.
A user file (CSV with the same columns, or YAML in the curated format) extends it, or replaces it with
``replace=True``. Every file is validated whole: duplicate ids, an alias claimed by two skills, an unknown category
or AI kind are reported together with file, row, column and value.

>>> tax = load_taxonomy()
>>> tax.by_id["langchain"].ai_kind, tax.by_id["langchain"].category
('llm_apps', 'Web, Mobile & Software Dev')
>>> tax.lookup["node js"].name, "r" in tax.context
('Node.js', True)
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from gigsight.errors import DataValidationError, Issue
from gigsight.skills.text import normalise_alias, slug

DATA = Path(__file__).parent / "data"
CURATED = DATA / "curated.yaml"
PACKAGED = DATA / "taxonomy.csv"
CATEGORIES = ("Accounting & Consulting", "Admin Support", "Customer Service", "Data Science & Analytics",
              "Design & Creative", "Engineering & Architecture", "IT & Networking", "Legal", "Sales & Marketing",
              "Translation", "Web, Mobile & Software Dev", "Writing")
AI_KINDS = ("llm_apps", "agents_automation", "ml", "nlp_speech", "vision", "generative_media", "ai_video_editing",
            "ai_content_writing", "data_annotation")
COLUMNS = ("skill_id", "name", "category", "is_ai", "ai_kind", "weak_ai", "aliases", "source")

__all__ = ["AI_KINDS", "CATEGORIES", "Context", "Skill", "Taxonomy", "load_curated", "load_taxonomy",
           "normalise_alias", "slug"]


@dataclass(frozen=True)
class Skill:
    """One canonical skill. ``weak_ai``: an AI skill whose mention alone does not make a post AI work."""

    skill_id: str
    name: str
    category: str
    is_ai: bool
    ai_kind: str | None
    weak_ai: bool
    aliases: tuple[str, ...]
    source: str = "curated"

    def with_aliases(self, extra: list[str], source_note: str) -> Skill:
        merged = tuple(dict.fromkeys([*self.aliases, *extra]))
        sources = "+".join(dict.fromkeys([*self.source.split("+"), source_note]))
        return replace(self, aliases=merged, source=sources)


@dataclass(frozen=True)
class Context:
    """An ambiguous alias counts in text only written one of ``case`` ways and, if ``near`` is set, near one of them."""

    case: tuple[str, ...]
    near: frozenset[str]


@dataclass
class Taxonomy:
    """Skills with the alias lookup (normalised alias -> skill) the matcher compiles."""

    skills: list[Skill]
    context: dict[str, Context] = field(default_factory=dict)
    categories: tuple[str, ...] = CATEGORIES
    version: str = ""

    def __post_init__(self) -> None:
        self.by_id = {s.skill_id: s for s in self.skills}
        self.lookup: dict[str, Skill] = {}
        for s in self.skills:
            for a in (s.name, *s.aliases):
                self.lookup.setdefault(normalise_alias(a), s)

    def __len__(self) -> int:
        return len(self.skills)

    @property
    def digest(self) -> str:
        """A short hash of the skills, aliases and rules: labels made with another taxonomy are out of date."""
        if not hasattr(self, "_digest"):
            h = hashlib.blake2b(digest_size=8)
            for sk in self.skills:
                h.update(repr((sk.skill_id, sk.category, sk.ai_kind, sk.weak_ai, sk.aliases)).encode())
            h.update(repr(sorted((k, v.case, sorted(v.near)) for k, v in self.context.items())).encode())
            self._digest = h.hexdigest()
        return self._digest


def load_curated(path: Path = CURATED) -> Taxonomy:
    """The curated YAML (also the format of a user's YAML taxonomy)."""
    raw = _yaml(path)
    issues: list[Issue] = []
    weak = {normalise_alias(n) for n in raw.get("weak_ai", [])}
    skills: list[Skill] = []
    for category, entries in (raw.get("skills") or {}).items():
        skills += _entries(path, f"skills.{category}", category, None, entries, weak, issues)
    for kind, spec in (raw.get("ai") or {}).items():
        if kind not in AI_KINDS:
            issues.append(_issue(path, None, "ai", kind, f"unknown AI kind; known: {', '.join(AI_KINDS)}"))
            continue
        skills += _entries(path, f"ai.{kind}", spec.get("category", ""), kind, spec.get("skills", []), weak, issues)
    context = {normalise_alias(str(k)): Context(tuple(str(c) for c in v.get("case", [])),  # YAML reads 50 as a number
                                                frozenset(str(w).lower() for w in v.get("near", [])))
               for k, v in (raw.get("context") or {}).items()}
    categories = tuple(raw.get("categories") or CATEGORIES)  # a user's file may declare its own work categories
    tax = Taxonomy(skills, context, categories=categories, version=str(raw.get("version", "")))
    _check(path, tax, issues)
    return tax


def _entries(path: Path, where: str, category: str, kind: str | None, entries: list[Any], weak: set[str],
             issues: list[Issue]) -> list[Skill]:
    out = []
    for i, entry in enumerate(entries or []):
        parts = [p.strip() for p in str(entry).split("|") if p.strip()]
        if not parts:
            issues.append(_issue(path, i + 1, where, str(entry), "empty skill entry"))
            continue
        name = parts[0]
        out.append(Skill(slug(name), name, category, kind is not None, kind, normalise_alias(name) in weak,
                         tuple(parts[1:])))
    return out


def _yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataValidationError([_issue(path, None, None, None, f"cannot read taxonomy: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise DataValidationError([_issue(path, None, None, None, "a taxonomy YAML file must be a mapping")])
    return raw


def _read_csv(path: Path, categories: tuple[str, ...] | None = CATEGORIES) -> Taxonomy:
    """A taxonomy CSV; ``categories=None`` takes the categories the file uses (a replacement owns its own)."""
    issues: list[Issue] = []
    skills = []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataValidationError([_issue(path, None, None, None, f"cannot read taxonomy: {exc}")]) from exc
    missing = [c for c in ("skill_id", "name", "category") if rows and c not in rows[0]]
    if missing or not rows:
        raise DataValidationError([_issue(path, None, c, None, "missing column") for c in missing]
                                  or [_issue(path, None, None, None, "no skills in the file")])
    for i, r in enumerate(rows, start=2):  # row 1 is the header
        kind = (r.get("ai_kind") or "").strip() or None
        is_ai = (r.get("is_ai") or "").strip().lower() in ("1", "true", "yes") or kind is not None
        if kind is not None and kind not in AI_KINDS:
            issues.append(_issue(path, i, "ai_kind", kind, f"unknown AI kind; known: {', '.join(AI_KINDS)}"))
        skills.append(Skill((r.get("skill_id") or "").strip() or slug(r["name"]), (r.get("name") or "").strip(),
                            (r.get("category") or "").strip(), is_ai, kind,
                            (r.get("weak_ai") or "").strip() in ("1", "true"),
                            tuple(a.strip() for a in (r.get("aliases") or "").split("|") if a.strip()),
                            (r.get("source") or "user").strip()))
    cats = categories if categories is not None else tuple(sorted({s.category for s in skills if s.category}))
    tax = Taxonomy(skills, categories=cats)
    _check(path, tax, issues, first_row=2)
    return tax


def _check(path: Path, tax: Taxonomy, issues: list[Issue], first_row: int = 1) -> None:
    """Duplicate ids, aliases claimed by two skills, unknown categories: all reported at once."""
    seen_ids: dict[str, int] = {}
    owner: dict[str, tuple[str, int]] = {}
    for i, s in enumerate(tax.skills, start=first_row):
        if not s.name:
            issues.append(_issue(path, i, "name", s.name, "skill without a name"))
        if s.skill_id in seen_ids:
            first = seen_ids[s.skill_id]
            issues.append(_issue(path, i, "skill_id", s.skill_id, f"duplicate id (first at row {first})"))
        seen_ids.setdefault(s.skill_id, i)
        if s.category not in tax.categories:
            known = "; ".join(tax.categories)
            issues.append(_issue(path, i, "category", s.category, f"unknown category; known: {known}"))
        for a in dict.fromkeys(normalise_alias(x) for x in (s.name, *s.aliases)):
            if not a:
                continue
            if a in owner and owner[a][0] != s.skill_id:
                issues.append(_issue(path, i, "aliases", a,
                                    f"alias maps to two skills: {owner[a][0]} (row {owner[a][1]}) and {s.skill_id}"))
            owner.setdefault(a, (s.skill_id, i))
    if issues:
        raise DataValidationError(issues)


def _issue(path: Path, row: int | None, column: str | None, value: str | None, message: str) -> Issue:
    return Issue("taxonomy", row, column, value, "taxonomy", message, source=str(path))


@lru_cache(maxsize=8)
def load_taxonomy(path: str | None = None, replace_packaged: bool = False) -> Taxonomy:
    """The packaged taxonomy, extended (or replaced) by a user's CSV or YAML file."""
    base = _read_csv(PACKAGED)
    curated = load_curated()
    base.context, base.version = curated.context, curated.version
    if path is None:
        return base
    p = Path(path)
    is_yaml = p.suffix.lower() in (".yaml", ".yml")
    user = load_curated(p) if is_yaml else _read_csv(p, None if replace_packaged else CATEGORIES)
    if replace_packaged:
        user.context = user.context or base.context
        return user
    user_ids = {s.skill_id for s in user.skills}
    user_aliases = set(user.lookup)
    kept = [s for s in base.skills if s.skill_id not in user_ids]
    # the user's file wins: packaged aliases it claims are taken off the packaged skills
    kept = [replace(s, aliases=tuple(a for a in s.aliases if normalise_alias(a) not in user_aliases)) for s in kept]
    kept = [s for s in kept if normalise_alias(s.name) not in user_aliases or s.aliases]
    categories = tuple(dict.fromkeys([*base.categories, *user.categories]))
    merged = Taxonomy([*kept, *user.skills], {**base.context, **user.context}, categories=categories,
                      version=f"{base.version}+{p.name}")
    return merged

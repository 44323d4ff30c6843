"""Skill extraction: canonical skills found in a post's title, description and client tags, with the evidence span.

Deterministic and fast: the text is tokenised once (``skills.text.TOKEN``) and every position is looked up in a
first-token index of the aliases, longest alias first, so a post costs one regex pass plus a dict lookup per token.
Ambiguous names (R, Go, C, Make, Runway, Swift...) count only as their context rule allows; client tags always count.

>>> m = Matcher.default()
>>> [(x.skill.name, x.text) for x in m.find("Need a Go developer: REST APIs, Postgres and some R for stats")]
[('Golang', 'Go developer'), ('REST API', 'REST APIs'), ('PostgreSQL', 'Postgres'), ('R', 'R')]
>>> [x.skill.name for x in m.find("Ready to go? Make it pop with AI videos")]
['AI Video Generation']
>>> [s.name for s in m.tags("['Python', 'Prompt engineering', 'n8n']")]
['Python', 'Prompt Engineering', 'n8n']
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress

from gigsight.skills.taxonomy import Skill, Taxonomy, load_taxonomy
from gigsight.skills.text import TOKEN, normalise_alias

TAG_CACHE = 200_000
NEAR = 8  # tokens either side an ambiguous name's context word may sit
_SPLIT = re.compile(f"({TOKEN.pattern})")
_TAG_SPLIT = re.compile(r"\s*[|,;\n]\s*")
_PLURAL_OK = re.compile(r"^[a-z]{3,}$")


@dataclass(frozen=True)
class Match:
    """One skill mention: the skill, the matched text and its [start, end) offsets in the searched text."""

    skill: Skill
    start: int
    end: int
    text: str


class Matcher:
    """Compiled alias index of one taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        index: dict[str, dict[tuple[str, ...], Skill]] = {}
        for alias, skill in taxonomy.lookup.items():
            toks = tuple(alias.split(" "))
            index.setdefault(toks[0], {})[toks] = skill
        for alias, skill in taxonomy.lookup.items():  # plural forms clients write ("chatbots", "dashboards")
            toks = tuple(alias.split(" "))
            if _PLURAL_OK.match(toks[-1]) and not toks[-1].endswith("s"):
                plural = (*toks[:-1], toks[-1] + "s")
                if " ".join(plural) not in taxonomy.lookup:
                    index.setdefault(plural[0], {}).setdefault(plural, skill)
        for alias, skill in taxonomy.lookup.items():  # "Bland AI" is written "Bland.ai"; "Make com", "make.com"
            toks = tuple(alias.split(" "))
            if len(toks) == 2 and toks[1] in ("ai", "io", "com", "js") and "." not in toks[0]:
                joined = (f"{toks[0]}.{toks[1]}",)
                index.setdefault(joined[0], {}).setdefault(joined, skill)
        # first token -> [(length, {tokens: skill})], longest first: a lookup per length, not a scan per alias
        self._index: dict[str, list[tuple[int, dict[tuple[str, ...], Skill]]]] = {}
        for first, aliases in index.items():
            by_len: dict[int, dict[tuple[str, ...], Skill]] = {}
            for toks, skill in aliases.items():
                by_len.setdefault(len(toks), {})[toks] = skill
            self._index[first] = sorted(by_len.items(), key=lambda kv: -kv[0])
        self._context = taxonomy.context
        self._tag_cache: dict[str, tuple[Skill, ...]] = {}
        # first token -> the tokens that can follow it in a longer alias: most hits need no multi-token lookup
        self._second = {first: {t[1] for _, table in by_len for t in table if len(t) > 1}
                        for first, by_len in self._index.items()}

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> Matcher:
        """The matcher of the packaged taxonomy (built once per process)."""
        return Matcher(load_taxonomy())

    def find(self, text: str) -> list[Match]:
        """Skill mentions in ``text``, left to right, longest alias first, no overlaps, with character spans."""
        low = text.lower()
        if len(low) != len(text):  # a few characters change length when lower-cased; keep offsets true
            low = "".join(c.lower()[0] for c in text)
        parts = _SPLIT.split(low)  # separator, token, separator, token, ..., separator: offsets by running sums
        words = parts[1::2]
        ends = list(accumulate(map(len, parts)))
        out = []
        for skill, i, k in self._hits(words, lambda j: text[ends[2 * j]:ends[2 * j + 1]]):
            s, e = ends[2 * i], ends[2 * (i + k) - 1]
            out.append(Match(skill, s, e, text[s:e]))
        return out

    def scan(self, text: str) -> tuple[list[str], list[tuple[Skill, int, int]]]:
        """The fast path without character spans: lower-case tokens and (skill, first token, token count) hits."""
        low = text.lower()
        words = TOKEN.findall(low)
        same = len(low) == len(text)
        cache: list[list[str]] = []

        def original(j: int) -> str:  # original spelling, only for ambiguous names (rare): tokenise once, lazily
            if not cache:
                cache.append(TOKEN.findall(text) if same else words)
            return cache[0][j]

        return words, self._hits(words, original)

    def _hits(self, words: list[str], original: Callable[[int], str]) -> list[tuple[Skill, int, int]]:
        out = []
        index, second = self._index, self._second
        nxt = 0  # first token not consumed by a match
        n = len(words)
        for i in compress(range(n), map(index.__contains__, words)):
            if i < nxt:
                continue
            w = words[i]
            longer = i + 1 < n and words[i + 1] in second[w]
            for k, table in index[w]:
                if k > 1 and not longer:
                    continue
                skill = table.get(tuple(words[i:i + k])) if k > 1 else table.get((w,))
                if skill is not None and (k > 1 or self._allowed(words, i, original)):
                    out.append((skill, i, k))
                    nxt = i + k
                    break
        return out

    def _allowed(self, words: list[str], i: int, original: Callable[[int], str]) -> bool:
        rule = self._context.get(words[i])
        if rule is None:
            return True
        if rule.near:  # checked first: it needs no second tokenisation of the original text
            lo, hi = max(0, i - NEAR), i + NEAR + 1
            if not any(w in rule.near for w in words[lo:hi] if w != words[i]):
                return False
        return not rule.case or original(i) in rule.case

    def tags(self, raw: object) -> list[Skill]:
        """Canonical skills of client tags: '|', ',', ';' or a Python-list string; unknown tags searched as text."""
        if not isinstance(raw, str) or not raw.strip():
            return []
        body = raw.strip()
        if body.startswith("[") and body.endswith("]"):
            body = body[1:-1]
        out: dict[str, Skill] = {}
        for tag in _TAG_SPLIT.split(body):
            tag = tag.strip().strip("'\"").strip()
            if tag:
                for skill in self._tag(tag):
                    out.setdefault(skill.skill_id, skill)
        return list(out.values())

    def _tag(self, tag: str) -> tuple[Skill, ...]:
        """The skills of one tag; tags repeat across posts, so answers are kept (up to TAG_CACHE of them)."""
        hit = self._tag_cache.get(tag)
        if hit is None:
            skill = self.taxonomy.lookup.get(normalise_alias(tag))
            if skill is not None:
                hit = (skill,)
            else:  # "LLM Prompt Engineering": the known part still counts
                hit = tuple(dict.fromkeys(m.skill for m in self.find(tag) if m.skill.is_ai or len(m.text) > 2))
            if len(self._tag_cache) < TAG_CACHE:
                self._tag_cache[tag] = hit
        return hit

"""The marketplace's 12 work categories from a post's title (and description when there is one).

A linear model over word and character n-grams (TF-IDF, logistic regression) fitted on real titles labelled
with the marketplace's own categories plus the taxonomy's skill names, shipped as arrays in
``skills/data/category_model.npz`` (no pickle, no download) and rebuilt by ``scripts/build_category_model.py``
from the labelled file, which stays outside the repository. Scoring is plain Python and numpy: one dictionary
lookup per n-gram.

>>> m = CategoryModel.packaged()
>>> m.predict("Logo design for a bakery")[0]
'Design & Creative'
>>> m.predict("Translate our website from English to Spanish")[0]
'Translation'
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data") / "category_model.npz"
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9]+)*")
_TAG = re.compile(r"<[^>]{0,200}>")
DESCRIPTION_WEIGHT = 0.5  # a description's vote beside the title's (titles are what the model learned from)
DESCRIPTION_CHARS = 600  # the opening says what the job is; single words only there (it is most of the cost)
SKILL_WEIGHT = 2.0  # added to a category's score times the share of the post's taxonomy skills in it


def words_of(text: str) -> list[str]:
    """Lower-case words of a text, HTML tags and entities removed.

    >>> words_of("<b>C#</b> &amp; .NET 8")
    ['c#', 'net', '8']
    """
    return _WORD.findall(_TAG.sub(" ", html.unescape(text)).lower() if "<" in text or "&" in text else text.lower())


def _word_features(w: str) -> list[str]:
    padded = f" {w} "
    out = [f"w:{w}"]
    for n in (3, 4, 5):
        out += [f"c:{padded[i:i + n]}" for i in range(max(len(padded) - n + 1, 1))]
    return out


def features(text: str, full: bool = True) -> list[str]:
    """The n-grams a text is scored on: words, and unless ``full`` is off, word pairs and character 3-5-grams
    inside words.

    >>> features("UI/UX")[:4]
    ['w:ui', 'w:ux', 'b:ui ux', 'c: ui']
    >>> features("UI/UX", full=False)
    ['w:ui', 'w:ux']
    """
    words = words_of(text)
    out = [f"w:{w}" for w in words]
    if not full:
        return out
    out += [f"b:{a} {b}" for a, b in itertools.pairwise(words)]
    for w in words:
        out += _word_features(w)[1:]
    return out


@dataclass(frozen=True)
class CategoryModel:
    """Vocabulary with idf weights, one coefficient row per n-gram, one intercept per category."""

    categories: tuple[str, ...]
    index: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (n-grams, categories)
    intercept: np.ndarray
    # word -> the vocabulary ids of its word and character n-grams: words repeat, so each is taken apart once
    _ids: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path) -> CategoryModel:
        z = np.load(path, allow_pickle=False)
        vocab = [str(v) for v in z["vocab"]]
        return cls(tuple(str(c) for c in z["categories"]), {v: i for i, v in enumerate(vocab)},
                   z["idf"].astype(np.float64), z["coef"].astype(np.float64), z["intercept"].astype(np.float64))

    @staticmethod
    @cache
    def packaged() -> CategoryModel:
        """The model shipped with gigsight."""
        return CategoryModel.load(DATA)

    def scores(self, text: str, full: bool = True) -> np.ndarray | None:
        """Linear scores of each category for one text; None when no n-gram of it is known."""
        get, cached = self.index.get, self._ids
        words = words_of(text)
        ids: list[int] = []
        if not full:
            ids = [i for word in words if (i := get(f"w:{word}")) is not None]
        else:
            if len(cached) > 500_000:
                cached.clear()
            for word in words:
                known = cached.get(word)
                if known is None:
                    known = cached[word] = [i for f in _word_features(word) if (i := get(f)) is not None]
                ids += known
            ids += [i for a, b in itertools.pairwise(words) if (i := get(f"b:{a} {b}")) is not None]
        counts = Counter(ids)
        if not counts:
            return None
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        w = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
        w *= self.idf[idx]
        w /= math.sqrt(float(w @ w))
        return np.asarray(w @ self.coef[idx] + self.intercept)

    def predict(self, title: str, description: str = "", skill_votes: dict[str, float] | None = None
                ) -> tuple[str, float]:
        """The most likely category and its probability. A description adds its scores at half weight; the
        categories of the taxonomy skills a post names (``skill_votes``) add up to :data:`SKILL_WEIGHT`; a text
        with no known n-gram and no skill gets the most common category at its prior."""
        s = self.scores(title or "")
        if description:
            d = self.scores(description[:DESCRIPTION_CHARS], full=False)
            if d is not None:
                s = d * DESCRIPTION_WEIGHT + (s if s is not None else self.intercept * (1 - DESCRIPTION_WEIGHT))
        if s is None:
            s = self.intercept
        total = sum(skill_votes.values()) if skill_votes else 0.0
        if skill_votes and total > 0:
            s = s + SKILL_WEIGHT * np.array([skill_votes.get(c, 0.0) / total for c in self.categories])
        p = np.exp(s - s.max())
        p /= p.sum()
        k = int(p.argmax())
        return self.categories[k], float(p[k])

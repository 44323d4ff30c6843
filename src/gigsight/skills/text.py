"""Text clean-up and the tokenizer every skill alias and every post goes through.

Posts arrive with HTML, entities, emoji, odd whitespace and any language. Cleaning turns them into plain text with
whitespace squeezed to single spaces; evidence spans point into the cleaned text. Tokens keep the
characters that make technology names: ``c++``, ``c#``, ``.net``, ``node.js``, ``gpt-4o`` becomes ``gpt`` ``4o``
(hyphens split, so "e-commerce", "e commerce" match the same alias).

>>> tokens("Build a RAG bot in Node.js & C#, not C++.")
['build', 'a', 'rag', 'bot', 'in', 'node.js', 'c#', 'not', 'c++']
>>> clean("<p>AI&nbsp;&amp; ML</p>")
'AI & ML'
"""
from __future__ import annotations

import html
import re

TOKEN = re.compile(r"\.?\w+(?:\.\w+)*(?:\+\+|#)?")
_TAG = re.compile(r"<[^>]{0,500}>")
MAX_CHARS = 20_000  # longer descriptions are cut: real posts stay far below; a 1 MB paste costs no more than this


def clean(text: object) -> str:
    """Plain text from a post field: HTML tags and entities resolved, whitespace squeezed, None and NaN as ''.

    >>> clean(None), clean(float("nan")), clean("  a\\n\\n b\\u00a0c ")
    ('', '', 'a b c')
    """
    if not isinstance(text, str) or not text:
        return ""
    s = text[: MAX_CHARS * 2]
    if "<" in s:
        s = _TAG.sub(" ", s)
    if "&" in s:
        s = html.unescape(s)
    return " ".join(s.split())[:MAX_CHARS]


def tokens(text: str) -> list[str]:
    """Lower-case tokens of ``text`` (already cleaned or not)."""
    return TOKEN.findall(text.lower())


def normalise_alias(alias: str) -> str:
    """The lookup key of an alias: its tokens joined by one space.

    >>> normalise_alias("  Node.JS "), normalise_alias("e-Commerce"), normalise_alias("A/B testing")
    ('node.js', 'e commerce', 'a b testing')
    """
    return " ".join(tokens(alias))


def slug(name: str) -> str:
    """A stable identifier from a skill name.

    >>> slug("C#"), slug("C++"), slug(".NET"), slug("Node.js"), slug("UI/UX Design")
    ('c-sharp', 'c-plus-plus', 'dot-net', 'node-js', 'ui-ux-design')
    """
    s = name.lower().replace("++", "-plus-plus").replace("#", "-sharp").replace("+", "-plus")
    s = re.sub(r"^\.", "dot-", s)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")

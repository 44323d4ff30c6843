"""AI-work classification and category inference of job posts (DESIGN.md "AI-related work").

A post is AI work when it asks for building, integrating, training, evaluating or operating AI, or for deliverables
made with AI tools. Evidence is the AI skills the matcher finds, weighed by where they sit (title > tags >
description), how specific they are (``weak_ai`` skills such as ChatGPT or "artificial intelligence" need support),
and their context: a negation ("no AI-generated content"), a company description ("our AI-powered platform"), the
client ("a website for an AI agency"), the topic ("AI legislation", "an AI invention's patent") or a coding aid ("use
Copilot/Cursor to speed up development") cancels a mention, and a description denying AI as such ("no AI or LLM")
outweighs the title and the tags. A description naming AI as the method ("forecast sales using machine learning",
"a machine learning based system") counts it twice, and bare "AI" before a thing to build ("AI features") counts too.
A title about other work ("Mobile app developer") needs more evidence, unless the description names specific AI
skills (an AI chatbot on the OpenAI API), not only umbrella words. A title naming AI ("AI expert", "ChatGPT prompts",
"Artificial intelligence web system") that no such context cancels decides on its own. ``ai_score`` = 1 -
exp(-evidence); a post is AI work at evidence >= 1 (score >= 0.63). ``reason`` lists the evidence that decided it.

>>> c = Classifier.default()
>>> r = c.classify("Build a RAG chatbot with LangChain", "Python developer for our support bot.")
>>> r.is_ai, r.ai_kind, r.category
(True, 'llm_apps', 'Web, Mobile & Software Dev')
>>> c.classify("Blog writer (no AI-generated content)", "Write 4 SEO articles a month. No ChatGPT.").is_ai
False
>>> c.classify("Shopify developer", "We are an AI-powered startup. Fix our theme and checkout.").is_ai
False
>>> c.classify("Disease prediction", "Predict diabetes risk using machine learning on patient records.").is_ai
True
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from gigsight.errors import GigsightError
from gigsight.skills.category_model import CategoryModel
from gigsight.skills.extract import Matcher
from gigsight.skills.taxonomy import Skill
from gigsight.skills.text import clean

THRESHOLD = 1.0
OTHER_WORK = 1.5  # the threshold factor when the title names only non-AI work
WEIGHT = {"title": 1.0, "tags": 0.6, "description": 0.5}
STRONG, WEAK = 1.0, 0.35
NEGATIONS = {"no", "not", "without", "never", "avoid", "zero", "don't", "dont", "nor", "non", "free", "prohibited",
             "banned", "forbidden", "detectors", "detector", "detection", "rejected", "human-written", "humanwritten"}
COMPANY = {"company", "startup", "start-up", "platform", "agency", "business", "firm", "team", "brand", "products",
           "saas", "organization", "organisation", "leader", "solutions", "world", "era", "age", "revolution"}
# before any skill: the AI words above also catch "AI-free" and "AI detectors", which say nothing of a plain skill
PLAIN_NEGATIONS = {"no", "not", "without", "never", "avoid", "don't", "dont", "nor"}
NEGATED_AFTER = {"rejected", "prohibited", "allowed", "detected"}
PRODUCT_SUFFIX = {"powered", "driven", "based", "first", "native"}
CLIENT = {"agency", "business", "company", "startup", "start-up", "firm", "brand", "consultancy", "platform"}
TOPIC = {"legislation", "regulation", "regulations", "law", "laws", "policy", "policies", "ethics", "patent",
         "patents", "invention", "act", "governance"}
CODING_AID = {"cursor", "copilot", "codeium", "windsurf", "lovable", "bolt", "replit", "v0", "coding", "assistants"}
GENERIC_AI = {"ai", "a.i"}
DESC_AI = 0.7
SPECIFIC = 0.75  # specific AI skills (not "AI", "ML", "data science") worth this outweigh a title about other work
TITLE_AI = {"ai", "a.i", "gpt", "chatgpt", "openai", "llm", "llms", "ml", "chatbot", "chatbots", "nlp", "neural",
            "generative", "midjourney", "langchain"}
TITLE_SKILLS = {"artificial-intelligence", "machine-learning", "deep-learning", "generative-ai"}
TITLE_AI_KIND = {"ml": "ml", "neural": "ml", "nlp": "nlp_speech", "generative": "generative_media",
                 "midjourney": "generative_media"}
UMBRELLA = {"ai-engineering", "artificial-intelligence", "machine-learning", "deep-learning", "data-science",
            "generative-ai"}
GENERAL = UMBRELLA | {"llm"}  # words for AI as such: negating one denies AI work
BUILD_NOUNS = {"app", "apps", "bot", "bots", "tool", "tools", "system", "agent", "agents", "assistant", "model",
               "models",
               "integration", "automation", "feature", "features", "developer", "engineer", "generated", "video",
               "videos", "image", "images", "voice", "content", "writer", "editor", "platform", "solution", "project"}
# weak-only evidence in these categories is work done with AI tools of the category's kind
KIND_BY_CATEGORY = {"Writing": "ai_content_writing", "Design & Creative": "generative_media",
                    "Translation": "ai_content_writing", "Admin Support": "data_annotation"}


@dataclass
class Result:
    """The verdict on one post, with the evidence an analyst needs to audit it."""

    is_ai: bool
    ai_kind: str | None
    ai_score: float
    category: str | None
    category_source: str
    skills: list[Skill] = field(default_factory=list)
    reason: str = ""
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (field, the words that counted)
    category_confidence: float = 1.0  # the category model's probability; 1 for the user's own category


@dataclass
class _Tally:
    """AI evidence of one post by kind, with the words behind it."""

    kept: set[str]
    kind_w: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    specific: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # without umbrella words
    counted: set[tuple[str, str]] = field(default_factory=set)  # (field, skill): five mentions are one
    cancelled: set[str] = field(default_factory=set)
    denied: bool = False  # the description denies AI as such ("no AI or LLM")
    reasons: list[str] = field(default_factory=list)
    evidence: list[tuple[str, str]] = field(default_factory=list)
    strong_seen: bool = False

    def scan(self, where: str, words: list[str], hits: list[tuple[Skill, int, int]]) -> None:
        """Every skill one field names: AI skills weighed with their context, the others kept unless ruled out."""
        last_end = 0
        for sk, i, k in sorted(hits, key=lambda h: h[1]):
            if sk.is_ai:
                self.mention(where, sk, " ".join(words[i:i + k]), _cancelled(words, i, k, sk.weak_ai),
                             where == "description" and _method(words, i, k))
            # "no Wix" rules Wix out; in "Shopify, not WooCommerce; WooCommerce export" the second is asked for: a
            # negation reaches back no further than the skill named before
            elif PLAIN_NEGATIONS.isdisjoint(words[max(last_end, i - 3):i]):
                self.kept.add(sk.skill_id)
            else:
                self.cancelled.add(sk.skill_id)
            last_end = max(last_end, i + k)

    def mention(self, where: str, sk: Skill, said: str, cancel: str, method: bool = False) -> None:
        if cancel:
            self.reasons.append(f"ignored {said!r} in {where} ({cancel})")
            self.cancelled.add(sk.skill_id)
            # AI as such denied, not one technique ("not voice recognition")
            self.denied |= where == "description" and cancel == "negated" and (sk.weak_ai or sk.skill_id in GENERAL)
            return
        self.kept.add(sk.skill_id)
        strong = not sk.weak_ai
        for key, why in (((where, sk.skill_id), ""), ((where, sk.skill_id + "/method"), ", how the work is done")):
            if key in self.counted or (why and not (method and strong)):
                continue
            self.counted.add(key)  # a skill counts once per field, and once more when named as the method
            self.add(sk, WEIGHT[where] * (STRONG if strong else WEAK), f"{sk.name} ({where}: {said!r}{why})")
            if (where, said) not in self.evidence:
                self.evidence.append((where, said))
        self.strong_seen |= strong

    def add(self, sk: Skill, w: float, reason: str) -> None:
        kind = sk.ai_kind or "llm_apps"
        self.kind_w[kind] += w
        if sk.skill_id not in UMBRELLA:
            self.specific[kind] += w
        self.reasons.append(reason)


class Classifier:
    """Skills, AI verdict and category of posts, from one taxonomy's matcher."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> Classifier:
        return Classifier(Matcher.default())

    def classify(self, title: object, description: object = "", tags: object = "",
                 category: object = None) -> Result:
        """Classify one post. ``category``: the user's own category, kept when given."""
        t, d = clean(title), clean(description)
        scans = {"title": self.matcher.scan(t), "description": self.matcher.scan(d)}
        found = {where: hits for where, (_, hits) in scans.items()}
        tag_skills = self.matcher.tags(tags)
        skills: dict[str, Skill] = {}
        for hits in found.values():
            for sk, _, _ in hits:
                skills.setdefault(sk.skill_id, sk)
        for s in tag_skills:
            skills.setdefault(s.skill_id, s)
        cat, cat_source, cat_p = self._category(category, t, d, tags, found, tag_skills)
        tally = _Tally(kept={s.skill_id for s in tag_skills})
        for where in ("title", "description"):
            tally.scan(where, *scans[where])
        desc_generic, bare_denied = _bare_ai_description(scans["description"][0])
        # "no AI or LLM" in the description outweighs the title's words and the tags
        denied = tally.denied or bare_denied
        for s in tag_skills:
            if s.is_ai and not denied:
                tally.add(s, WEIGHT["tags"] * (WEAK if s.weak_ai else STRONG) * 0.5, f"{s.name} (tag)")
        kind_w, reasons = tally.kind_w, tally.reasons
        generic = _generic_ai_title(scans["title"][0])
        title_generic = generic > 0
        if generic:  # "AI expert": support, not proof; "AI web app", "AI bot": the thing to build is AI
            reasons.append("AI named in the title" + (" with what to build" if generic > 0.5 else ""))
        if desc_generic:
            reasons.append("AI named in the description with what to build")
        total = sum(kind_w.values()) + generic + desc_generic
        # a title about other work ("Power BI developer", "Website testing") needs more than description mentions
        title_ai = [sk for sk, _, _ in found["title"] if sk.is_ai]
        # "Power BI | Data Scientist": other work named, AI only as a weak word
        other_work = (any(not sk.is_ai for sk, _, _ in found["title"]) and not title_generic
                      and all(s.weak_ai for s in title_ai) and sum(tally.specific.values()) < SPECIFIC)
        need = THRESHOLD * (OTHER_WORK if other_work else 1)
        named = "" if denied else _title_names_ai(*scans["title"])
        if named:
            reasons.append(f"the title names AI ({named!r})")
            total = max(total, need)  # the title decides, and the score says so
        is_ai = total >= need
        if other_work and THRESHOLD <= total < OTHER_WORK * THRESHOLD:
            reasons.append("title names other work")
        pick = tally.specific or kind_w  # "AI/ML" everywhere says AI, not which kind: a specific skill decides
        kind = max(pick, key=lambda k: pick[k]) if pick else (
            TITLE_AI_KIND.get(named, "llm_apps") if generic or named else None)
        if kind is not None and not tally.strong_seen and cat in KIND_BY_CATEGORY:
            kind = KIND_BY_CATEGORY[cat]
        score = round(1 - math.exp(-total), 3)
        verdict = "AI work" if is_ai else "not AI work"
        reason = f"{verdict} (evidence {total:.2f}): " + ("; ".join(reasons[:6]) if reasons else "no AI evidence")
        listed = [s for s in skills.values()  # a skill only named to be ruled out ("no AI content") is not listed
                  if s.skill_id not in tally.cancelled or s.skill_id in tally.kept]
        return Result(is_ai, kind if is_ai else None, score, cat, cat_source, listed, reason, tally.evidence, cat_p)

    def _category(self, given: object, title: str, description: str, tags: object,
                  found: dict[str, list[tuple[Skill, int, int]]], tag_skills: list[Skill]
                  ) -> tuple[str | None, str, float]:
        """The user's category when given, else the category model's scores from the title (the description and
        the client's tags at half weight) plus the categories of the taxonomy skills the description and tags
        name (the title's own skills are already in the model's scores). A taxonomy with categories of its own,
        which the model does not know, decides by its skills' votes alone."""
        if isinstance(given, str) and given.strip():
            return given.strip(), "user", 1.0
        model = CategoryModel.packaged()
        own = not set(self.matcher.taxonomy.categories) <= set(model.categories)
        votes: dict[str, float] = defaultdict(float)
        for where, hits in found.items():
            if own or where == "description":
                for sk, _, _ in hits:
                    votes[sk.category] += 2.0 if where == "title" else 0.5
        for s in tag_skills:
            votes[s.category] += 1.0
        if own:
            if not votes:
                return None, "none", 0.0
            best = max(votes, key=lambda k: votes[k])
            return best, "inferred", round(votes[best] / sum(votes.values()), 3)
        extra = " ".join(x for x in (description, tags if isinstance(tags, str) else "") if x)
        cat, p = model.predict(title, extra, votes)
        return cat, "inferred", round(p, 3)


def _cancelled(words: list[str], i: int, k: int, weak: bool = True) -> str:
    """Why a mention does not count: negated, describing the company (a ``weak`` word only: "AI-powered
    startup"), naming the client ("for an AI agency"), the topic ("AI legislation"), or an AI coding aid; '' when
    it counts. Bare "AI" is weak, the default."""
    # set.isdisjoint, not any() over generators: this runs for every AI mention of every post
    before, after = words[max(0, i - 4):i], words[i + k:i + k + 6]
    if not NEGATIONS.isdisjoint(before[-3:]) or not NEGATED_AFTER.isdisjoint(after):
        return "negated"
    if weak and len(after) >= 2 and after[0] in PRODUCT_SUFFIX and (
            after[1] in COMPANY or (len(after) > 2 and after[2] in COMPANY)):
        return "describes the company"
    prev = [w for w in before if w not in ("a", "an", "the")]
    if prev and prev[-1] in ("for", "at", "our") and not CLIENT.isdisjoint(after[:2]):
        return "describes the client"  # "WordPress site for an AI automation agency"
    if not TOPIC.isdisjoint(after[:3]):
        return "the topic, not the work"  # "AI legislation", "an AI-related invention's patent"
    if not CODING_AID.isdisjoint(before) or not CODING_AID.isdisjoint(after):
        return "AI as a coding aid"
    return ""


def _method(words: list[str], i: int, k: int) -> bool:
    """Whether the mention is how the work is done ("forecast sales using machine learning", "a machine
    learning based system"), not a company, a wish list or a passing word."""
    return ((i > 0 and words[i - 1] in ("using", "use", "via", "leveraging", "leverage", "applying", "apply"))
            or (i + k < len(words) and words[i + k] in ("based", "powered", "driven", "techniques", "approach",
                                                          "algorithms", "algorithm")))


def _title_names_ai(words: list[str], hits: list[tuple[Skill, int, int]]) -> str:
    """The first AI word of a title that is not negated, a company description or a coding aid ('' if none): a
    title is what the job is, so "AI expert", "ChatGPT prompts", "ML engineer" or "Artificial intelligence web
    system" decide on their own."""
    for i, w in enumerate(words):
        if w in TITLE_AI and not _cancelled(words, i, 1):
            return w
    for sk, i, k in hits:
        if sk.skill_id in TITLE_SKILLS and not _cancelled(words, i, k):
            return " ".join(words[i:i + k])
    return ""


def _bare_ai_description(words: list[str]) -> tuple[float, bool]:
    """Bare "AI" in the description, in one pass: the weight of those followed by a thing to build ("AI features",
    "an AI-powered tool", "AI chatbot"), DESC_AI per distinct thing, at most two, cancelled like skill mentions ("our
    AI-powered platform" describes the company); and whether one is negated ("no AI or LLM", "not AI-generated")."""
    things: set[str] = set()
    denied = False
    for i in _positions(words, GENERIC_AI):
        cancel = _cancelled(words, i, 1)
        denied |= cancel == "negated"
        if not cancel:
            after = [x for x in words[i + 1:i + 4] if x not in ("powered", "driven", "based", "enabled", "-")]
            thing = next((x for x in after[:2] if x in BUILD_NOUNS), None)
            if thing:
                things.add(thing)
    return DESC_AI * min(len(things), 2), denied


def _positions(words: list[str], wanted: set[str]) -> Iterator[int]:
    """Where the words of ``wanted`` occur: list.index runs in C, a Python loop over every word of every
    description cost a fifth of the classifier's time."""
    for w in wanted:
        i = -1
        while True:
            try:
                i = words.index(w, i + 1)
            except ValueError:
                break
            yield i


def _generic_ai_title(words: list[str]) -> float:
    """Weight of a bare "AI" in the title: 0.7 when followed by a thing to build ("AI web app"), 0.3 otherwise
    ("AI expert", "AI-powered ..."), the best of its occurrences that no context cancels ("AI coding tools
    developer"); ``words``: the title's tokens."""
    best = 0.0
    for i, w in enumerate(words):
        if w in GENERIC_AI and not _cancelled(words, i, 1):
            if i + 1 < len(words) and words[i + 1] in ("powered", "driven", "based", "enabled", "first"):
                best = max(best, 0.3)  # "AI-powered ..." describes the product or the company
            elif any(x in BUILD_NOUNS for x in words[i + 1:i + 4]):
                best = max(best, 0.7)
            else:
                best = max(best, 0.3)
    return best


def classify(jobs: pd.DataFrame) -> pd.DataFrame:
    """Classify a DataFrame with ``job_id, title`` and optional ``description, skills, category`` columns.

    Returns a DataFrame in input order: job_id, is_ai, ai_kind, ai_score, category, category_source, skills
    (canonical names joined by "|"), reason, category_confidence (the category model's probability).

    >>> import pandas as pd
    >>> out = classify(pd.DataFrame({"job_id": ["j1", "j2"], "title": ["Train a YOLO model", "Logo design"]}))
    >>> out.is_ai.tolist(), out.ai_kind[0], out.skills[0]
    ([True, False], 'vision', 'YOLO')
    """
    if not isinstance(jobs, pd.DataFrame):
        raise GigsightError("classify() takes a pandas DataFrame with job_id and title columns")
    missing = [c for c in ("job_id", "title") if c not in jobs.columns]
    if missing:
        raise GigsightError(f"the jobs table has no {', '.join(missing)} column; it needs job_id and title "
                            f"(description, skills and category are optional); columns found: {list(jobs.columns)}")
    c = Classifier.default()
    n = len(jobs)
    col = {k: (jobs[k].tolist() if k in jobs.columns else [None] * n)
           for k in ("job_id", "title", "description", "skills", "category")}
    rows = []
    for i in range(n):
        r = c.classify(col["title"][i], col["description"][i], col["skills"][i], col["category"][i])
        rows.append((col["job_id"][i], r.is_ai, r.ai_kind, r.ai_score, r.category, r.category_source,
                     "|".join(s.name for s in r.skills), r.reason, r.category_confidence))
    return pd.DataFrame(rows, columns=["job_id", "is_ai", "ai_kind", "ai_score", "category", "category_source",
                                       "skills", "reason", "category_confidence"])

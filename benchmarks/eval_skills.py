"""Skill extraction against client-posted tags on real posts, gigsight beside the peers' predictions.

    python benchmarks/eval_skills.py --data ../shared/data/jobs [--set dev|held-out|titles] [--peers /tmp/peers-out]

Sets: ``dev`` the 900 posts (by post id hash) whose misses were read to widen the taxonomy; ``held-out`` the other
1,200 posts with tags and a description, never read; ``titles`` the unique titles of upwork_2025_titles_skills.csv
whose title hash is odd (the even half was read for misses), scored on the title alone.

Scoring (micro, over posts; see benchmarks/eval_posts.py for which posts):
- Every skill string (tag, prediction) is mapped to a canonical key: the gigsight taxonomy's skill when one of its
  aliases matches, else the normalised string itself. The same mapping serves every method.
- Precision: predictions whose key is among the post's tag keys / all predictions.
- Recall: among tags whose own words appear in the title or description (token sequence, case-insensitive; a tag
  the text never mentions cannot be extracted from it), those predicted.
- Literal: the same two with no taxonomy between tag and prediction (normalised strings must be equal), as a scorer
  that does not know gigsight's taxonomy sees it: a tag "Mailchimp" is not met by a prediction "Email Marketing".
Clients omit skills their text names, so precision is a lower bound for every method alike.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from eval_posts import eval_posts, tags_of

from gigsight.skills.extract import Matcher
from gigsight.skills.taxonomy import load_taxonomy
from gigsight.skills.text import clean, normalise_alias

TAX = load_taxonomy()


def literal(s: str) -> str:
    return normalise_alias(s)


def key(s: str) -> str:
    n = normalise_alias(s)
    skill = TAX.lookup.get(n)
    return skill.skill_id if skill else n


def mentioned(tag: str, text_norm: str) -> bool:
    n = normalise_alias(tag)
    return bool(n) and f" {n} " in text_norm


def score(posts: list[dict[str, str]], preds: dict[str, list[str]],
          canon: Callable[[str], str] = key) -> tuple[float, float, float, int, int]:
    tp_p = n_pred = tp_r = n_gold = 0
    for p in posts:
        tags = tags_of(p)
        gold_all = {canon(t) for t in tags}
        text_norm = f" {normalise_alias(clean(p['text']))} "
        gold_m = {canon(t) for t in tags if mentioned(t, text_norm)}
        pred = {canon(s) for s in preds.get(p["post_id"], [])}
        tp_p += len(pred & gold_all)
        n_pred += len(pred)
        tp_r += len(pred & gold_m)
        n_gold += len(gold_m)
    prec = tp_p / n_pred if n_pred else 0.0
    rec = tp_r / n_gold if n_gold else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, n_pred, n_gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of the real posts (../shared/data/jobs)")
    ap.add_argument("--peers", type=Path, help="folder of run_peers.py outputs (*.jsonl; dev set only)")
    ap.add_argument("--set", choices=["dev", "held-out", "titles"], default="dev", dest="which")
    args = ap.parse_args()
    posts = {"dev": lambda: eval_posts(args.data), "held-out": lambda: eval_posts(args.data, 100_000, 900),
             "titles": lambda: title_posts(args.data)}[args.which]()
    m = Matcher.default()
    t0 = time.perf_counter()
    ours = {p["post_id"]: [x.skill.name for x in m.find(clean(p["title"]) + "\n" + clean(p["description"]))]
            for p in posts}
    seconds = {"gigsight": time.perf_counter() - t0}
    methods = {"gigsight": ours}
    if args.peers:
        for f in sorted(args.peers.glob("*.jsonl")):
            lines = [json.loads(x) for x in f.read_text().splitlines()]
            seconds[f.stem] = lines[0].get("_seconds", float("nan"))
            methods[f.stem] = {x["post_id"]: x["skills"] for x in lines[1:]}
    print(f"{len(posts)} posts with client tags ({args.which})")
    print("| method | precision | recall | F1 | literal precision | literal recall | literal F1 | mentioned tags "
          "| seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, preds in methods.items():
        p, r, f, _, n_gold = score(posts, preds)
        lp, lr, lf, _, _ = score(posts, preds, literal)
        print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {lp:.3f} | {lr:.3f} | {lf:.3f} | {n_gold} "
              f"| {seconds[name]:.1f} |")


def title_posts(root: Path) -> list[dict[str, str]]:
    """The held-out half of upwork_2025_titles_skills.csv: unique titles with an odd SHA-1, their tags."""
    seen: dict[str, str] = {}
    with (root / "upwork_2025_titles_skills.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            seen.setdefault(r["Job Title"].strip(), r["Skills"])
    return [{"post_id": t, "title": t, "description": "", "text": t, "tags": tags.replace(",", "|")}
            for t, tags in seen.items() if int(hashlib.sha1(t.encode()).hexdigest(), 16) % 2 == 1]


if __name__ == "__main__":
    main()

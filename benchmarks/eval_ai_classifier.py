"""Precision, recall and F1 of the AI-work classifier on the hand-labelled real posts.

    python benchmarks/eval_ai_classifier.py --data ../shared/data/jobs [--errors]

Labels (post ids and labels only; see benchmarks/labels/README.md), scored apart and together: the development set
ai_labels.csv (the rules were tuned on it), ai_labels_heldout.csv and ai_labels_test.csv (each labelled before the
classifier saw it, then used to choose changes: development sets too by now) ai_labels_final.csv (300 posts
labelled blind, first scored after the second round of changes, then used to choose the third) and
ai_labels_final2.csv (300 posts labelled blind, first scored after the third round) and ai_labels_blind3.csv (200
posts labelled blind on 2026-12-07, scored once with no change made after). The posts are read from --data and never copied. A plain
keyword list is scored on the same posts.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from real_posts import all_posts

from gigsight.skills.classify import Classifier
from gigsight.skills.text import clean

LABELS = {"development": Path(__file__).parent / "labels" / "ai_labels.csv",
          "held-out": Path(__file__).parent / "labels" / "ai_labels_heldout.csv",
          "test": Path(__file__).parent / "labels" / "ai_labels_test.csv",
          "final": Path(__file__).parent / "labels" / "ai_labels_final.csv",
          "final2": Path(__file__).parent / "labels" / "ai_labels_final2.csv",
          "blind3": Path(__file__).parent / "labels" / "ai_labels_blind3.csv"}
KEYWORDS = re.compile(r"\b(ai|a\.i\.|artificial intelligence|gpt|chatgpt|openai|llm|llms|machine learning|ml|"
                      r"deep learning|chatbot|chat bot|nlp|computer vision|neural|generative|midjourney|"
                      r"stable diffusion|langchain|prompt)\b", re.I)


def prf(pairs: list[tuple[bool, bool]]) -> tuple[float, float, float, int]:
    tp = sum(p and y for p, y in pairs)
    fp = sum(p and not y for p, y in pairs)
    fn = sum(y and not p for p, y in pairs)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, len(pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of the real posts (../shared/data/jobs)")
    ap.add_argument("--errors", action="store_true", help="print the misclassified posts' ids and reasons")
    args = ap.parse_args()
    posts = all_posts(args.data)
    labels = [{**r, "set": name} for name, path in LABELS.items() for r in csv.DictReader(path.open())]
    c = Classifier.default()
    rows = []
    t0 = time.perf_counter()
    for lab in labels:
        p = posts[lab["post_id"]]
        r = c.classify(p["title"], p["description"], p["tags"])
        text = clean(p["title"]) + " " + clean(p["description"])
        kw = bool(KEYWORDS.search(text))
        rows.append((lab, r, kw))
    dt = time.perf_counter() - t0
    print(f"{len(rows)} labelled posts ({sum(int(r[0]['is_ai']) for r in rows)} AI), classified in {dt:.2f} s")
    print("| labels | posts | method | precision | recall | F1 | n |")
    print("|---|---|---|---|---|---|---|")
    for group in (*LABELS, "all sets"):
        for name, keep in (("confident", lambda lab: lab["confident"] == "1"), ("all", lambda lab: True)):
            for method, pick in (("gigsight", lambda r, kw: r.is_ai), ("keyword list", lambda r, kw: kw)):
                pairs = [(pick(r, kw), lab["is_ai"] == "1") for lab, r, kw in rows
                         if keep(lab) and group in (lab["set"], "all sets")]
                p, rc, f, n = prf(pairs)
                print(f"| {group} | {name} | {method} | {p:.3f} | {rc:.3f} | {f:.3f} | {n} |")
    kinds = [(lab["ai_kind"], r.ai_kind) for lab, r, _ in rows if lab["is_ai"] == "1" and r.is_ai]
    if kinds:
        print(f"AI kind agreement on posts both call AI: {sum(a == b for a, b in kinds) / len(kinds):.3f} "
              f"({len(kinds)} posts)")
    if args.errors:
        for lab, r, _ in rows:
            if r.is_ai != (lab["is_ai"] == "1"):
                print(f"[{lab['set']}] {lab['post_id']} label={lab['is_ai']}{'' if lab['confident'] == '1' else '?'} "
                      f"{clean(posts[lab['post_id']]['title'])[:70]!r} -> {r.reason[:200]}")


if __name__ == "__main__":
    main()

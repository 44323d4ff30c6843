"""Extraction + classification throughput on the real posts, one process (one core), no torch.

    /usr/bin/time -v python benchmarks/skills_throughput.py --data ../shared/data/jobs [--rounds 5]

Classifies every real post (title, description, tags) ``rounds`` times and reports posts/s, with a baseline in the
same run: the time to only clean and tokenise the same texts (the floor any matcher pays), as a ratio.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from real_posts import all_posts

from gigsight.skills.classify import Classifier
from gigsight.skills.text import clean, tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    posts = list(all_posts(args.data).values())
    chars = sum(len(p["title"]) + len(p["description"]) for p in posts) / len(posts)
    c = Classifier.default()
    c.classify("warm up", "")
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        for p in posts:
            tokens(clean(p["title"]) + " " + clean(p["description"]))
    floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    ai = 0
    first = 0.0
    for r in range(args.rounds):
        for p in posts:
            ai += c.classify(p["title"], p["description"], p["tags"]).is_ai
        if r == 0:  # the tag cache is cold only in the first round
            first = time.perf_counter() - t0
    took = time.perf_counter() - t0
    n = len(posts) * args.rounds
    print(f"{len(posts)} real posts (mean {chars:.0f} characters) x {args.rounds} rounds")
    print(f"classify (skills + AI + category): {n / took:,.0f} posts/s (first round, cold tag cache: "
          f"{len(posts) / first:,.0f}/s); clean+tokenise floor: {n / floor:,.0f} "
          f"posts/s; ratio {took / floor:.2f}x the floor; AI share {ai / n:.3f}")


if __name__ == "__main__":
    main()

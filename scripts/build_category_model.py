"""Build src/gigsight/skills/data/category_model.npz: the category model fitted on labelled titles.

    python scripts/build_category_model.py --data ../shared/data/jobs            # fit on every title, write
    python scripts/build_category_model.py --data ../shared/data/jobs --evaluate # fit on 80%, score the other 20%

Training text: the titles of upwork_2023_categories.csv (the marketplace's own 12 categories; the file stays
outside the repository) plus every skill name and alias of the packaged taxonomy as a short document labelled
with the skill's category (vocabulary the one day of titles lacks: "Power BI", "Kubernetes", "bookkeeping").
Features are gigsight.skills.category_model.features, so training and scoring read text the same way.
``--evaluate`` splits the titles 80/20 (stratified, seed 0) before anything is fitted and prints accuracy per
category and the confusion matrix of the held-out fifth; it writes nothing.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from gigsight.skills.category_model import DATA, CategoryModel, features
from gigsight.skills.taxonomy import CURATED

C = 10.0
PRUNE = 0.25  # n-grams whose every coefficient is smaller than this change no score visibly: left out


def taxonomy_documents() -> tuple[list[str], list[str]]:
    tax = pd.read_csv(CURATED.parent / "taxonomy.csv", keep_default_na=False)
    texts, labels = [], []
    for _, r in tax.iterrows():
        for name in [r["name"], *[a for a in str(r["aliases"]).split("|") if a]]:
            texts.append(name)
            labels.append(r["category"])
    return texts, labels


def fit(titles: list[str], labels: list[str]) -> CategoryModel:
    tx, ty = taxonomy_documents()
    vec = TfidfVectorizer(analyzer=features, sublinear_tf=True, dtype=np.float64)
    x = vec.fit_transform(titles + tx)
    lr = LogisticRegression(C=C, max_iter=5000).fit(x, labels + ty)
    coef = lr.coef_.T  # (n-grams, categories)
    keep = np.abs(coef).max(axis=1) >= PRUNE
    vocab = np.array(sorted(vec.vocabulary_, key=vec.vocabulary_.get))
    return CategoryModel(tuple(str(c) for c in lr.classes_), {v: i for i, v in enumerate(vocab[keep])},
                         vec.idf_[keep], coef[keep], lr.intercept_)


def save(m: CategoryModel, path: Path) -> None:
    vocab = np.array(sorted(m.index, key=m.index.get))
    np.savez_compressed(path, categories=np.array(m.categories), vocab=vocab, idf=m.idf.astype(np.float32),
                        coef=m.coef.astype(np.float16), intercept=m.intercept.astype(np.float32))


def evaluate(titles: list[str], labels: list[str]) -> None:
    tr_x, te_x, tr_y, te_y = train_test_split(titles, labels, test_size=0.2, random_state=0, stratify=labels)
    m = fit(tr_x, tr_y)
    got = [m.predict(t)[0] for t in te_x]
    frame = pd.DataFrame({"gold": te_y, "got": got})
    print(f"accuracy {np.mean(frame.gold == frame.got):.3f} on {len(frame)} held-out titles "
          f"(majority class {frame.gold.value_counts().iloc[0] / len(frame):.3f})")
    per = frame.assign(hit=frame.gold == frame.got).groupby("gold").hit.agg(["size", "mean"])
    print(per.rename(columns={"size": "titles", "mean": "accuracy"}).to_string(float_format="%.3f"))
    print(pd.crosstab(frame.gold, frame.got).to_string())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of the real posts (../shared/data/jobs)")
    ap.add_argument("--evaluate", action="store_true", help="score an 80/20 split instead of writing the model")
    a = ap.parse_args()
    d = pd.read_csv(a.data / "upwork_2023_categories.csv").drop_duplicates("title")
    titles, labels = [str(t) for t in d.title], [str(c) for c in d.category]
    if a.evaluate:
        evaluate(titles, labels)
        return
    m = fit(titles, labels)
    save(m, DATA)
    print(f"wrote {DATA} ({DATA.stat().st_size / 1e3:.0f} KB, {len(m.index):,} n-grams, "
          f"{len(m.categories)} categories)")


if __name__ == "__main__":
    main()

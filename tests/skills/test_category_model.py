"""The category model: every post gets one of the marketplace's 12 categories with a probability."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gigsight.cli import app
from gigsight.skills.category_model import DATA, CategoryModel, features
from gigsight.skills.classify import Classifier, classify

# Titles written for this test (none from the real posts), two per category.
WRITTEN = {
    "Accounting & Consulting": ["Bookkeeper to reconcile our Xero accounts every month",
                                "Business plan and financial projections for a bakery startup"],
    "Admin Support": ["Virtual assistant for inbox and calendar management", "Data entry from PDF invoices to Excel"],
    "Customer Service": ["Customer support agent for live chat, night shift", "Answer customer emails in Zendesk"],
    "Data Science & Analytics": ["Build a Power BI dashboard from our SQL sales data",
                                 "Statistical analysis of survey results in R"],
    "Design & Creative": ["Logo and brand identity for a coffee shop", "Edit a 10 minute YouTube video"],
    "Engineering & Architecture": ["AutoCAD floor plan drawings for a house extension",
                                   "PCB design for a small sensor board"],
    "IT & Networking": ["Set up a Cisco firewall and VPN for our office", "Linux server administration and backups"],
    "Legal": ["Lawyer to review a commercial lease agreement", "Draft terms of service and a privacy policy"],
    "Sales & Marketing": ["Run our Facebook ads campaign", "Lead generation: build a list of B2B prospects"],
    "Translation": ["Translate a user manual from German to English", "Spanish to French translation of a website"],
    "Web, Mobile & Software Dev": ["Fix bugs in our React Native app", "Shopify store developer needed"],
    "Writing": ["Ghostwriter for a self-help ebook", "SEO blog articles about home gardening"],
}


def test_written_titles_get_their_category() -> None:
    m = CategoryModel.packaged()
    pairs = [(cat, t) for cat, ts in WRITTEN.items() for t in ts]
    got = [m.predict(t)[0] for _, t in pairs]
    hits = sum(g == cat for g, (cat, _) in zip(got, pairs, strict=True))
    assert hits / len(pairs) >= 0.8, list(zip(got, pairs, strict=True))
    assert set(m.categories) == set(WRITTEN)


def test_every_post_gets_a_category_and_a_confidence() -> None:
    posts = ["", "???", "qwzx vbnm", "Logo", "Hello there", "<p>&amp;</p>"]
    out = classify(__import__("pandas").DataFrame({"job_id": range(len(posts)), "title": posts}))
    assert out.category.notna().all() and (out.category_source == "inferred").all()
    assert out.category_confidence.between(0, 1).all() and (out.category_confidence > 0).all()
    r = Classifier.default().classify("Anything", category="My own")
    assert (r.category, r.category_source, r.category_confidence) == ("My own", "user", 1.0)


def test_description_and_tags_add_evidence() -> None:
    c = Classifier.default()
    title_only = c.classify("Need help with a project").category
    with_desc = c.classify("Need help with a project", "Build a dashboard in Power BI from SQL Server data, DAX")
    with_tags = c.classify("Need help with a project", "", "Power BI|DAX|Data Visualization")
    assert title_only != "Data Science & Analytics"
    assert with_desc.category == with_tags.category == "Data Science & Analytics"


def test_the_shipped_model_holds_arrays_only() -> None:
    z = np.load(DATA, allow_pickle=False)
    assert {"categories", "vocab", "idf", "coef", "intercept"} <= set(z.files)
    assert z["coef"].shape == (len(z["vocab"]), len(z["categories"]))
    assert DATA.stat().st_size < 1_500_000
    assert features("C# and .NET") [:2] == ["w:c#", "w:and"]


def test_jobs_classify_writes_category_confidence(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("job_id,title\n1,Translate a contract from Italian to English\n2,zzzz\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["jobs", "classify", "--input", str(src), "--output", str(tmp_path / "out.csv")])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert list(rows[0]) == ["job_id", "is_ai", "ai_kind", "ai_score", "category", "skills", "category_confidence"]
    assert rows[0]["category"] == "Translation" and all(r["category"] for r in rows)
    assert 0 < float(rows[1]["category_confidence"]) <= 1


@pytest.mark.parametrize("title", ["Python developer", "Write blog posts"])
def test_probabilities_sum_to_one(title: str) -> None:
    m = CategoryModel.packaged()
    s = m.scores(title)
    assert s is not None
    p = np.exp(s - s.max())
    assert m.predict(title)[1] == pytest.approx(float(p.max() / p.sum()))


def test_derived_tables_are_replaced_all_or_none(tmp_path: Path) -> None:
    """A failure while replacing the enrich stage's tables (a kill does the same to the transaction) leaves every
    one of them as it was: new labels never sit beside old skills."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import gigsight

    store = gigsight.connect(f"duckdb://{tmp_path / 'r.duckdb'}")
    for name, v in (("job_labels", "old"), ("job_skills", "old")):
        (tmp_path / name).mkdir()
        pq.write_table(pa.table({"v": [v]}), tmp_path / name / "part-0.parquet")
    store.bulk_replace({"job_labels": tmp_path / "job_labels", "job_skills": tmp_path / "job_skills"})
    new = tmp_path / "new"
    new.mkdir()
    pq.write_table(pa.table({"v": ["new"]}), new / "part-0.parquet")
    with pytest.raises(Exception, match=r"(?i)no files|not found|parquet"):
        store.bulk_replace({"job_labels": new, "job_skills": tmp_path / "missing"})
    assert [store.con.table(t).to_pyarrow()["v"].to_pylist() for t in ("job_labels", "job_skills")] == [["old"],
                                                                                                       ["old"]]
    store.close()

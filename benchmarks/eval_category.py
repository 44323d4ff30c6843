"""Accuracy of category inference against the Upwork subcategory labels of the real posts.

    python benchmarks/eval_category.py --data ../shared/data/jobs

upwork_2024_powerbi_rss.csv labels each post with an Upwork subcategory; the map below (written from Upwork's public
category tree) lifts it to the 12 top-level categories gigsight infers. Posts whose subcategory is not in the map are
left out and counted. Category is inferred from title, description and tags (the label itself is not given).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from real_posts import powerbi_rss

from gigsight.skills.classify import Classifier

DS, WEB, IT = "Data Science & Analytics", "Web, Mobile & Software Dev", "IT & Networking"
ACC, ADMIN, DES = "Accounting & Consulting", "Admin Support", "Design & Creative"
SALES, WRI, ENG, CS = "Sales & Marketing", "Writing", "Engineering & Architecture", "Customer Service"
SUBCATEGORY = {
    "Data Visualization": DS, "Data Analytics": DS, "Data Engineering": DS, "Machine Learning": DS,
    "Data Extraction": DS, "Data Mining": DS, "Data Processing": DS, "Full Stack Development": WEB,
    "Scripting & Automation": WEB, "Back-End Development": WEB, "Front-End Development": WEB,
    "Mobile App Development": WEB, "Desktop Software Development": WEB, "Ecommerce Website Development": WEB,
    "Manual Testing": WEB, "Firmware Development": ENG, "Web Design": DES, "UX/UI Design": DES,
    "Business Applications Development": IT, "Solution Architecture": IT, "Database Administration": IT,
    "Database Development": IT, "Systems Administration": IT, "Cloud Engineering": IT, "DevOps Engineering": IT,
    "Information Security": IT, "Network Security": IT, "Network Administration": IT,
    "Financial Analysis & Modeling": ACC, "Business Analysis & Strategy": ACC, "Accounting": ACC,
    "Bookkeeping": ACC, "Management Consulting": ACC, "Recruiting & Talent Sourcing": ACC,
    "Logistics & Supply Chain Management": ACC, "Career Coaching": ACC, "Training & Development": ACC,
    "Digital Project Management": ADMIN, "Development & IT Project Management": WEB, "General Virtual Assistance": ADMIN,
    "Data Entry": ADMIN, "Tech Support": IT, "Presentation Design": DES, "Graphic Design": DES, "3D Animation": DES,
    "Audio Editing": DES, "Video Production": DES, "Videography": DES, "Prototyping": DES,
    "Lead Generation": SALES, "Sales & Business Development": SALES, "Social Media Marketing": SALES,
    "Search Engine Marketing": SALES, "SEO": SALES, "Market Research": SALES, "Marketing Automation": SALES,
    "Community Management": SALES, "Technical Writing": WRI, "Creative Writing": WRI, "Instructional Design": WRI,
    "Electrical Engineering": ENG, "Civil Engineering": ENG, "Mathematics": DS,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of the real posts (../shared/data/jobs)")
    args = ap.parse_args()
    c = Classifier.default()
    hits, n, skipped, none = 0, 0, 0, 0
    confusion: Counter[tuple[str, str]] = Counter()
    golds: Counter[str] = Counter()
    for p in powerbi_rss(args.data):
        gold = SUBCATEGORY.get(p["category"])
        if gold is None:
            skipped += 1
            continue
        got = c.classify(p["title"], p["description"], p["tags"]).category
        golds[gold] += 1
        n += 1
        none += got is None
        hits += got == gold
        if got != gold:
            confusion[(gold, str(got))] += 1
    print(f"category accuracy {hits / n:.3f} on {n} posts (no category inferred: {none}; "
          f"subcategory not mapped: {skipped})")
    top, k = golds.most_common(1)[0]
    print(f"baseline (always {top!r}): {k / n:.3f}")
    print("most common confusions (gold -> inferred):", confusion.most_common(6))


if __name__ == "__main__":
    main()

"""Text proportions of real job posts that the simulator's job grammar is calibrated to.

Reads the shared postings (never copied into the repository) and prints, per file: posts, median title
and description words, median tags per post, the share of posts with a generic AI mention ("AI", "GPT",
"LLM", "machine learning", ...) and, for searches that are not AI searches, that same share (incidental
or real AI mentions in ordinary work).

    python benchmarks/job_text_proportions.py --data ../shared/data/jobs
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

AI_WORDS = re.compile(r"\b(ai|a\.i\.|gpt\w*|chatgpt|llms?|openai|machine learning|artificial intelligence|"
                      r"chatbots?|generative|deep learning|nlp|midjourney|langchain)\b", re.I)
FILES = {
    "upwork_2024_powerbi_rss.csv": ("title", "description_text", "skills", "|"),
    "upwork_2025_four_tracks/Javascript_Developer_Scrapped_Data.csv": ("title", "description", "skills", ","),
    "upwork_2025_four_tracks/Android_Developer_Scrapped_Data.csv": ("title", "description", "skills", ","),
    "upwork_2025_four_tracks/Data_Analyst_Scrapped_Data.csv": ("title", "description", "skills", ","),
    "upwork_2025_four_tracks/Artificial_Intelligence_Scrapped_Data.csv": ("title", "description", "skills", ","),
}


def measure(path: Path, title: str, desc: str, tags: str, sep: str) -> dict[str, object]:
    df = pd.read_csv(path).drop_duplicates(subset=[title, desc])
    text = df[title].fillna("") + " " + df[desc].fillna("")
    words = lambda s: s.fillna("").str.split().str.len()  # noqa: E731
    n_tags = df[tags].fillna("").str.strip("[]").str.split(sep).str.len()
    return {"file": path.name, "posts": len(df), "title_words": float(words(df[title]).median()),
            "description_words": float(words(df[desc]).median()), "tags": float(n_tags.median()),
            "ai_mention_share": round(float(text.str.contains(AI_WORDS).mean()), 3),
            "ai_in_title_share": round(float(df[title].fillna("").str.contains(AI_WORDS).mean()), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of the shared job postings")
    args = ap.parse_args()
    rows = [measure(args.data / f, *spec) for f, spec in FILES.items() if (args.data / f).exists()]
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()

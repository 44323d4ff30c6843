"""``gigsight jobs classify``: classify a CSV or JSON Lines file of posts, streaming, into a CSV.

Input columns: ``job_id,title`` required; ``description``, ``skills`` and ``category`` optional and may be empty.
Output: ``job_id,is_ai,ai_kind,ai_score,category,skills,category_confidence`` (is_ai 0/1, skills as canonical names
joined by "|", every row categorised, with the category model's probability), one row per input row in input
order. Files are read in chunks, so memory stays flat on big files.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from gigsight.errors import GigsightError
from gigsight.skills.classify import classify

CHUNK = 10_000
OUT_COLUMNS = ["job_id", "is_ai", "ai_kind", "ai_score", "category", "skills", "category_confidence"]


def _chunks(path: Path) -> Iterator[pd.DataFrame]:
    kind = "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"
    try:
        if kind == "csv":
            yield from pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=CHUNK)
        else:
            yield from pd.read_json(path, lines=True, dtype=False, chunksize=CHUNK)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise GigsightError(f"{path}: cannot read as {kind.upper()}: {exc}") from exc


def _text(v: object) -> str:
    """Empty for a missing value (None, or NaN where pandas made the column a string column)."""
    return "" if v is None or v != v else str(v)


def classify_file(src: str | Path, dst: str | Path) -> dict[str, Any]:
    """Classify ``src`` into ``dst``; returns counts (rows, ai)."""
    path = Path(src)
    if not path.is_file():
        raise GigsightError(f"{path}: no such file")
    rows = ai = 0
    with Path(dst).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(OUT_COLUMNS)
        for chunk in _chunks(path):
            missing = [k for k in ("job_id", "title") if k not in chunk.columns]
            if missing:
                raise GigsightError(f"{path}: missing column {', '.join(missing)}; the input needs job_id and title "
                                    f"(description, skills optional); found: {', '.join(map(str, chunk.columns))}")
            out = classify(chunk)
            for r in out.itertuples(index=False):
                w.writerow([r.job_id, int(r.is_ai), _text(r.ai_kind), f"{r.ai_score:.3f}", _text(r.category),
                            _text(r.skills), f"{r.category_confidence:.3f}"])
            ai += int(out.is_ai.sum())
            rows += len(chunk)
    return {"rows": rows, "ai": ai}

"""A small seeded marketplace written as canonical CSV files: the demo's input and the tests' fixture.

It is deliberately plain (the calibrated simulator is ``gigsight.simulate``'s job); it exercises every
table, both contract types, fees, bonuses and refunds, and a few AI-related jobs, and passes validation
with zero rejects. Same seed, same bytes.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> counts = write_sample(d, clients=20, seed=1)
>>> sorted(counts) == sorted(p.stem for p in d.glob("*.csv"))
True
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

START = datetime(2022, 1, 1)
END = datetime(2025, 9, 30)
COUNTRIES = ("US", "GB", "DE", "IN", "CA", "AU", "FR", "BR", "PH", "UA")
JOB_TITLES = (
    ("Build a customer support chatbot with the OpenAI API", "Web, Mobile & Software Dev", True, "python|openai api"),
    ("Fine-tune an LLM on our support tickets", "Data Science & Analytics", True, "python|machine learning"),
    ("AI video editing for YouTube shorts", "Design & Creative", True, "video editing|runway"),
    ("Write blog posts with ChatGPT and edit them", "Writing", True, "content writing|chatgpt"),
    ("Shopify store redesign", "Web, Mobile & Software Dev", False, "shopify|css"),
    ("Bookkeeping for a small agency", "Accounting & Consulting", False, "quickbooks"),
    ("Logo design for a bakery", "Design & Creative", False, "logo design|illustrator"),
    ("Translate product pages to Spanish", "Translation", False, "spanish|translation"),
    ("Power BI sales dashboard", "Data Science & Analytics", False, "power bi|sql"),
    ("Virtual assistant for email and calendar", "Admin Support", False, ""),
)
SKILLS = ("python", "javascript", "react", "sql", "machine learning", "chatgpt", "video editing", "seo",
          "copywriting", "graphic design", "excel", "translation")


def _ts(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> int:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return len(rows)


HEADERS = {
    "clients": ["client_id", "signup_at", "country", "company_size", "is_enterprise"],
    "freelancers": ["freelancer_id", "signup_at", "country", "hourly_rate", "title", "profile"],
    "freelancer_skills": ["freelancer_id", "skill"],
    "jobs": ["job_id", "client_id", "posted_at", "title", "description", "category", "subcategory", "budget_type",
             "budget_min", "budget_max", "currency", "skills", "is_ai"],
    "proposals": ["proposal_id", "job_id", "freelancer_id", "submitted_at", "bid_amount"],
    "contracts": ["contract_id", "job_id", "client_id", "freelancer_id", "started_at", "ended_at", "contract_type",
                  "rate"],
    "payments": ["payment_id", "contract_id", "client_id", "freelancer_id", "paid_at", "amount", "client_fee",
                 "freelancer_fee", "currency", "kind"],
}


def write_sample(out: str | Path, clients: int = 400, seed: int = 7) -> dict[str, int]:
    """Write clients.csv ... payments.csv into ``out``; returns rows per table."""
    rng = np.random.default_rng(seed)
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    span = (END - START).days
    n_free = max(clients // 2, 5)
    c_rows, f_rows, s_rows, j_rows, k_rows, pr_rows = [], [], [], [], [], []
    p_rows: list[list[str]] = []
    for i in range(n_free):
        signed = START - timedelta(days=int(rng.integers(0, 700)))
        f_rows.append([f"f{i:05d}", _ts(signed), COUNTRIES[int(rng.integers(len(COUNTRIES)))],
                       f"{float(rng.choice([15, 25, 40, 60, 90])):.2f}", "Freelancer", ""])
        for s in rng.choice(len(SKILLS), size=3, replace=False):
            s_rows.append([f"f{i:05d}", SKILLS[int(s)]])
    job_no = 0
    for i in range(clients):
        cid = f"c{i:05d}"
        signed = START + timedelta(days=int(rng.integers(0, span - 60)))
        c_rows.append([cid, _ts(signed), COUNTRIES[int(rng.integers(len(COUNTRIES)))], "", ""])
        scale = float(rng.lognormal(6.0, 1.2))  # heavy tail: a few clients carry most spend
        for _ in range(int(rng.integers(1, 5))):
            posted = signed + timedelta(days=int(rng.integers(0, max((END - signed).days - 30, 1))))
            title, cat, is_ai, tags = JOB_TITLES[int(rng.integers(len(JOB_TITLES)))]
            hourly = bool(rng.random() < 0.4)
            jid = f"j{job_no:06d}"
            job_no += 1
            j_rows.append([jid, cid, _ts(posted), title, f"{title}. Details in the brief.", cat, "",
                           "hourly" if hourly else "fixed", "", f"{scale:.2f}", "USD", tags, str(is_ai).lower()])
            fid = f"f{int(rng.integers(n_free)):05d}"
            pr_rows.append([f"pr{job_no:06d}", jid, fid, _ts(posted + timedelta(hours=5)), f"{scale:.2f}"])
            if rng.random() < 0.25:
                continue  # not every job is filled
            started = posted + timedelta(days=int(rng.integers(1, 10)))
            kid = f"k{job_no:06d}"
            k_rows.append([kid, jid, cid, fid, _ts(started), "", "hourly" if hourly else "fixed", f"{scale:.2f}"])
            p_rows += _payments(rng, [kid, cid, fid], started, hourly, scale, len(p_rows))
    rows = {"clients": c_rows, "freelancers": f_rows, "freelancer_skills": s_rows, "jobs": j_rows,
            "proposals": pr_rows, "contracts": k_rows, "payments": p_rows}
    return {t: _write(d / f"{t}.csv", HEADERS[t], rows[t]) for t in HEADERS}


def _payments(rng: np.random.Generator, ids: list[str], started: datetime, hourly: bool, scale: float,
              first: int) -> list[list[str]]:
    """A contract's payments (ids from ``first`` on): up to five, days apart, a few refunds and bonuses."""
    out: list[list[str]] = []
    paid = started
    for n in range(int(rng.integers(1, 6))):
        paid = paid + timedelta(days=int(rng.integers(3, 30)))
        if paid > END:
            break
        amount = round(scale * float(rng.uniform(0.3, 1.0)), 2)
        kind = "hourly" if hourly else "milestone"
        if n > 0 and rng.random() < 0.05:
            kind, amount = "refund", -round(amount / 2, 2)
        elif n > 0 and rng.random() < 0.05:
            kind = "bonus"
        fee = round(max(amount, 0) * 0.05, 2)
        out.append([f"p{first + len(out):07d}", *ids, _ts(paid), f"{amount:.2f}", f"{fee:.2f}",
                    f"{round(max(amount, 0) * 0.10, 2):.2f}", "USD", kind])
    return out


def sample_store(clients: int = 30, seed: int = 1) -> Any:
    """An in-memory DuckDB store holding a sample marketplace (for examples and notebooks).

    >>> sample_store(clients=10).con.table("clients").count().execute()
    10
    """
    import tempfile

    from gigsight.backends import connect
    from gigsight.ingest.pipeline import ingest

    store = connect("duckdb://:memory:")
    with tempfile.TemporaryDirectory(prefix="gigsight-sample-") as d:
        write_sample(d, clients=clients, seed=seed)
        ingest(store, d)
    return store

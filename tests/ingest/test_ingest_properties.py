"""Property test over generated files (issue 18): whatever the rows hold, in CSV, JSON Lines or Parquet,
``read = loaded + rejected`` for the file, every row is either stored or has a reject naming its row, and every
stored value is exactly the one written (text byte for byte, whole numbers and yes/no as written, timestamps to
the second), never a changed one. Trimming means spaces only, as the engine trims ids."""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gigsight
from gigsight.ingest.pipeline import ingest

ids = st.one_of(st.from_regex(r"c[0-9]{1,3}", fullmatch=True), st.text(max_size=6))
texts = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["=CMD()", "<script>", "a,b", 'q"q', "\n", " x "]))
sizes = st.one_of(st.none(), st.integers(-5, 20_000_000).map(str), st.sampled_from(["10.5", "0x10", "+-3", "1e3",
                                                                                   " 7 ", "٣", "007"]))
flags = st.one_of(st.none(), st.sampled_from(["yes", "no", "TRUE", "0", "maybe", ""]))
days = st.one_of(st.dates(dt.date(1980, 1, 1), dt.date(2030, 1, 1)).map(str),
                 st.sampled_from(["2024-02-30", "yesterday", "", "2024-01-01T25:00:00", "2024-01-01 10:00:00+02:00"]))
rows = st.lists(st.fixed_dictionaries({"client_id": ids, "signup_at": days, "country": texts,
                                       "company_size": sizes, "is_enterprise": flags}), min_size=1, max_size=25)
COLUMNS = ("client_id", "signup_at", "country", "company_size", "is_enterprise")
# what an id is trimmed of: the Unicode space separators (" ", no-break space, em space...), not tabs or newlines
SPACES = "".join(chr(i) for i in range(0x3001) if unicodedata.category(chr(i)) == "Zs")


def write(rows: list[dict[str, Any]], fmt: str, folder: Path) -> Path:
    path = folder / f"clients.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS)
            w.writerows([[r[c] for c in COLUMNS] for r in rows])
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        pq.write_table(pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in COLUMNS}), path)
    return path


def stored_as_written(r: dict[str, Any], got: dict[str, Any], fmt: str) -> None:
    blank = (lambda v: v is None or v == "") if fmt == "csv" else (lambda v: v is None)
    assert got["client_id"] == r["client_id"].strip(SPACES)
    assert got["country"] == (None if blank(r["country"]) or r["country"] == "" else r["country"])
    size = r["company_size"]
    assert got["company_size"] == (None if size is None or not size.strip(" ") else int(size.strip(" ")))
    flag = (r["is_enterprise"] or "").strip(" ").lower()
    assert got["is_enterprise"] == (None if not flag else flag in ("yes", "true", "1"))
    when = dt.datetime.fromisoformat(r["signup_at"].strip(" "))
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    assert got["signup_at"] == when


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_every_row_is_stored_exactly_or_rejected_with_its_row(fmt: str, tmp_path_factory: pytest.TempPathFactory
                                                              ) -> None:
    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=rows)
    def check(rows: list[dict[str, Any]]) -> None:
        folder = tmp_path_factory.mktemp(fmt)
        source = write(rows, fmt, folder)
        with gigsight.connect(f"duckdb://{folder / 's.duckdb'}") as store:
            result = ingest(store, source)
            [s] = result.sources
            assert s.read == len(rows) and s.read == s.loaded + s.rejected
            stored = {r["client_id"]: r for r in store.con.table("clients").execute().to_dict("records")}
            rejected_rows = set(store.con.table("rejects").execute()["row_number"].astype(int))
        assert len(stored) == s.loaded and len(rejected_rows) == s.rejected
        first_of: dict[str, int] = {}
        for n, r in enumerate(rows, start=1):
            if n in rejected_rows:
                continue
            key = r["client_id"].strip(SPACES)
            assert key in stored and key not in first_of, f"row {n} neither stored nor rejected"
            first_of[key] = n
            got = stored[key]
            got = {k: (None if v is None or v != v else v) for k, v in got.items()}  # NaN/NaT -> None
            if got["signup_at"] is not None:
                got["signup_at"] = got["signup_at"].to_pydatetime()
            if got["company_size"] is not None:
                got["company_size"] = int(got["company_size"])
            stored_as_written(r, got, fmt)

    check()

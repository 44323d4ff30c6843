"""Tables shared between computations (metrics.grains.Shared) give the same answers as fresh ones, on every
engine, and a write through the store drops them, so no answer is stale."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from gigsight.backends.base import Store
from gigsight.backends.shared import _SHARED, Shared
from gigsight.ingest.pipeline import ingest
from gigsight.metrics import compute
from tests.helpers.files import write_csv, write_records

QUESTIONS = [
    (["gsv", "active_clients", "new_clients", "ai_freelancers", "jobs_posted"], None),
    (["gsv", "active_clients"], "country"),
    (["gsv", "ai_jobs"], "category"),
    (["clients_by_tier", "gsv_by_tier"], "tier"),
]


@pytest.mark.backend
def test_shared_tables_answer_like_fresh_ones_and_writes_drop_them(store: Store, tmp_path: Path) -> None:
    ingest(store, write_records(tmp_path))
    fresh = [compute(m, period="quarter", by=by, compare=["yoy"], con=store) for m, by in QUESTIONS]
    with Shared(store.con) as shared:
        again = [compute(m, period="quarter", by=by, compare=["yoy"], con=store) for m, by in QUESTIONS]
        built = len(shared.tables)
        assert built >= 4  # payment facts, client buckets and periods, jobs, freelancers: built once, kept
        [compute(m, period="quarter", by=by, compare=["yoy"], con=store) for m, by in QUESTIONS]
        assert len(shared.tables) == built  # asked again: nothing rebuilt

        before = compute("gsv", period="quarter", con=store).set_index("period").gsv
        write_csv(tmp_path / "more" / "payments.csv",
                  ["payment_id", "contract_id", "client_id", "freelancer_id", "paid_at", "amount", "client_fee",
                   "freelancer_fee", "currency", "kind"],
                  [["p-new", "k1", "c2", "f1", "2025-08-15T12:00:00Z", "123.45", "0.00", "0.00", "USD", "bonus"]])
        ingest(store, tmp_path / "more")
        assert shared.tables == {}  # the write dropped them
        after = compute("gsv", period="quarter", con=store).set_index("period").gsv
    assert id(store.con) not in _SHARED
    for a, b in zip(fresh, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert after["2025Q3"] == before["2025Q3"] + Decimal("123.45")
    assert (after.drop("2025Q3") == before.drop("2025Q3")).all()


def test_a_sharing_function_shares_within_its_call_only(tmp_path: Path) -> None:
    import gigsight
    from gigsight.backends.shared import sharing

    store = gigsight.connect(f"duckdb://{tmp_path / 's.duckdb'}")
    ingest(store, write_records(tmp_path))
    seen: list[int] = []

    @sharing
    def two_questions(claims: list[str], con: Store) -> list[pd.DataFrame]:
        out = [compute(c, period="quarter", con=con) for c in claims]
        seen.append(len(_SHARED[id(con.con)]))
        return out

    got = two_questions(["gsv", "active_clients"], store)  # the store passed by position, after another argument
    assert seen[0] >= 2 and id(store.con) not in _SHARED
    pd.testing.assert_frame_equal(got[1], compute("active_clients", period="quarter", con=store))
    store.close()

"""Calendar and definition edge cases, on every engine, with hand-written records."""

from __future__ import annotations

from pathlib import Path

import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.config import Settings
from gigsight.ingest.pipeline import ingest
from gigsight.metrics import compute
from gigsight.metrics.facts import refresh
from tests.helpers.files import write_records


@pytest.fixture
def edge(store: Store, tmp_path: Path) -> Store:
    assert ingest(store, write_records(tmp_path / "in")).rejected == 0
    return store


def rows(df: object, key: str = "period") -> dict[str, dict[str, object]]:
    return {r[key]: r for r in df.to_dict(orient="records")}  # type: ignore[attr-defined]


@pytest.mark.parametrize("kept", [False, True], ids=["computed", "kept-facts"])
def test_calendar_and_activity_edges(edge: Store, kept: bool) -> None:
    if kept:
        refresh(edge)
    q = rows(compute(["gsv", "active_clients", "new_clients"], con=edge))
    assert {k: v["gsv"] for k, v in q.items()} == {
        "2024Q1": 400.0, "2024Q2": 0, "2024Q3": 100.0, "2024Q4": 200.0, "2025Q1": 0, "2025Q2": 800.0,
        "2025Q3": -50.0, "2025Q4": 1600.0}
    assert q["2025Q2"]["active_clients"] == 3  # c1 (Sep 2024), c2 (Oct 2024), c5 (Jun 2025)
    assert q["2025Q3"]["active_clients"] == 2  # c1 drops out exactly; c3's refund does not count
    assert sum(v["new_clients"] for v in q.values()) == 5  # everyone but c3
    m = rows(compute(["gsv", "active_clients"], period="month", con=edge))
    assert m["2024-02"]["gsv"] == 400.0
    assert m["2025-01"]["active_clients"] == 3 and m["2025-02"]["active_clients"] == 2  # the leap day ages out


def test_segment_missing_a_year_earlier_has_null_growth(edge: Store) -> None:
    df = compute("gsv", period="year", by="ai", compare="yoy", con=edge)
    ai_2025 = next(r for r in df.to_dict(orient="records") if r["period"] == "2025" and r["ai"])
    assert ai_2025["gsv"] == 2400.0 and ai_2025["gsv_yoy"] is None


def test_fiscal_years(edge: Store) -> None:
    want = {"2024": 400.0, "2025": 1100.0, "2026": 1550.0}
    fiscal = Settings(fiscal_year_start_month=7)
    df = compute("gsv", period="year", con=edge, settings=fiscal)
    assert {r["period"]: r["gsv"] for r in df.to_dict(orient="records")} == want
    refresh(edge)  # facts kept for calendar years must not answer a fiscal-year question
    df = compute("gsv", period="year", con=edge, settings=fiscal)
    assert {r["period"]: r["gsv"] for r in df.to_dict(orient="records")} == want
    refresh(edge, fiscal)  # and facts kept for these fiscal years answer it the same
    df = compute(["gsv", "active_clients"], period="year", con=edge, settings=fiscal)
    assert {r["period"]: r["gsv"] for r in df.to_dict(orient="records")} == want


def test_bad_requests_get_clear_errors(duck: Store, tmp_path: Path) -> None:
    with pytest.raises(gigsight.ConfigError, match="no payments in the store"):
        compute("gsv", con=duck)
    ingest(duck, write_records(tmp_path / "in"))
    cases = [
        (dict(metrics="gvs"), "did you mean 'gsv'"),
        (dict(metrics="gsv", by="contry"), "did you mean 'country'"),
        (dict(metrics="active_freelancers", by="ai"), "no metric asked can be split by ai"),
        (dict(metrics="clients_by_tier"), "add by=\\['tier'\\]"),
        (dict(metrics="gsv", period="week"), "unknown period 'week'"),
        (dict(metrics="gsv", compare="wow"), "unknown comparison 'wow'"),
        (dict(metrics="gsv", start="2031Q1"), "period outside the data"),
        (dict(metrics="gsv", start="2025-07"), "is not a quarter like 2025Q3"),
    ]
    for kwargs, message in cases:
        with pytest.raises(gigsight.ConfigError, match=message):
            compute(con=duck, **kwargs)  # type: ignore[arg-type]


def test_user_metric_with_a_broken_expression_names_itself(duck: Store, tmp_path: Path) -> None:
    from gigsight.metrics import REGISTRY, Metric, register

    ingest(duck, write_records(tmp_path / "in"))
    register(Metric("broken_metric", "Refers to a column that does not exist.", "usd", "payments",
                    measure=lambda t: t.no_such_column.sum()))
    try:
        with pytest.raises(gigsight.ConfigError, match=r"metric 'broken_metric' \(defined at .*test_edge_cases"):
            compute("broken_metric", con=duck)
        df = compute("gsv", con=duck)  # the registry still works for everything else
        assert len(df) == 8
    finally:
        REGISTRY.pop("broken_metric")


def test_an_operation_the_engine_lacks_is_a_capability_error(edge: Store) -> None:
    from gigsight.metrics import REGISTRY, Metric, register

    register(Metric("amount_kurtosis", "Kurtosis of payment amounts (DuckDB has it; Postgres and Spark do not).",
                    "ratio", "payments", measure=lambda t: t.amount.cast("float64").kurtosis()))
    try:
        if edge.name == "duckdb":
            assert "amount_kurtosis" in compute("amount_kurtosis", period="year", con=edge).columns
        else:
            with pytest.raises(gigsight.BackendError, match=r"backend cannot compute amount_kurtosis"):
                compute("amount_kurtosis", period="year", con=edge)
    finally:
        REGISTRY.pop("amount_kurtosis")


@pytest.mark.backend
def test_a_store_left_incomplete_by_an_interrupted_write_is_refused(store: Store) -> None:
    """A simulation on Postgres or Spark commits table by table: killed half-way, the store must say so rather
    than report GSV 0 (issue 18, item 4). An exception stands in for the kill: the mark is only removed at the end."""
    from gigsight.backends.base import marked_incomplete
    from gigsight.errors import GigsightError

    with pytest.raises(RuntimeError), marked_incomplete(store, "simulate of seed-q3"):
        raise RuntimeError("killed")
    with pytest.raises(GigsightError, match=r"incomplete: a simulate of seed-q3 started .* did not finish"):
        compute("gsv", con=store)
    with marked_incomplete(store, "simulate of seed-q3"):
        pass
    assert "gigsight_incomplete" not in store.tables()
    with pytest.raises(GigsightError, match="no payments in the store"):  # the empty store it is, said as such
        compute("gsv", con=store)

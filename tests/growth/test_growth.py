"""Growth bridge identities, planted driver effects and cohort retention, on every engine."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.ingest.pipeline import ingest
from gigsight.ingest.sample import write_sample
from gigsight.insights import cohorts, explain_change, growth_bridge, segment_growth
from gigsight.insights.segment_growth import growth_interval
from gigsight.metrics import compute
from tests.helpers.files import write_csv
from tests.helpers.oracle import Oracle, quarter_label


def planted(d: Path) -> Path:
    """2024: category A 2 clients x $100, B 2 x $100. 2025: A 4 x $100 (more clients), B 2 x $300 (more each)."""
    spec = [("A", 2024, 100), ("A", 2024, 100), ("B", 2024, 100), ("B", 2024, 100),
            ("A", 2025, 100), ("A", 2025, 100), ("A", 2025, 100), ("A", 2025, 100), ("B", 2025, 300),
            ("B", 2025, 300)]
    write_csv(d / "clients.csv", ["client_id", "signup_at"], [[f"c{i}", "2023-01-01"] for i in range(len(spec))])
    write_csv(d / "freelancers.csv", ["freelancer_id", "signup_at"], [["f1", "2023-01-01"]])
    write_csv(d / "jobs.csv", ["job_id", "client_id", "posted_at", "title", "budget_type", "category"],
              [[f"j{i}", f"c{i}", "2023-06-01", "Work", "fixed", cat] for i, (cat, _, _) in enumerate(spec)])
    write_csv(d / "contracts.csv", ["contract_id", "job_id", "client_id", "freelancer_id", "started_at",
                                    "contract_type"],
              [[f"k{i}", f"j{i}", f"c{i}", "f1", "2023-06-02", "fixed"] for i in range(len(spec))])
    write_csv(d / "payments.csv", ["payment_id", "contract_id", "client_id", "freelancer_id", "paid_at", "amount",
                                   "client_fee", "freelancer_fee", "currency", "kind"],
              [[f"p{i}", f"k{i}", f"c{i}", "f1", f"{year}-05-01", f"{amt}.00", "0", "0", "USD", "milestone"]
               for i, (_, year, amt) in enumerate(spec)])
    return d


def test_planted_size_and_rate_effects_are_recovered(store: Store, tmp_path: Path) -> None:
    ingest(store, planted(tmp_path / "in"))
    df = explain_change("gsv", "2024", "2025", by=["category"], con=store)
    got = {r["segment"]: (r["change"], r["size_effect"], r["rate_effect"]) for r in df.to_dict(orient="records")}
    assert got == {"B": (400.0, 0.0, 400.0), "A": (200.0, 200.0, 0.0)}
    assert list(df.segment) == ["B", "A"]  # ranked by the size of the change
    assert [round(s, 4) for s in df.share_of_change] == [0.6667, 0.3333]


def test_bridges_add_up_and_cohorts_match_the_oracle(store: Store, tmp_path: Path) -> None:
    write_sample(tmp_path / "in", clients=50, seed=8)
    ingest(store, tmp_path / "in")
    steps = growth_bridge("2025Q3", con=store)
    kpi = compute(["ttm_gsv", "gsv", "revenue"], start="2024Q3", con=store).set_index("period")
    change = {"ttm_gsv": kpi.ttm_gsv["2025Q3"] - kpi.ttm_gsv["2024Q3"],
              "gsv": kpi.gsv["2025Q3"] - kpi.gsv["2024Q3"],
              "revenue": kpi.revenue["2025Q3"] - kpi.revenue["2024Q3"]}
    for bridge in {s.bridge for s in steps}:
        parts = [s for s in steps if s.bridge == bridge]
        assert len(parts) == 2
        assert sum(s.effect for s in parts) == pytest.approx(float(change[bridge.split(" ")[0]]), abs=0.01), bridge
        assert sum(s.share or 0 for s in parts) == pytest.approx(1.0)
    m = cohorts(con=store, period="quarter")
    o = Oracle(tmp_path / "in")
    cohort_of = o.first.map(lambda t: f"{t.year}Q{(t.month - 1) // 3 + 1}")
    pos = o.p[o.p.amount_c > 0].assign(q=lambda x: x.t.map(lambda t: f"{t.year}Q{(t.month - 1) // 3 + 1}"))
    for r in m.to_dict(orient="records")[:25]:
        members = set(cohort_of[cohort_of == r["cohort"]].index)
        year, q = int(r["cohort"][:4]), int(r["cohort"][-1]) - 1 + r["age"]
        label = f"{year + q // 4}Q{q % 4 + 1}"
        active = set(pos[(pos.q == label) & pos.client_id.isin(members)].client_id)
        assert (r["size"], r["active"]) == (len(members), len(active)), r


def test_growth_errors(duck: Store, tmp_path: Path) -> None:
    ingest(duck, planted(tmp_path / "in"))
    with pytest.raises(gigsight.ConfigError, match="comparison period 2023 must be in the data"):
        growth_bridge("2024", con=duck)
    with pytest.raises(gigsight.ConfigError, match="additive payment metrics"):
        explain_change("take_rate", "2024", "2025", by="category", con=duck)
    with pytest.raises(gigsight.ConfigError, match="must come before"):
        explain_change("gsv", "2025", "2024", by="category", con=duck)
    with pytest.raises(gigsight.ConfigError, match="did you mean 'country'"):
        explain_change("gsv", "2024", "2025", by="contry", con=duck)
    assert isinstance(cohorts(con=duck, period="year"), pd.DataFrame)


def test_a_zero_payment_before_the_first_positive_one_is_no_negative_age(duck: Store, tmp_path: Path) -> None:
    d = planted(tmp_path / "in")
    pay = (d / "payments.csv").read_text().splitlines()
    head, first = pay[0].split(","), pay[1].split(",")
    row = dict(zip(head, first, strict=True))
    early = {**row, "payment_id": "p-zero", "paid_at": "2023-06-02", "amount": "0", "client_fee": "0",
             "freelancer_fee": "0"}
    (d / "payments.csv").write_text("\n".join([*pay, ",".join(early[h] for h in head)]) + "\n")
    assert ingest(duck, d).rejected == 0
    m = cohorts(con=duck, period="quarter")
    assert m["age"].min() == 0
    assert m[m.age == 0].logo_retention.min() == 1.0


def test_segment_growth_matches_a_pandas_oracle_with_intervals_that_widen_on_few_clients(
        store: Store, tmp_path: Path) -> None:
    write_sample(tmp_path / "in", clients=60, seed=11)
    ingest(store, tmp_path / "in")
    got = segment_growth("2025Q3", "country", con=store).set_index("segment")
    assert len(got) >= 3 and got.growth_low.notna().sum() >= 2
    o = Oracle(tmp_path / "in")
    country = pd.read_csv(tmp_path / "in" / "clients.csv", dtype=str).set_index("client_id").country.fillna("")
    p = o.p.assign(q=o.p.t.map(quarter_label), country=o.p.client_id.map(country))
    for seg, row in got.iterrows():
        for label, col, clients in (("2025Q3", "gsv", "clients"), ("2024Q3", "gsv_before", "clients_before")):
            rows = p[(p.q == label) & (p.country.astype(str) == str(seg))]
            per_client = rows.groupby("client_id").gsv_c.sum() / 100
            assert row[col] == pytest.approx(float(per_client.sum()), abs=1e-6), (seg, label)
            assert row[clients] == int((per_client > 0).sum())
        if row.growth_low is not None:
            assert row.growth_low < row.growth < row.growth_high
    # the interval's width: the same growth spread over fewer clients is less certain
    few = growth_interval(pd.DataFrame({"y0": [100.0], "y0_sq": [5000.0], "y1": [120.0], "y1_sq": [7200.0]}))
    many = growth_interval(pd.DataFrame({"y0": [100.0], "y0_sq": [500.0], "y1": [120.0], "y1_sq": [720.0]}))
    assert few.growth[0] == many.growth[0] == pytest.approx(0.2)
    assert few.growth_high[0] - few.growth_low[0] > 2 * (many.growth_high[0] - many.growth_low[0])
    with pytest.raises(gigsight.ConfigError, match="not 'tier'"):
        segment_growth("2025Q3", "tier", con=store)

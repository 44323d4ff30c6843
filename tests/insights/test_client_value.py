"""Client value: summaries on every engine against the pandas oracle, the published CDNOW estimates, planted
effects in simulated data, the lists and every face's bad input."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import gigsight
from gigsight.backends.base import Store
from gigsight.cli import app
from gigsight.errors import GigsightError
from gigsight.ingest.sample import write_sample
from gigsight.insights import client_summary as summary_module
from gigsight.insights import clients_act
from gigsight.insights.client_summary import client_summary
from gigsight.insights.clv_models import BGNBD, GammaGamma, ParetoNBD
from tests.helpers import clients_oracle as oracle_clients

COMPARED = ("purchase_days", "x", "t_x", "T", "days_since_last", "total_gsv", "first_day_gsv", "repeat_spend",
            "first_90d_gsv", "ttm_gsv", "prior_ttm_gsv", "days_last_90", "days_last_180", "days_last_365",
            "contracts")


def _edge_rows(folder: Path) -> None:
    """A client whose payments sit on the day boundaries: two on one day, a refund-only day, a payment one second
    before and one exactly at midnight after --at, and a client with only a refund and a zero payment."""
    def add(name: str, rows: list[list[str]]) -> None:
        with (folder / f"{name}.csv").open("a", newline="") as f:
            csv.writer(f).writerows(rows)

    add("clients", [["cz1", "2024-01-01T00:00:00Z", "NZ", "", ""], ["cz2", "2024-01-01T00:00:00Z", "NZ", "", ""]])
    add("jobs", [["jz1", "cz1", "2024-01-02T00:00:00Z", "Edge", "", "Writing", "", "fixed", "", "100", "USD", "",
                  "false"], ["jz2", "cz2", "2024-01-02T00:00:00Z", "Edge", "", "Writing", "", "fixed", "", "100",
                             "USD", "", "false"]])
    add("contracts", [["kz1", "jz1", "cz1", "f00000", "2024-01-03T00:00:00Z", "", "hourly", "10"],
                      ["kz2", "jz2", "cz2", "f00000", "2024-01-03T00:00:00Z", "", "fixed", "10"]])
    pay = [("2025-03-01T08:00:00Z", "100.00", "milestone"), ("2025-03-01T22:00:00Z", "50.00", "bonus"),
           ("2025-03-05T10:00:00Z", "-30.00", "refund"), ("2025-03-20T10:00:00Z", "40.00", "milestone"),
           ("2025-06-30T23:59:59Z", "10.00", "milestone"), ("2025-07-01T00:00:00Z", "999.00", "milestone")]
    rows = [[f"pz1{i}", "kz1", "cz1", "f00000", t, a, "1.00", "0.00", "USD", k] for i, (t, a, k) in enumerate(pay)]
    rows += [["pz20", "kz2", "cz2", "f00000", "2025-03-01T00:00:00Z", "0.00", "0.00", "0.00", "USD", "milestone"],
             ["pz21", "kz2", "cz2", "f00000", "2025-03-02T00:00:00Z", "-5.00", "0.00", "0.00", "USD", "refund"]]
    add("payments", rows)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    write_sample(folder, clients=60, seed=21)
    _edge_rows(folder)
    return folder


def test_summary_matches_the_oracle(store: Store, sample: Path) -> None:
    assert gigsight.ingest(sample, con=store).rejected == 0
    for at in ("2025-03-31", "2025-06-30"):
        got = client_summary(store.con, at)
        want = oracle_clients.summary(sample, at)
        assert list(got["client_id"]) == list(want["client_id"]), at
        for c in COMPARED:
            np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), atol=0.005, err_msg=c)
    edge = client_summary(store.con, "2025-06-30").set_index("client_id").loc["cz1"]
    # 2025-03-01 (two payments), 03-20 and 06-30 23:59:59 are purchase days; the refund day and 07-01 are not
    assert (edge["purchase_days"], edge["t_x"], edge["T"], edge["days_since_last"]) == (3, 121.0, 121.0, 0)
    assert edge["total_gsv"] == pytest.approx(100 + 50 - 30 + 40 + 10 + 5 * 1.0)
    assert "cz2" not in set(client_summary(store.con, "2025-09-28")["client_id"])  # refund and zero: no client


def test_several_days_in_one_pass_match_the_oracle(store: Store, sample: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-pass summaries of several as-of days (in client-id slices on DuckDB: a few payments per slice
    here) equal the oracle day by day, rows in client order."""
    monkeypatch.setattr(summary_module, "ROWS_PER_SLICE", 97)
    assert gigsight.ingest(sample, con=store).rejected == 0
    days = ["2025-06-30", "2024-12-31", "2025-03-31"]
    whole = summary_module.client_summaries(store.con, days)
    # the earlier days thinned to half their clients: the same clients on both, chosen by the id's hash
    half = summary_module.client_summaries(store.con, days, fractions=[1.0, 0.5, 0.5])
    for at, got, thin in zip(days, whole, half, strict=True):
        want = oracle_clients.summary(sample, at)
        assert list(got["client_id"]) == list(want["client_id"]), at
        for c in COMPARED:
            np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), atol=0.005, err_msg=c)
        kept = summary_module.thinned(want, 0.5 if at != days[0] else 1.0)
        assert 0 < len(kept) < len(want) or at == days[0]
        assert list(thin["client_id"]) == list(kept["client_id"]), at
        pd.testing.assert_frame_equal(thin, got[got["client_id"].isin(kept["client_id"])].reset_index(drop=True))


def test_a_slice_compiled_once_reads_what_its_expression_reads(duck: Store, sample: Path) -> None:
    """DuckDB's slices run one compiled query with each slice's ends written in: ends holding a quote or nothing
    give the rows the Ibis expression of that range gives."""
    assert gigsight.ingest(sample, con=duck).rejected == 0
    ends = [summary_module.epoch_day(summary_module.parse_day(d)) for d in ("2025-06-30", "2025-03-31")]
    run = summary_module._compiled_once(duck.con, ends)
    for ids in [(None, "c00030"), ("c00010", "c00040'; drop table payments; --"), ("c0'", None), (None, None)]:
        got = run(ids).to_pandas().sort_values("client_id", ignore_index=True)
        want = summary_module._summary_expr(duck.con, ends, ids).to_pyarrow().to_pandas()
        pd.testing.assert_frame_equal(got, want.sort_values("client_id", ignore_index=True))
    assert run((None, "c00030")).num_rows > 0 and "payments" in duck.con.list_tables()


def test_forecast_runs_on_every_engine(store: Store, sample: Path) -> None:
    gigsight.ingest(sample, con=store)
    f = gigsight.client_value("2025-06-30", horizon_days=90, model="bgnbd", con=store)
    c = f.clients
    assert list(c.columns[:6]) == ["client_id", "purchase_days", "x", "t_x", "T", "first_purchase"]
    assert set(c["client_id"]) == set(oracle_clients.summary(sample, "2025-06-30")["client_id"])
    assert c["p_active"].between(0, 1).all() and (c["expected_purchase_days"] >= 0).all()
    assert sorted(c["rank"]) == list(range(1, len(c) + 1))
    assert c.sort_values("rank")["expected_gsv"].is_monotonic_decreasing


def _cdnow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CDNOW sample summaries from the lifetimes wheel, fetched with pip (never copied into the repository)."""
    d = tmp_path_factory.mktemp("cdnow")
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "lifetimes==0.11.3", "-d",
                    str(d)], check=True, capture_output=True)
    wheel = next(d.glob("*.whl"))
    with zipfile.ZipFile(wheel) as z:
        for n in ("cdnow_customers_summary.csv", "cdnow_customers_summary_with_transactions.csv"):
            (d / n).write_bytes(z.read(f"lifetimes/datasets/{n}"))
    return d


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _cdnow(tmp_path_factory)


def _matches(got: dict[str, float], published: dict[str, float]) -> None:
    """Each estimate equals the published one to its printed digits, or within 0.1% where the published fit
    stopped short of the maximum (checked separately: our log-likelihood is at least theirs)."""
    for k, want in published.items():
        decimals = len(str(want).split(".")[1])
        assert round(got[k], decimals) == want or abs(got[k] / want - 1) < 1e-3, (k, got[k], want)


def test_published_cdnow_estimates(cdnow: Path) -> None:
    s = pd.read_csv(cdnow / "cdnow_customers_summary.csv")
    x, t, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    bg = BGNBD.fit(x, t, T)
    _matches(vars(bg), {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    pn = ParetoNBD.fit(x, t, T)
    _matches(vars(pn), {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    published = np.array([0.553, 10.578, 0.606, 11.669])
    assert ParetoNBD.loglik(np.array(list(vars(pn).values())), x, t, T).sum() >= \
        ParetoNBD.loglik(published, x, t, T).sum()
    g = pd.read_csv(cdnow / "cdnow_customers_summary_with_transactions.csv")
    gg = GammaGamma.fit(g["x"], g["zbar"])
    _matches(vars(gg), {"p": 6.25, "q": 3.74, "gamma": 15.44})
    keep = g["x"] > 0
    assert GammaGamma.loglik(np.array(list(vars(gg).values())), g["x"][keep].to_numpy(float), g["zbar"][keep]).sum() \
        >= GammaGamma.loglik(np.array([6.25, 3.74, 15.44]), g["x"][keep].to_numpy(float), g["zbar"][keep]).sum()
    # the published log-likelihood of BG/NBD on this sample (Fader, Hardie & Lee 2005): -9582.4
    assert BGNBD.loglik(np.array([bg.r, bg.alpha, bg.a, bg.b]), x, t, T).sum() == pytest.approx(-9582.4, abs=0.05)


def test_forecasts_recover_planted_rates() -> None:
    """Clients drawn from a known BG/NBD process: the fit recovers it and the forecast matches the simulated
    future on average."""
    rng = np.random.default_rng(7)
    n, T, h = 20_000, 365.0, 365.0
    lam = rng.gamma(0.8, 1 / 20.0, n)          # r = 0.8, alpha = 20 days
    p = rng.beta(0.9, 4.0, n)                  # a = 0.9, b = 4
    def path(i: int, horizon: float) -> tuple[list[float], list[float]]:
        t, alive, past, future = 0.0, True, [0.0], []
        while alive:
            t += rng.exponential(1 / lam[i])
            if t > T + horizon:
                break
            (past if t <= T else future).append(t)
            alive = rng.random() > p[i]
        return past, future
    xs, txs, fut = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in range(n):
        past, future = path(i, h)
        xs[i], txs[i], fut[i] = len(past) - 1, past[-1], len(future)
    m = BGNBD.fit(xs, txs, np.full(n, T))
    assert m.r == pytest.approx(0.8, rel=0.15) and m.alpha == pytest.approx(20, rel=0.25)
    assert m.expected(xs, txs, np.full(n, T), h).sum() == pytest.approx(fut.sum(), rel=0.05)


def test_lists_and_reasons(duck: Store, sample: Path) -> None:
    gigsight.ingest(sample, con=duck)
    r = gigsight.client_lists("value", limit=5, model="bgnbd", con=duck)
    assert len(r["clients"]) == 5 and r["clients"]["reason"].str.contains("expected \\$").all()
    assert r["deciles"]["share"].sum() == pytest.approx(1.0)
    assert r["deciles"]["share"].iloc[0] == r["deciles"]["share"].max()
    for which in ("at-risk", "rising", "win-back"):
        got = gigsight.client_lists(which, limit=3, model="bgnbd", con=duck)["clients"]
        assert len(got) <= 3 and got["reason"].map(len).gt(20).all()
    with pytest.raises(GigsightError, match="not one of"):
        gigsight.client_lists("loyal", con=duck)


@pytest.mark.parametrize(("args", "message"), [
    (["--at", "2020-01-01"], "before the first payment"),
    (["--at", "2031-01-01"], "after the last payment"),
    (["--at", "yesterday"], "is not a date"),
    (["--horizon-days", "0"], "must be 1-3650"),
    (["--horizon-days", "100000"], "must be 1-3650"),
    (["--model", "magic"], "not one of"),
    (["--model", "covariates", "--at", "2022-08-01"], "--model bgnbd"),
])
def test_cli_bad_input_is_one_line(duck: Store, sample: Path, args: list[str], message: str) -> None:
    gigsight.ingest(sample, con=duck)
    url = duck.url
    duck.close()
    r = CliRunner().invoke(app, ["clients", "value", "--db", url, *args])
    assert r.exit_code == 1 and message in str(r.exception or r.output), r.output


def test_too_few_repeat_clients(duck: Store, sample: Path) -> None:
    gigsight.ingest(sample, con=duck)
    with pytest.raises(GigsightError, match="too few to fit"):
        gigsight.client_value("2022-07-20", model="bgnbd", con=duck)


def _short_history_store(path: Path) -> str:
    """500 clients acquired in January 2024, buying at gamma-distributed rates and leaving after a purchase with
    beta-distributed odds (a BG/NBD process), as bare payments: nine months of history by 2024-09-30."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(500):
        rate, drop = rng.gamma(1.2, 1 / 25.0), rng.beta(1.0, 6.0)
        t = float(rng.uniform(0, 30))
        while t < 640:
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(t), hours=12)
            rows.append((f"q{i:04d}", day, round(float(rng.gamma(2.0, 40.0)) + 1, 2)))
            if rng.random() < drop:
                break
            t += float(rng.exponential(1 / rate))
    tx = pd.DataFrame(rows, columns=["client_id", "paid_at", "amount"])
    con = duckdb.connect(str(path))
    con.register("tx", tx)
    con.execute("""CREATE TABLE payments AS SELECT 'p' || row_number() OVER () AS payment_id,
        NULL::VARCHAR AS contract_id, client_id, paid_at, CAST(amount AS DECIMAL(18, 2)) AS amount,
        0::DECIMAL(18, 2) AS client_fee FROM tx""")
    con.close()
    return f"duckdb://{path}"


def test_auto_picks_bgnbd_or_pareto_on_a_check_when_history_is_short(tmp_path: Path) -> None:
    """Nine months of history cannot check the covariate model over 180 days: auto compares BG/NBD and Pareto/NBD
    one check window back and forecasts with the one its note names; the note's BG/NBD score is the check's own."""
    store = gigsight.connect(_short_history_store(tmp_path / "short.duckdb"), read_only=True)
    f = gigsight.client_value("2024-09-30", horizon_days=180, con=store)
    check = next(n for n in f.notes if n.startswith("Checked "))
    found = re.search(r"Checked (\d+) days back: Pareto/NBD MAE ([\d.]+) purchase days, total ([-+\d.]+)%; BG/NBD MAE "
                      r"([\d.]+), total ([-+\d.]+)%: (Pareto/NBD|BG/NBD) used", check)
    assert found, f.notes
    window, mae_p, tot_p, mae_b, tot_b, name = found.groups()
    assert f.model == {"Pareto/NBD": "pareto", "BG/NBD": "bgnbd"}[name]
    pareto_won = float(mae_p) < float(mae_b) and abs(float(tot_p)) <= max(abs(float(tot_b)), 10.0)
    assert (f.model == "pareto") == pareto_won, check
    back = (pd.Timestamp("2024-09-30") - pd.Timedelta(days=int(window))).date()
    s_back, s_now = summary_module.client_summaries(store.con, [back, "2024-09-30"])
    bg = BGNBD.fit(s_back["x"], s_back["t_x"], s_back["T"])
    real = s_now.set_index("client_id")["purchase_days"].reindex(s_back["client_id"]).to_numpy(float)
    want = np.mean(np.abs(bg.expected(s_back["x"], s_back["t_x"], s_back["T"], float(window))
                          - (real - s_back["purchase_days"].to_numpy(float))))
    assert float(mae_b) == pytest.approx(want, abs=0.0006)
    store.close()


def test_cli_value_csv_has_every_client(duck: Store, sample: Path, tmp_path: Path) -> None:
    gigsight.ingest(sample, con=duck)
    url = duck.url
    duck.close()
    out = tmp_path / "value.csv"
    r = CliRunner().invoke(app, ["clients", "value", "--db", url, "--model", "bgnbd",
                                 "--format", "csv", "--out", str(out)])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    assert list(got.columns[:6]) == ["client_id", "p_active", "expected_purchase_days", "expected_gsv", "clv", "rank"]
    assert set(got["client_id"]) == set(oracle_clients.summary(sample, "2025-09-28")["client_id"])
    r = CliRunner().invoke(app, ["clients", "top", "--list", "at-risk", "--db", url, "--format", "json",
                                 "--model", "bgnbd"])
    assert r.exit_code == 0, r.output
    assert all(set(x) >= {"client_id", "reason"} for x in json.loads(r.stdout))


def test_a_store_made_before_acquisition_channel_gains_it(store: Store, sample: Path) -> None:
    import ibis

    from gigsight.backends.base import ibis_schema
    from gigsight.model.schema import SCHEMA

    old = ibis.schema({k: v for k, v in ibis_schema(SCHEMA["clients"]).items() if k != "acquisition_channel"})
    store.con.drop_table("clients")
    store.con.create_table("clients", schema=old)
    store.ensure_tables()
    assert "acquisition_channel" in store.con.table("clients").columns
    assert gigsight.ingest(sample, con=store).rejected == 0
    assert store.con.table("clients").count().to_pyarrow().as_py() == 62


def test_forecast_against_the_simulators_planted_truth(duck: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulator plants each client's spend level and when it stops buying: clients it stopped well before
    --at get a low P(active), those still buying a high one, and expected GSV follows the planted spend level.
    Run as on a large store: auto's models learn and are checked on a sample of clients, the check scores a
    sample, the trees score the clients a slice at a time; every client still gets a forecast."""
    gigsight.simulate(duck, scale=0.005, validate=False)
    monkeypatch.setattr(clients_act, "CHECK_ROWS", 400)
    monkeypatch.setattr(clients_act, "EARLIER_CLIENTS", 2_500)
    monkeypatch.setattr(clients_act.cv, "APPLY_ROWS", 1_000)
    f = gigsight.client_value("2024-09-30", model="auto", con=duck)
    assert any(n.startswith("Models learn and are checked on a fixed") for n in f.notes), f.notes
    assert sorted(f.clients["client_id"]) == sorted(client_summary(duck.con, "2024-09-30")["client_id"])
    assert f.clients["rank"].tolist() == list(range(1, len(f.clients) + 1))
    assert f.clients["expected_gsv"].is_monotonic_decreasing
    check = next(n for n in f.notes if n.startswith("Checked one horizon back"))
    assert re.search(r"covariates MAE \d+\.\d{3}.*BG/NBD MAE \d+\.\d{3}", check), check
    assert check.endswith("covariate model used" if f.model == "covariates" else "covariate model not used"), check
    truth = duck.con.table("truth_clients").to_pandas().set_index("client_id")
    c = f.clients.join(truth, on="client_id")
    gone = c["dropout_at"].notna() & (c["dropout_at"] < pd.Timestamp("2024-06-30"))
    alive = c["dropout_at"].isna()
    assert gone.sum() > 100 and alive.sum() > 100
    assert c.loc[alive, "p_active"].mean() > c.loc[gone, "p_active"].mean() + 0.3
    assert c.loc[alive, "expected_gsv"].median() > 5 * max(c.loc[gone, "expected_gsv"].median(), 1.0)
    rho = c.loc[alive, ["expected_gsv", "monthly_spend_level"]].corr(method="spearman").iloc[0, 1]
    assert rho > 0.5

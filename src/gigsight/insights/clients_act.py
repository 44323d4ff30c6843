"""Client value on a store: forecasts as of a date, backtests, and the lists an operator acts on.

>>> import gigsight
>>> store = gigsight.connect("duckdb://:memory:")
>>> value(store.con, "2025-01-01")
Traceback (most recent call last):
...
gigsight.errors.GigsightError: no payments in the store: load some (gigsight ingest) or simulate a marketplace
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import numpy as np
import pandas as pd

from gigsight.backends.types import Backend
from gigsight.config import Settings
from gigsight.errors import GigsightError, SourceError
from gigsight.insights import client_value as cv
from gigsight.insights.client_summary import client_summaries, client_summary, parse_day, payment_days

LISTS = ("value", "at-risk", "rising", "win-back")
CHECK_ROWS = 300_000  # clients auto's check scores both models on
# clients the summaries before --at keep (a fixed sample past that): they only train and check models, which use
# 200,000 and 300,000 of them
EARLIER_CLIENTS = 600_000


def last_day(con: Backend) -> str:
    """The last UTC day with a positive payment (YYYY-MM-DD); a one-line error when there is none."""
    span = payment_days(con)
    if span is None:
        raise GigsightError("no payments in the store: load some (gigsight ingest) or simulate a marketplace")
    return str(span[1])


def _range(con: Backend, at: str | dt.date | None) -> tuple[dt.date, dt.date, dt.date]:
    span = payment_days(con)
    if span is None:
        raise GigsightError("no payments in the store: load some (gigsight ingest) or simulate a marketplace")
    first, last = span
    day = last if at is None else parse_day(at)
    if day < first:
        raise GigsightError(f"--at {day} is before the first payment ({first}): nothing to forecast from")
    if day > last:
        raise GigsightError(f"--at {day} is after the last payment in the store ({last}): clients would look lapsed "
                            f"for want of data; use --at {last} or earlier")
    return first, last, day


def _score(s: pd.DataFrame, fc: pd.DataFrame, later: pd.DataFrame) -> tuple[float, float]:
    """MAE of purchase days and the total GSV error of a forecast ``fc`` (rows aligned with the summary ``s``)
    against a later summary."""
    real_days, real_gsv = cv.realised(s, later)
    days, gsv = (cv.cleaned(fc, c) for c in ("expected_purchase_days", "expected_gsv"))
    mae = float(np.mean(np.abs(days - real_days)))
    total = float(gsv.sum() / real_gsv.sum() - 1) if real_gsv.sum() > 0 else float("inf")
    return mae, total


def _wins(mae: float, total: float, mae_other: float, total_other: float) -> bool:
    """Whether a model beat another on a check: a lower per-client MAE of purchase days, and a total no further
    off than the other's (or 10%).

    >>> _wins(0.55, -0.15, 0.59, -0.04), _wins(0.55, -0.09, 0.59, -0.04), _wins(0.60, 0.0, 0.59, -0.3)
    (False, True, False)
    """
    return mae < mae_other and abs(total) <= max(abs(total_other), 0.10)


def _earlier_fraction(con: Backend) -> float:
    """Share of clients kept in the summaries before ``--at``: all of them up to :data:`EARLIER_CLIENTS`."""
    if "clients" not in con.list_tables():
        return 1.0
    n = int(con.table("clients").count().to_pyarrow().as_py())
    return min(1.0, EARLIER_CLIENTS / n) if n else 1.0


def _sample_rows(s: pd.DataFrame) -> np.ndarray | None:
    """Positions of the seeded sample a check scores on (None: every client). The comparison is paired, and
    scoring all clients cost a minute at 1.4M."""
    return np.random.default_rng(0).permutation(len(s))[:CHECK_ROWS] if len(s) > CHECK_ROWS else None


def _choose(horizon: int, s_early: pd.DataFrame, s_mid: pd.DataFrame, s: pd.DataFrame) -> tuple[bool, str]:
    """Evidence for the covariate model: trained on ``s_early`` (two horizons before ``s``), scored on the last
    horizon beside BG/NBD fitted on ``s_mid`` (one horizon before); used when it :func:`_wins`."""
    if len(s_early) < cv.MIN_TRAIN_CLIENTS or int((s_early["x"] > 0).sum()) < 50:
        return False, "Too few clients two horizons before --at to check the covariate model: not used."
    rows = _sample_rows(s_mid)
    cov, _, _ = cv.covariate(s_early, s_mid, horizon, horizon, rows)
    bg, _, _ = cv.probabilistic(s_mid, horizon, "bgnbd")
    if rows is not None:
        s_mid, bg = s_mid.iloc[rows], bg.iloc[rows]
    (mae_c, tot_c), (mae_b, tot_b) = (_score(s_mid, f, s) for f in (cov, bg))
    won = _wins(mae_c, tot_c, mae_b, tot_b)
    return won, (f"Checked one horizon back: covariates MAE {mae_c:.3f} purchase days, total {tot_c:+.1%}; BG/NBD "
                 f"MAE {mae_b:.3f}, total {tot_b:+.1%}: covariate model {'used' if won else 'not used'}")


def _pick_probabilistic(s_back: pd.DataFrame, s: pd.DataFrame, window: int) -> tuple[str, str]:
    """BG/NBD or Pareto/NBD on evidence: both fitted on ``s_back`` (``window`` days before ``s``) and scored on
    what the clients did up to ``s``; Pareto/NBD is used when it :func:`_wins`, else BG/NBD (the default)."""
    rows = _sample_rows(s_back)
    scores = {}
    try:
        for kind in ("pareto", "bgnbd"):
            fc, _, _ = cv.probabilistic(s_back, window, kind)
            scores[kind] = _score(s_back, fc, s) if rows is None else _score(s_back.iloc[rows], fc.iloc[rows], s)
    except GigsightError as exc:
        return "bgnbd", f"BG/NBD and Pareto/NBD could not be compared {window} days back ({exc}): BG/NBD used"
    (mae_p, tot_p), (mae_b, tot_b) = scores["pareto"], scores["bgnbd"]
    used = "pareto" if _wins(mae_p, tot_p, mae_b, tot_b) else "bgnbd"
    return used, (f"Checked {window} days back: Pareto/NBD MAE {mae_p:.3f} purchase days, total {tot_p:+.1%}; "
                  f"BG/NBD MAE {mae_b:.3f}, total {tot_b:+.1%}: {'Pareto/NBD' if used == 'pareto' else 'BG/NBD'} "
                  "used")


def value(con: Backend, at: str | dt.date | None = None, horizon_days: int = 365, model: str = "auto",
          discount_rate: float = 0.10, settings: Settings | None = None) -> cv.Forecast:
    """Forecast every client with a positive payment up to ``at`` (default: the last payment day) over the
    next ``horizon_days``; see :mod:`gigsight.insights.client_value` for the models."""
    if model not in cv.MODELS:
        raise GigsightError(f"--model {model!r} is not one of {', '.join(cv.MODELS)}")
    if not 0 <= discount_rate < 1:
        raise GigsightError(f"the discount rate must be in [0, 1), got {discount_rate}")
    horizon = cv.check_horizon(horizon_days)
    bounds = (settings or Settings()).tier_bounds
    first, _, day = _range(con, at)
    history = (day - first).days
    window = horizon if model == "auto" else cv.training_window(history, horizon)
    validate = model == "auto" and cv.can_validate(history, horizon)
    check = cv.training_window(history, horizon) if model == "auto" and not validate else None
    # every summary the model needs, in one pass over the payments: as of --at, and for auto one and two
    # horizons back (its checks) or one check window back, for covariates one training window back
    back = {"auto": [horizon, 2 * horizon] if validate else [check] if check else [],
            "covariates": [window] if window is not None else []}.get(model, [])
    fraction = _earlier_fraction(con) if back else 1.0
    s, *earlier = client_summaries(con, [day, *(day - dt.timedelta(days=b) for b in back)], bounds,
                                   [1.0, *(fraction for _ in back)])
    notes: list[str] = []
    if fraction < 1:
        notes.append(f"Models learn and are checked on a fixed {fraction:.0%} of clients ({len(earlier[0]):,} with a "
                     f"payment {back[0]} days before --at); every client is scored")
    used = model
    if model == "auto":
        used = "bgnbd"
        if validate:
            won, why = _choose(horizon, earlier[1], earlier[0], s)
            del earlier[1:]  # two horizons back served the check only: free it before the last fit
            notes.append(why)
            used = "covariates"
            if not won:
                used, why = _pick_probabilistic(earlier[0], s, horizon)
                notes.append(why)
        else:
            notes.append(f"{history} days of history before --at: two horizons ({2 * horizon + 30} days) are needed "
                         "to check the covariate model before trusting it")
            if check is not None:
                used, why = _pick_probabilistic(earlier[0], s, check)
                notes.append(why)
            else:
                notes.append("too little history to compare BG/NBD and Pareto/NBD: BG/NBD + Gamma-Gamma used")
    if used == "covariates":
        if window is None:
            raise GigsightError(f"the covariate model learns from the history before --at, and {history} days is too "
                                "little (at least 60); use --model bgnbd")
        fc, info, more = cv.covariate(earlier[0], s, window, horizon)
    else:
        fc, info, more = cv.probabilistic(s, horizon, used)
    out = cv.finish(s, fc, horizon, discount_rate)
    return cv.Forecast(out, used, horizon, discount_rate, {"at": str(day), **info}, notes + more)


def backtest(con: Backend, at: str | dt.date, horizon_days: int = 365,
             models: tuple[str, ...] = ("bgnbd", "pareto", "covariates")) -> pd.DataFrame:
    """Forecast as of ``at`` with each model and score it against what the records show over the horizon:
    per-client MAE of purchase days, share of the period's GSV held by the top 10% predicted, total error."""
    horizon = cv.check_horizon(horizon_days)
    _, last, day = _range(con, at)
    end = day + dt.timedelta(days=horizon)
    if end > last:
        raise GigsightError(f"a backtest as of {day} over {horizon} days needs payments up to {end}; the store "
                            f"ends {last}")
    later = client_summary(con, end)
    rows = []
    for m in models:
        f = value(con, day, horizon, m).clients
        real_days, real_gsv = cv.realised(f, later)
        k = max(1, len(f) // 10)
        top = np.argsort(-f["expected_gsv"].to_numpy())[:k]
        rows.append({"model": m, "clients": len(f), "mae_purchase_days": float(np.mean(np.abs(
            f["expected_purchase_days"].to_numpy() - real_days))),
            "top10_gsv_capture": float(real_gsv[top].sum() / real_gsv.sum()) if real_gsv.sum() > 0 else None,
            "expected_gsv": float(f["expected_gsv"].sum()), "realised_gsv": float(real_gsv.sum()),
            "total_error": float(f["expected_gsv"].sum() / real_gsv.sum() - 1) if real_gsv.sum() > 0 else None})
    return pd.DataFrame(rows)


def money(v: float) -> str:
    """Money for a sentence.

    >>> money(48_250), money(1_234_567), money(812.4)
    ('$48.2K', '$1.23M', '$812')
    """
    if abs(v) >= 1e6:
        return f"${v / 1e6:.2f}M"
    return f"${v / 1e3:.1f}K" if abs(v) >= 1e4 else f"${v:,.0f}"


def _gap(r: Any) -> float | None:
    return r.t_x / r.x if r.x >= 1 else None


def _reason(r: Any, kind: str, horizon: int) -> str:
    gap = _gap(r)
    usual = f" against a usual gap of {gap:.0f} days" if gap else ""
    exp = f"expected {money(r.expected_gsv)} in the next {horizon} days"
    if kind == "at-risk":
        return (f"spent {money(r.ttm_gsv)} in the last 12 months; last paid {r.days_since_last} days ago{usual}; "
                f"P(active) {r.p_active:.2f}; forecast {money(r.expected_gsv)} in the next {horizon} days unless won "
                "back")
    if kind == "rising":
        return (f"new {r.first_purchase}: {money(r.total_gsv)} over {r.purchase_days} purchase days so far; {exp} "
                f"(rank {r['rank']:,})")
    if kind == "win-back":
        return (f"spent {money(r.total_gsv)} over {r.purchase_days} purchase days, last on {r.last_purchase} "
                f"({r.days_since_last} days ago{usual}); P(active) {r.p_active:.2f}")
    return f"{exp}; P(active) {r.p_active:.2f}; {money(r.ttm_gsv)} in the last 12 months"


def top(f: cv.Forecast, which: str = "value", limit: int = 20) -> pd.DataFrame:
    """One of :data:`LISTS` from a forecast, with a reason per client:

    - ``value``: largest expected GSV over the horizon;
    - ``at-risk``: the most value at stake (12-month GSV x (1 - P(active))) among clients who paid in the last
      year, are slipping (overdue: twice their usual gap and 30 days, or P(active) under 0.7) and are not yet lost
      (P(active) 0.1 or more; below that they belong to win-back);
    - ``rising``: clients whose first purchase day is in the last 90 days, by expected GSV;
    - ``win-back``: clients who spent the most among those dormant for over 180 days (up to three years) or
      judged lost (P(active) under 0.1 after 60 days without a purchase).
    """
    if which not in LISTS:
        raise GigsightError(f"--list {which!r} is not one of {', '.join(LISTS)}")
    if limit < 1:
        raise GigsightError(f"--limit must be at least 1, got {limit}")
    c = f.clients
    gap = (c["t_x"] / c["x"].where(c["x"] > 0)).fillna(np.inf)
    if which == "at-risk":
        slipping = (c["days_since_last"] > np.maximum(2 * gap, 30)) | (c["p_active"] < 0.7)
        pick = c[slipping & (c["p_active"] >= 0.1) & (c["ttm_gsv"] > 0)]
        pick = pick.assign(_k=pick["ttm_gsv"] * (1 - pick["p_active"])).sort_values("_k", ascending=False)
    elif which == "rising":
        pick = c[c["T"] < 90].sort_values("expected_gsv", ascending=False)
    elif which == "win-back":
        dormant = (c["days_since_last"] > 180) | ((c["p_active"] < 0.1) & (c["days_since_last"] > 60))
        pick = c[dormant & (c["days_since_last"] <= 1095)].sort_values("total_gsv", ascending=False)
    else:
        pick = c.sort_values("expected_gsv", ascending=False)
    pick = pick.head(limit)
    reasons = [_reason(r, which, f.horizon_days) for _, r in pick.iterrows()]
    cols = ["client_id", "rank", "expected_gsv", "p_active", "ttm_gsv", "total_gsv", "days_since_last", "tier",
            "country"]
    return pick[cols].assign(reason=reasons).reset_index(drop=True)


def deciles(f: cv.Forecast) -> pd.DataFrame:
    """Share of the expected GSV held by each tenth of the active clients (a positive payment in the last 365
    days) ranked by it, the top decile first; clients long gone would only pad the bottom deciles with zeros."""
    c = f.clients[f.clients["days_last_365"] > 0].sort_values("rank")
    n = len(c)
    d = np.minimum((np.arange(n) * 10) // max(n, 1), 9) + 1
    total = float(c["expected_gsv"].sum()) or 1.0
    g = c.assign(decile=d).groupby("decile").agg(clients=("client_id", "size"), expected_gsv=("expected_gsv", "sum"))
    return g.assign(share=g["expected_gsv"] / total).reset_index()


def segments(f: cv.Forecast, by: str = "tier") -> pd.DataFrame:
    """Expected GSV of the horizon by a summary column (tier, acquisition_channel, country, or ai: clients with
    half or more of their GSV on AI-related jobs), with a 90% interval for the total.

    The interval is the forecast's own process noise: each client's purchase days are Poisson around their
    expectation at its expected spend per day, so a segment's variance is the sum of days x spend^2. It leaves
    out the uncertainty of the fitted parameters; read it as the least the total can wander.
    """
    if by not in ("ai", "tier", "acquisition_channel", "country"):
        raise GigsightError(f"segment {by!r} is not one of ai, tier, acquisition_channel, country")
    c = f.clients
    key = (c["ai_share"].fillna(0) >= 0.5).map({True: "AI", False: "other"}) if by == "ai" else c[by]
    days = c["expected_purchase_days"].to_numpy(float)
    per_day = np.divide(c["expected_gsv"].to_numpy(float), days, out=np.zeros(len(c)), where=days > 0)
    g = c.assign(segment=key.fillna("unknown"), _var=days * per_day**2).groupby("segment").agg(
        clients=("client_id", "size"), expected_gsv=("expected_gsv", "sum"), ttm_gsv=("ttm_gsv", "sum"),
        _var=("_var", "sum"))
    half = 1.645 * np.sqrt(g.pop("_var"))
    g["expected_gsv_low"] = (g["expected_gsv"] - half).clip(lower=0)
    g["expected_gsv_high"] = g["expected_gsv"] + half
    return g.sort_values("expected_gsv", ascending=False).reset_index()


def history(con: Backend, client_id: str) -> pd.DataFrame:
    """One client's payments by calendar month: GSV, refunds, purchase days, contracts paid."""
    if "payments" not in con.list_tables():
        raise GigsightError("no payments in the store: load some (gigsight ingest) or simulate a marketplace")
    if any(ord(ch) < 32 for ch in str(client_id)):  # no stored id holds a control character (and no SQL one)
        raise SourceError(f"client {client_id!r} has no payments in the store")
    p = con.table("payments")
    p = p.filter(p.client_id == str(client_id))
    p = p.mutate(month=p.paid_at.truncate("M").cast("date"), day=p.paid_at.truncate("D"),
                 gsv=(p.amount + p.client_fee).cast("float64"))
    g = p.group_by("month").aggregate(
        gsv=p.gsv.sum(), refunds=ibis.ifelse(p.amount < 0, p.amount.cast("float64"), 0.0).sum(),
        purchase_days=ibis.ifelse(p.amount > 0, p.day, None).nunique(), contracts=p.contract_id.nunique(),
    ).order_by("month").to_pandas()
    if g.empty:
        raise SourceError(f"client {client_id!r} has no payments in the store")
    g["month"] = pd.to_datetime(g["month"]).dt.strftime("%Y-%m")
    return g.round({"gsv": 2, "refunds": 2})

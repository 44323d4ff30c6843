"""Client value forecasts: expected purchase days, GSV and discounted value over a horizon, per client.

Three models, one output (docs/clients.md):

- ``bgnbd``: BG/NBD for purchase days and P(active), Gamma-Gamma for spend per purchase day.
- ``pareto``: the same with Pareto/NBD.
- ``covariates``: BG/NBD + Gamma-Gamma corrected by gradient-boosted trees (Poisson loss, the BG/NBD forecast as
  offset) on the client summary and the covariates a marketplace knows, trained on an earlier date with the
  outcome the records then show ("fit as of at - L, learn what happened by at"), then applied as of ``at``.
- ``auto`` (the default): ``covariates`` when the history holds two horizons before ``at`` and the covariate
  model beat BG/NBD one horizon earlier (trained two horizons back, scored on the last one), else ``pareto``
  when Pareto/NBD beat BG/NBD on the same kind of check, else ``bgnbd``.

>>> can_validate(3 * 365, 365), training_window(3 * 365, 365)
(True, 365)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gigsight.errors import GigsightError
from gigsight.insights.clv_models import BGNBD, GammaGamma, ParetoNBD, params

MODELS = ("auto", "bgnbd", "pareto", "covariates")
VALUE_COLUMNS = ("client_id", "p_active", "expected_purchase_days", "expected_gsv", "clv", "rank")
MIN_REPEAT_CLIENTS = 20
MIN_TRAIN_CLIENTS = 300
FIT_ROWS = 200_000  # clients a model is fitted on (a seeded sample beyond that); every client is scored
APPLY_ROWS = 250_000  # clients the covariate model scores at a time
MIN_CORRECTED_DAYS = 1e-4  # BG/NBD forecasts (purchase days) below this are not corrected by the trees
NUMERIC = ("x", "t_x", "T", "days_since_last", "total_gsv", "repeat_spend", "first_day_gsv", "first_90d_gsv",
           "ttm_gsv", "prior_ttm_gsv", "days_last_90", "days_last_180", "days_last_365", "max_day_gsv", "contracts",
           "hourly_share", "ai_share", "company_size", "is_enterprise")
CATEGORICAL = ("acquisition_channel", "country", "tier")


def discount_factor(horizon_days: int, annual_rate: float) -> float:
    """Present value of 1 spent evenly over the horizon, discounted continuously at ``annual_rate``.

    >>> round(discount_factor(365, 0.10), 4)
    0.9538
    """
    delta = math.log1p(annual_rate) * horizon_days / 365.0
    return 1.0 if delta == 0 else (1 - math.exp(-delta)) / delta


@dataclass
class Forecast:
    """Per-client forecast (``clients``: the summary columns plus :data:`VALUE_COLUMNS`) and how it was made."""

    clients: pd.DataFrame
    model: str
    horizon_days: int
    discount_rate: float
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _check_fit(s: pd.DataFrame) -> None:
    repeat = int((s["x"] > 0).sum())
    if len(s) == 0:
        raise GigsightError("no client has a positive payment up to --at: choose a later date")
    if repeat < MIN_REPEAT_CLIENTS:
        raise GigsightError(f"only {repeat} of {len(s):,} clients bought on more than one day up to --at: too few to "
                            f"fit a purchase model (needs {MIN_REPEAT_CLIENTS}); use a later --at or a longer history")


def fitted(s: pd.DataFrame, kind: str = "bgnbd") -> Any:
    """The purchase model (bgnbd or pareto) or the spend model ("spend") of a summary, fitted once: auto mode
    reads the same summaries for its check and its forecast, so fits are kept in the frame's ``attrs``."""
    cache = s.attrs.setdefault("fitted", {})
    if kind not in cache:
        if kind == "spend":
            cache[kind] = _spend_model(s)
        else:
            f = _sample(s)
            cache[kind] = (BGNBD if kind == "bgnbd" else ParetoNBD).fit(f["x"], f["t_x"], f["T"])
    return cache[kind]


def _sample(s: pd.DataFrame) -> pd.DataFrame:
    """At most :data:`FIT_ROWS` clients, the same ones on every run (parameters of four- and three-parameter
    models are pinned down long before that; past it a fit only costs time)."""
    return s if len(s) <= FIT_ROWS else s.sample(FIT_ROWS, random_state=0)


def _spend_model(s: pd.DataFrame) -> tuple[np.ndarray, dict[str, float], list[str]]:
    """Expected GSV per future purchase day of each client (Gamma-Gamma, or the plain mean when it cannot fit)."""
    try:
        f = _sample(s)
        gg = GammaGamma.fit(f["x"], f["repeat_spend"])
        if gg.q <= 1.05:  # the population's mean spend is infinite or nearly: its shrinkage cannot be trusted
            raise GigsightError(f"Gamma-Gamma fitted q = {gg.q:.2f} <= 1, spend per purchase day is too "
                                "heavy-tailed across clients for it")
        return gg.mean_spend(s["x"], s["repeat_spend"]), params(gg), []
    except GigsightError as exc:
        per_day = (s["total_gsv"] / s["purchase_days"]).clip(lower=0).to_numpy(float)
        note = f"spend per purchase day is each client's own mean ({exc})"
        return per_day, {}, [note]


def probabilistic(s: pd.DataFrame, horizon: int, kind: str = "bgnbd") -> tuple[pd.DataFrame, dict[str, Any],
                                                                             list[str]]:
    """BG/NBD (or Pareto/NBD) + Gamma-Gamma on a client summary: p_active, expected purchase days and GSV."""
    _check_fit(s)
    model: BGNBD | ParetoNBD = fitted(s, kind)
    days = model.expected(s["x"], s["t_x"], s["T"], float(horizon))
    spend, gg, notes = fitted(s, "spend")
    out = pd.DataFrame({"client_id": s["client_id"], "p_active": model.p_alive(s["x"], s["t_x"], s["T"]),
                        "expected_purchase_days": days, "expected_gsv": days * spend})
    return out, {kind: params(model), "gamma_gamma": gg}, list(notes)


def _features(s: pd.DataFrame, bg: BGNBD, window: float, spend: np.ndarray, cats: dict[str, list[str]]) -> Any:
    x = s[list(NUMERIC)].astype(float).copy()
    x["bg_days"] = bg.expected(s["x"], s["t_x"], s["T"], window)
    x["bg_alive"] = bg.p_alive(s["x"], s["t_x"], s["T"])
    x["bg_gsv"] = x["bg_days"] * spend
    for c in CATEGORICAL:  # codes of the training set's common values; others are missing
        codes = pd.Categorical(s[c].astype("object").where(s[c].notna(), None), categories=cats[c]).codes
        x[c] = np.where(codes >= 0, codes, np.nan)
    return x.astype(float)


def _edges(train: pd.DataFrame, categorical: set[str]) -> dict[int, np.ndarray]:
    """Per numeric column of ``train`` with more than 255 values, the cut points of its training quantiles."""
    a = train.to_numpy(float)
    out = {}
    for j, name in enumerate(train.columns):
        seen = a[:, j][~np.isnan(a[:, j])]
        if name in categorical or len(seen) == 0 or len(np.unique(seen[:100_000])) <= 255:
            continue
        out[j] = np.unique(np.quantile(seen, np.linspace(0, 1, 256)[1:-1]))
    return out


def _quantised(frame: pd.DataFrame, edges: dict[int, np.ndarray]) -> np.ndarray:
    """Numeric columns as the index of their training quantile (at most 255 values): the trees would bin them the
    same way, but binning with sample weights computes weighted percentiles feature by feature, which took most
    of the fitting time.

    >>> f = pd.DataFrame({"a": np.arange(1000.0), "b": np.zeros(1000)})
    >>> q = _quantised(f, _edges(f, set())); int(q[:, 0].max()), int(q[:, 1].max())
    (254, 0)
    """
    m = frame.to_numpy(float, copy=True)
    for j, cuts in edges.items():
        v = m[:, j]
        m[:, j] = np.where(np.isnan(v), np.nan, np.searchsorted(cuts, v, side="right").astype(float))
    return np.asarray(m, dtype=float)


def _categories(s: pd.DataFrame) -> dict[str, list[str]]:
    """The most common values of each categorical covariate (rare ones share 'other' = missing)."""
    return {c: [v for v in s[c].dropna().astype(str).value_counts().index[:30]] for c in CATEGORICAL}


def training_window(history_days: int, horizon: int) -> int | None:
    """Days of outcome the covariate model learns from: the horizon when the history before ``at`` holds a
    horizon plus 90 days, else half the history; None when that is under 30 days.

    >>> training_window(1000, 365), training_window(272, 273), training_window(40, 365)
    (365, 136, None)
    """
    if history_days >= horizon + 90:
        return horizon
    half = history_days // 2
    return half if half >= 30 else None


def can_validate(history_days: int, horizon: int) -> bool:
    """Whether the history holds two full horizons (and 30 days) before ``at``: one to train the covariate
    model on and one to check it against BG/NBD before trusting it (``--model auto``).

    >>> can_validate(1000, 365), can_validate(364, 181)
    (True, False)
    """
    return history_days >= 2 * horizon + 30


def realised(s0: pd.DataFrame, s: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Purchase days and GSV each client of ``s0`` had between it and the later summary ``s`` (NaN for a client
    ``s`` lacks, which a later summary never does).

    >>> a = pd.DataFrame({"client_id": ["a", "b"], "purchase_days": [1, 2], "total_gsv": [10.0, 5.0]})
    >>> b = pd.DataFrame({"client_id": ["b", "a"], "purchase_days": [4, 1], "total_gsv": [9.0, 10.0]})
    >>> realised(a, b)
    (array([0., 2.]), array([0., 4.]))
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    # Arrow's hash lookup: pandas hashing 1.8M Python strings took 1.8 s a call
    found_at = pc.index_in(pa.array(s0["client_id"].astype(str)), value_set=pa.array(s["client_id"].astype(str)))
    at = pc.fill_null(found_at, -1).to_numpy().astype(np.int64)
    found = at >= 0
    out = []
    for c in ("purchase_days", "total_gsv"):
        later = np.where(found, s[c].to_numpy(float)[at], np.nan)
        out.append(later - s0[c].to_numpy(float))
    return out[0], out[1]


def _trees(q0: np.ndarray, categorical: list[bool], base0: dict[str, np.ndarray], y_days: np.ndarray,
           y_gsv: np.ndarray) -> dict[str, Any]:
    """The two corrections of BG/NBD, for purchase days and for GSV. Poisson loss on outcome / BG/NBD forecast
    weighted by that forecast is a Poisson model with BG/NBD as its offset: BG/NBD keeps what it does well
    (clients ageing and lapsing, which a tree trained on a younger population extrapolates flat) and the trees
    move it with what it ignores (channel, size, AI work, spend trend, ...)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    models = {}
    for name, y in (("days", np.nan_to_num(y_days)), ("gsv", np.clip(np.nan_to_num(y_gsv), 0, None))):
        b = np.maximum(base0[name], 1e-6)
        m = HistGradientBoostingRegressor(loss="poisson", max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                          min_samples_leaf=100, l2_regularization=1.0,
                                          categorical_features=categorical, early_stopping=True,
                                          validation_fraction=0.15, n_iter_no_change=20, random_state=0)
        models[name] = m.fit(q0, y / b, sample_weight=b)
    return models


def _corrected(s: pd.DataFrame, spend: np.ndarray, bg: BGNBD, window: int, horizon: int,
               features: tuple[dict[str, list[str]], list[str], dict[int, np.ndarray]],
               models: dict[str, Any]) -> dict[str, np.ndarray]:
    """BG/NBD's P(active) and the trees' forecasts for every row of ``s``, a slice of clients at a time: the
    features of 1.8M clients and their quantised copy held whole were the largest part of the peak memory."""
    cats, keep, edges = features
    parts: dict[str, list[np.ndarray]] = {"days": [], "gsv": [], "alive": []}
    for lo in range(0, len(s), APPLY_ROWS):
        part, spend_part = s.iloc[lo:lo + APPLY_ROWS], spend[lo:lo + APPLY_ROWS]
        x1 = _features(part, bg, float(window), spend_part, cats)
        # the features hold the forecast over the training window: over the horizon it is the same when they match
        days_h = x1["bg_days"].to_numpy(float) if window == horizon else bg.expected(
            part["x"], part["t_x"], part["T"], float(horizon))
        base1 = {"days": days_h, "gsv": days_h * spend_part}
        parts["alive"].append(x1["bg_alive"].to_numpy(float))
        # a client BG/NBD gives almost nothing keeps that forecast: the trees' correction is a multiplier learnt
        # with the forecast as weight (it moved such forecasts by at most 1e-4 days where measured), and over
        # half of a large store's clients are long gone, which made them half the cost of scoring
        live = days_h >= MIN_CORRECTED_DAYS
        q1 = _quantised(x1.loc[live, keep], edges)
        for name, m in models.items():
            factor = np.ones(len(part))
            if live.any():
                factor[live] = np.clip(m.predict(q1), 0, None)
            parts[name].append(factor * base1[name])
    return {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}


def covariate(s0: pd.DataFrame, s: pd.DataFrame, window: int, horizon: int,
              rows: np.ndarray | None = None) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """Gradient-boosted trees trained on ``s0`` (the summary ``window`` days before ``s``) with the purchase days
    and GSV each client had in those days, applied to ``s`` (to its rows at positions ``rows`` when given) as a
    correction of its BG/NBD forecast over ``horizon`` days."""
    _check_fit(s0)
    _check_fit(s)
    y_days, y_gsv = realised(s0, s)
    cats = _categories(s0)
    bg0: BGNBD = fitted(s0)
    spend0, _, _ = fitted(s0, "spend")
    x0 = _features(s0, bg0, float(window), spend0, cats)
    # the trees learn from at most FIT_ROWS clients: only those are kept, quantised and binned
    train = np.random.default_rng(0).permutation(len(x0))[:FIT_ROWS] if len(x0) > FIT_ROWS else slice(None)
    x0, y_days, y_gsv = x0.iloc[train], y_days[train], y_gsv[train]
    bg: BGNBD = fitted(s)
    spend, gg, notes = fitted(s, "spend")
    if rows is not None:
        s, spend = s.iloc[rows], spend[rows]
    base0 = {"days": x0["bg_days"].to_numpy(float), "gsv": x0["bg_gsv"].to_numpy(float)}
    # covariates the store lacks (all empty or constant) carry nothing and upset the binning
    keep = [c for c in x0.columns if x0[c].nunique(dropna=True) > 1]
    edges = _edges(x0[keep], set(CATEGORICAL))
    models = _trees(_quantised(x0[keep], edges), [c in CATEGORICAL for c in keep], base0, y_days, y_gsv)
    got = _corrected(s, spend, bg, window, horizon, (cats, keep, edges), models)
    out = pd.DataFrame({"client_id": s["client_id"], "p_active": got["alive"],
                        "expected_purchase_days": got["days"], "expected_gsv": got["gsv"]})
    info = {"bgnbd": params(bg), "gamma_gamma": gg, "trained_on_clients": len(s0), "training_window_days": window}
    return out, info, list(notes)


def cleaned(fc: pd.DataFrame, column: str) -> np.ndarray:
    """A forecast column as it is reported and scored: missing as 0, never below 0.

    >>> cleaned(pd.DataFrame({"v": [1.5, None, -0.2]}), "v").tolist()
    [1.5, 0.0, 0.0]
    """
    return np.asarray(np.clip(np.nan_to_num(fc[column].to_numpy(float)), 0, None), dtype=float)


def finish(s: pd.DataFrame, fc: pd.DataFrame, horizon: int, discount_rate: float) -> pd.DataFrame:
    """Add the forecast ``fc`` (one row per row of the summary ``s``, in its order, as every model returns it) to
    the summary, with the discounted value and the rank by expected GSV (ties in the summary's order). The
    summary's columns move to the result, leaving ``s`` empty: a second copy of 1.8M clients' summary was the
    largest part of the process's peak memory.

    >>> s = pd.DataFrame({"client_id": ["a", "b", "c"]})
    >>> fc = pd.DataFrame({"p_active": [0.5, 0.9, None], "expected_purchase_days": [1.0, 3.0, 1.0],
    ...                    "expected_gsv": [10.0, 30.0, 10.0]})
    >>> finish(s, fc, 365, 0.0)[["client_id", "expected_gsv", "p_active", "rank"]].to_dict("list")
    {'client_id': ['b', 'a', 'c'], 'expected_gsv': [30.0, 10.0, 10.0], 'p_active': [0.9, 0.5, 0.0], 'rank': [1, 2, 3]}
    """
    values = {c: cleaned(fc, c) for c in ("p_active", "expected_purchase_days", "expected_gsv")}
    order = np.argsort(-values["expected_gsv"], kind="stable")
    out = pd.DataFrame(index=pd.RangeIndex(len(order)))  # not the summary's attrs (its fitted models)
    for c in list(s.columns):  # a column at a time, each freed once moved: never two copies of the summary
        out[c] = s[c].iloc[order].reset_index(drop=True)
        del s[c]
    for c, v in values.items():
        out[c] = v[order]
    out["clv"] = out["expected_gsv"] * discount_factor(horizon, discount_rate)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    return out


def check_horizon(horizon_days: int) -> int:
    """A forecast horizon in days, 1 to 3,650.

    >>> check_horizon(365)
    365
    """
    if not 1 <= int(horizon_days) <= 3650:
        raise GigsightError(f"--horizon-days must be 1-3650 (ten years), got {horizon_days}")
    return int(horizon_days)

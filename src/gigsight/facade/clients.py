"""Verbs about clients one by one: summaries as of a day, value forecasts, lists to act on with reasons, one
client's history, and backtests of the forecasts against what the records show."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gigsight.config import Settings
from gigsight.facade.opening import StoreLike, reading
from gigsight.insights.client_summary import client_summary as _summary
from gigsight.insights.client_value import Forecast
from gigsight.insights.clients_act import backtest, deciles, history, last_day, segments, top, value
from gigsight.model.exact import plain
from gigsight.report.charts import clv_deciles, figure


def client_summary(at: str | None = None, *, con: StoreLike = None, settings: Settings | None = None) -> pd.DataFrame:
    """One row per client with a positive payment up to the end of ``at`` (YYYY-MM-DD, default the last payment
    day): purchase days, recency, tenure, spend, tier and covariates; see :mod:`gigsight.insights.client_summary`.
    """
    bounds = (settings or Settings()).tier_bounds
    return reading(con, lambda store: _summary(store.con, at or last_day(store.con), bounds))


def client_value(at: str | None = None, *, horizon_days: int = 365, model: str = "auto", discount_rate: float = 0.10,
                 con: StoreLike = None, settings: Settings | None = None) -> Forecast:
    """Forecast every client over the next ``horizon_days`` as of ``at``: ``p_active``, ``expected_purchase_days``,
    ``expected_gsv``, ``clv`` (discounted at ``discount_rate`` a year), ``rank``. Returns a
    :class:`~gigsight.insights.client_value.Forecast` (``.clients`` is the DataFrame, ``.model`` the model used,
    ``.notes`` why). Models: auto, bgnbd, pareto, covariates (docs/clients.md)."""
    return reading(con, lambda store: value(store.con, at, horizon_days, model, discount_rate, settings))


def client_lists(which: str = "value", *, limit: int = 20, at: str | None = None, horizon_days: int = 365,
                 model: str = "auto", con: StoreLike = None, forecast: Forecast | None = None) -> dict[str, Any]:
    """Clients to act on, with reasons: ``which`` is value, at-risk, rising or win-back. Returns ``clients`` (a
    DataFrame), ``deciles`` (share of expected GSV per tenth of clients) and ``deciles_figure`` (as the report
    draws them, a Plotly figure), ``segments`` (expected GSV by tier,
    channel and AI work) and the forecast's ``model``, ``notes`` and ``params``. ``forecast``: one made by
    :func:`client_value` to list from instead of forecasting again."""
    def run(store: Any) -> dict[str, Any]:
        f = forecast if forecast is not None else value(store.con, at, horizon_days, model)
        d = deciles(f)
        return {"clients": top(f, which, limit), "deciles": d,
                "deciles_figure": plain(figure(clv_deciles(d, f.horizon_days))),
                "segments": {k: segments(f, k) for k in ("tier", "acquisition_channel", "ai")},
                "model": f.model, "notes": f.notes, "params": f.params, "horizon_days": f.horizon_days}

    return reading(con, run)


def client_history(client_id: str, *, con: StoreLike = None) -> pd.DataFrame:
    """One client's payments by month: GSV, refunds, purchase days and contracts paid (the drill-down of a list)."""
    return reading(con, lambda store: history(store.con, client_id))


def client_backtest(at: str, *, horizon_days: int = 365, models: tuple[str, ...] = ("bgnbd", "pareto", "covariates"),
                    con: StoreLike = None) -> Any:
    """Forecast as of ``at`` with each model and score it on what the records show over the horizon (per-client
    MAE of purchase days, top-10% GSV capture, total error)."""
    return reading(con, lambda store: backtest(store.con, at, horizon_days, models))


__all__ = ["client_backtest", "client_history", "client_lists", "client_summary", "client_value"]

"""gigsight: growth intelligence for freelance and talent marketplaces.

The facade: everything the CLI, the web app and notebooks use.

>>> import gigsight
>>> store = gigsight.connect("duckdb://:memory:")
>>> gigsight.info(store)["tables"][0]["rows"]
0
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gigsight.backends import connect
from gigsight.backends.base import Store
from gigsight.backends.inventory import export as _export
from gigsight.backends.inventory import info as _info
from gigsight.clients import cohorts as _cohorts
from gigsight.config import Settings
from gigsight.errors import BackendError, ConfigError, DataValidationError, GigsightError, Issue, SourceError
from gigsight.growth import explain_change as _explain_change
from gigsight.growth import growth_bridge as _growth_bridge
from gigsight.growth import segment_growth as _segment_growth
from gigsight.ingest.mapping import Mapping
from gigsight.ingest.pipeline import IngestResult
from gigsight.ingest.pipeline import ingest as _ingest
from gigsight.metrics import compute as _compute
from gigsight.progress import Progress
from gigsight.report.demo import demo

__version__ = "0.1.0"
__all__ = [
    "BackendError", "ConfigError", "DataValidationError", "GigsightError", "IngestResult", "Issue", "Mapping",
    "Progress",
    "Settings", "SourceError", "Store", "client_backtest", "client_history", "client_lists", "client_summary",
    "client_value", "cohorts", "compute", "connect", "demo", "emerging_skills", "enrich", "explain_change", "export",
    "growth_bridge", "info", "ingest", "refresh", "report", "segment_growth", "simulate", "skill_pairs",
    "skill_supply", "skill_trends", "skills_to_learn", "skills_to_promote",
]


def _store(con: Store | str | None, **kw: Any) -> tuple[Store, bool]:
    if isinstance(con, Store):
        return con, False
    return connect(con, **kw), True


def ingest(path: str | Path | None = None, *, con: Store | str | None = None, **options: Any) -> IngestResult:
    """Ingest files or a Postgres database into the store ``con`` (a Store, a URL, or the default).

    Options: ``table``, ``source_url``, ``mapping``, ``rates``, ``strict``, ``settings``, ``progress``
    (see :func:`gigsight.ingest.pipeline.ingest`).
    """
    store, owned = _store(con)
    try:
        return _ingest(store, path, **options)
    finally:
        if owned:
            store.close()


def info(con: Store | str | None = None) -> dict[str, Any]:
    """Tables, row counts, date ranges and rejects of the store."""
    store, owned = _store(con, read_only=isinstance(con, str) and con.startswith("duckdb"))
    try:
        return _info(store)
    finally:
        if owned:
            store.close()


def export(out: str | Path, fmt: str = "parquet", *, con: Store | str | None = None) -> list[Path]:
    """Write the canonical tables to ``out`` as Parquet or CSV files that re-ingest to identical tables."""
    store, owned = _store(con)
    try:
        return _export(store, out, fmt)
    finally:
        if owned:
            store.close()


def compute(metrics: str | list[str], *, period: str = "quarter", by: str | list[str] | None = None,
            compare: str | list[str] | None = None, con: Store | str | None = None, start: str | None = None,
            end: str | None = None, settings: Settings | None = None) -> Any:
    """Metrics per period (and segment) as a DataFrame; ``compare=["yoy", "qoq"]`` adds growth columns.

    See :func:`gigsight.metrics.compute.compute` and docs/metrics.md for every metric.
    """
    store, owned = _store(con, read_only=isinstance(con, str) and con.startswith("duckdb"))
    try:
        return _compute(metrics, period=period, by=by, compare=compare, con=store, start=start, end=end,
                        settings=settings)
    finally:
        if owned:
            store.close()


def _reading(fn: Any, con: Store | str | None, **kw: Any) -> Any:
    store, owned = _store(con, read_only=isinstance(con, str) and con.startswith("duckdb"))
    try:
        return fn(con=store, **kw)
    finally:
        if owned:
            store.close()


def growth_bridge(period: str, *, compare: str = "yoy", con: Store | str | None = None,
                  settings: Settings | None = None) -> list[Any]:
    """The period's change split along the KPI identities (active clients x GSV per client, new vs existing,
    AI vs other, volume vs take rate); see :mod:`gigsight.growth.bridge`."""
    return list(_reading(lambda con, **k: _growth_bridge(period, con=con, **k), con, compare=compare,
                         settings=settings))


def explain_change(metric: str, from_period: str, to_period: str, by: str | list[str], *,
                   con: Store | str | None = None, settings: Settings | None = None) -> Any:
    """Segments ranked by the share of the change they explain, split into size and rate effects."""
    return _reading(lambda con, **k: _explain_change(metric, from_period, to_period, by, con=con, **k), con,
                    settings=settings)


def segment_growth(period: str, by: str, *, compare: str = "yoy", con: Store | str | None = None,
                   settings: Settings | None = None) -> Any:
    """Each segment's GSV against its growth, with a 95% interval; see :mod:`gigsight.growth.segments`.

    >>> import tempfile
    >>> db = tempfile.mkdtemp() + "/g.duckdb"
    >>> _ = simulate(db, "seed-q3", scale=0.002, validate=False)
    >>> g = segment_growth("2025Q3", "ai", con=db)
    >>> list(g.columns[:4]), bool((g.growth_low <= g.growth).all() and (g.growth <= g.growth_high).all())
    (['dimension', 'segment', 'gsv_before', 'gsv'], True)
    """
    return _reading(lambda con, **k: _segment_growth(period, by, con=con, **k), con, compare=compare,
                    settings=settings)


def cohorts(*, period: str = "quarter", con: Store | str | None = None, settings: Settings | None = None) -> Any:
    """Logo and spend retention by acquisition cohort."""
    return _reading(_cohorts, con, period=period, settings=settings)


def simulate(con: Store | str | None = None, scenario: str | Path = "seed-q3", *, scale: float = 0.05,
             seed: int = 42, replace: bool = False, validate: bool = True,
             progress: Progress | None = None) -> dict[str, Any]:
    """Generate a simulated marketplace into the store with its planted truth; see :mod:`gigsight.simulate`."""
    from gigsight.simulate import simulate as _simulate

    store, owned = _store(con)
    try:
        return _simulate(store, scenario, scale=scale, seed=seed, replace=replace, validate=validate,
                         progress=progress)
    finally:
        if owned:
            store.close()


def enrich(con: Store | str | None = None, *, taxonomy: str | Path | None = None, replace_taxonomy: bool = False,
           progress: Progress | None = None) -> Any:
    """Label every job (skills, AI work, category) and profile every freelancer; see :mod:`gigsight.skills.enrich`.

    ``taxonomy``: a CSV or YAML file of your own skills extending the packaged taxonomy (or replacing it with
    ``replace_taxonomy``). Returns an :class:`~gigsight.skills.enrich.EnrichResult` (jobs, classified, reused, ...).
    """
    from gigsight.skills import Classifier, Matcher, load_taxonomy
    from gigsight.skills.enrich import enrich as _enrich

    c = None if taxonomy is None else Classifier(Matcher(load_taxonomy(str(taxonomy), replace_taxonomy)))
    store, owned = _store(con)
    try:
        return _enrich(store, progress, classifier=c)
    finally:
        if owned:
            store.close()


def refresh(con: Store | str | None = None, *, force: bool = False, settings: Settings | None = None,
            progress: Progress | None = None) -> Any:
    """Build the metric facts the store keeps between processes (joined payments, client and freelancer periods,
    job facts), unless they are current (``force`` rebuilds). The CLI's ingest, simulate and enrich do this when
    they finish; call it after writing with the library. See :mod:`gigsight.metrics.facts`."""
    from gigsight.metrics.facts import refresh as _refresh

    store, owned = _store(con)
    try:
        return _refresh(store, settings, force=force, progress=progress)
    finally:
        if owned:
            store.close()


def report(period: str, out: str | Path = "report", *, con: Store | str | None = None) -> dict[str, Path]:
    """Write the quarterly report for ``period`` (report.html, report.md, report.json) into ``out``."""
    from gigsight.report import build_report, write

    store, owned = _store(con)
    try:
        return write(build_report(store, period), out)
    finally:
        if owned:
            store.close()


def client_summary(at: str | None = None, *, con: Store | str | None = None, settings: Settings | None = None) -> Any:
    """One row per client with a positive payment up to the end of ``at`` (YYYY-MM-DD, default the last payment
    day): purchase days, recency, tenure, spend, tier and covariates; see :mod:`gigsight.insights.client_summary`.
    """
    from gigsight.insights.client_summary import client_summary as _summary
    from gigsight.insights.clients_act import last_day

    bounds = (settings or Settings()).tier_bounds
    return _reading(lambda con: _summary(con.con, at or last_day(con.con), bounds), con)


def client_value(at: str | None = None, *, horizon_days: int = 365, model: str = "auto", discount_rate: float = 0.10,
                 con: Store | str | None = None, settings: Settings | None = None) -> Any:
    """Forecast every client over the next ``horizon_days`` as of ``at``: ``p_active``, ``expected_purchase_days``,
    ``expected_gsv``, ``clv`` (discounted at ``discount_rate`` a year), ``rank``. Returns a
    :class:`~gigsight.insights.client_value.Forecast` (``.clients`` is the DataFrame, ``.model`` the model used,
    ``.notes`` why). Models: auto, bgnbd, pareto, covariates (docs/clients.md)."""
    from gigsight.insights.clients_act import value

    return _reading(lambda con: value(con.con, at, horizon_days, model, discount_rate, settings), con)


def client_lists(which: str = "value", *, limit: int = 20, at: str | None = None, horizon_days: int = 365,
                 model: str = "auto", con: Store | str | None = None, forecast: Any = None) -> dict[str, Any]:
    """Clients to act on, with reasons: ``which`` is value, at-risk, rising or win-back. Returns ``clients`` (a
    DataFrame), ``deciles`` (share of expected GSV per tenth of clients), ``segments`` (expected GSV by tier,
    channel and AI work) and the forecast's ``model``, ``notes`` and ``params``. ``forecast``: one made by
    :func:`client_value` to list from instead of forecasting again."""
    from gigsight.insights.clients_act import deciles, segments, top, value

    def run(con: Store) -> dict[str, Any]:
        f = forecast if forecast is not None else value(con.con, at, horizon_days, model)
        return {"clients": top(f, which, limit), "deciles": deciles(f),
                "segments": {k: segments(f, k) for k in ("tier", "acquisition_channel", "ai")},
                "model": f.model, "notes": f.notes, "params": f.params, "horizon_days": f.horizon_days}

    return dict(_reading(run, con))


def client_history(client_id: str, *, con: Store | str | None = None) -> Any:
    """One client's payments by month: GSV, refunds, purchase days and contracts paid (the drill-down of a list)."""
    from gigsight.insights.clients_act import history

    return _reading(lambda con: history(con.con, client_id), con)


def client_backtest(at: str, *, horizon_days: int = 365, models: tuple[str, ...] = ("bgnbd", "pareto", "covariates"),
                    con: Store | str | None = None) -> Any:
    """Forecast as of ``at`` with each model and score it on what the records show over the horizon (per-client
    MAE of purchase days, top-10% GSV capture, total error)."""
    from gigsight.insights.clients_act import backtest

    return _reading(lambda con: backtest(con.con, at, horizon_days, models), con)


def skill_trends(*, period: str = "quarter", at: str | None = None, min_jobs: int = 20, ai_only: bool = False,
                 top: int = 20, con: Store | str | None = None) -> Any:
    """Top skills by jobs posted with YoY growth and its 95% interval; see :mod:`gigsight.skills.demand`."""
    from gigsight.skills.demand import trends

    return _reading(lambda con: trends(con, period=period, at=at, min_jobs=min_jobs, ai_only=ai_only, top=top), con)


def emerging_skills(*, fdr: float = 0.05, con: Store | str | None = None) -> Any:
    """Emerging and declining skills (share of jobs, last 6 months vs the 12 before, FDR-controlled)."""
    from gigsight.skills.demand import emerging

    return _reading(lambda con: emerging(con, fdr=fdr), con)


def skills_to_promote(*, period: str = "quarter", at: str | None = None, min_jobs: int = 20, top: int = 10,
                      con: Store | str | None = None) -> Any:
    """Skills the marketplace should promote, with the reasons; see :mod:`gigsight.recommend.skills`."""
    from gigsight.recommend import promote

    return _reading(lambda con: promote(con, period=period, at=at, min_jobs=min_jobs, top=top), con)


def skills_to_learn(freelancer_id: str, *, period: str = "quarter", at: str | None = None, top: int = 5,
                    con: Store | str | None = None) -> Any:
    """Skills one freelancer should learn next, with the reasons."""
    from gigsight.recommend import learn

    return _reading(lambda con: learn(con, freelancer_id, period=period, at=at, top=top), con)


def skill_pairs(*, period: str = "quarter", at: str | None = None, top: int = 20,
                con: Store | str | None = None) -> tuple[str, Any]:
    """Skills asked together in the trailing twelve months to ``at`` (default: the last complete period), with
    lift; returns (at, table)."""
    from gigsight.skills.demand import last_complete_period
    from gigsight.skills.supply import cooccurrence

    def run(con: Store) -> tuple[str, Any]:
        when = at or last_complete_period(con, period)
        return when, cooccurrence(con, period, when, top=top)

    return tuple(_reading(run, con))


def skill_supply(*, period: str = "quarter", at: str | None = None, con: Store | str | None = None) -> Any:
    """Supply against demand per skill: jobs per active freelancer, median hourly rate and premium."""
    from gigsight.skills.demand import last_complete_period
    from gigsight.skills.supply import supply

    return _reading(lambda con: supply(con, period, at or last_complete_period(con, period)), con)

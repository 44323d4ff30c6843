"""Verbs that put data in a store and describe it: ingest, simulate, enrich, refresh, export, info, the demo, and
the scenarios and reference documents behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gigsight.backends.inventory import export as _export
from gigsight.backends.inventory import info as _info
from gigsight.config import Settings
from gigsight.errors import ConfigError
from gigsight.facade.opening import StoreLike, reading, using
from gigsight.ingest.pipeline import IngestResult
from gigsight.ingest.pipeline import ingest as _ingest
from gigsight.metrics.docs import metrics_markdown
from gigsight.metrics.facts import RefreshResult
from gigsight.metrics.facts import refresh as _refresh
from gigsight.model.docs import schema_markdown
from gigsight.progress import Progress
from gigsight.report.demo import DEMO_SCALE, demo
from gigsight.simulate import known_scenarios, load_scenario
from gigsight.simulate import simulate as _simulate
from gigsight.simulate.targets import check_targets as _check_targets
from gigsight.skills import Classifier, Matcher, load_taxonomy
from gigsight.skills.enrich import EnrichResult
from gigsight.skills.enrich import enrich as _enrich


def ingest(path: str | Path | None = None, *, con: StoreLike = None, **options: Any) -> IngestResult:
    """Ingest files or a Postgres database into the store ``con`` (a Store, a URL, or the default).

    Options: ``table``, ``source_url``, ``mapping``, ``rates``, ``strict``, ``settings``, ``progress``
    (see :func:`gigsight.ingest.pipeline.ingest`).
    """
    return using(con, lambda store: _ingest(store, path, **options))


def info(con: StoreLike = None) -> dict[str, Any]:
    """Tables, row counts, date ranges and rejects of the store."""
    return reading(con, _info)


def export(out: str | Path, fmt: str = "parquet", *, con: StoreLike = None) -> list[Path]:
    """Write the canonical tables to ``out`` as Parquet or CSV files that re-ingest to identical tables."""
    return using(con, lambda store: _export(store, out, fmt))


def simulate(con: StoreLike = None, scenario: str | Path = "seed-q3", *, scale: float = 0.05, seed: int = 42,
             replace: bool = False, validate: bool = True, hold_back_days: int = 0, days_out: str | Path = "days",
             progress: Progress | None = None) -> dict[str, Any]:
    """Generate a simulated marketplace into the store with its planted truth, its last ``hold_back_days`` as
    daily loads under ``days_out``; see :mod:`gigsight.simulate`."""
    return using(con, lambda store: _simulate(store, scenario, scale=scale, seed=seed, replace=replace,
                                              validate=validate, hold_back_days=hold_back_days,
                                              days_out=days_out, progress=progress))


def scenarios() -> list[dict[str, str]]:
    """The built-in scenarios, each with its description.

    >>> "seed-q3" in [s["scenario"] for s in scenarios()]
    True
    """
    return [{"scenario": n, "description": load_scenario(n).description} for n in known_scenarios()]


def check_targets(scenario: str | Path, scale: float = 1.0, *, con: StoreLike = None) -> list[dict[str, Any]]:
    """Measure a scenario's targets on the records of a store simulated from it at ``scale``."""
    return reading(con, lambda store: [c.to_dict() for c in _check_targets(store, scenario, scale)])


def enrich(con: StoreLike = None, *, taxonomy: str | Path | None = None, replace_taxonomy: bool = False,
           progress: Progress | None = None) -> EnrichResult:
    """Label every job (skills, AI work, category) and profile every freelancer; see :mod:`gigsight.skills.enrich`.

    ``taxonomy``: a CSV or YAML file of your own skills extending the packaged taxonomy (or replacing it with
    ``replace_taxonomy``). Returns an :class:`~gigsight.skills.enrich.EnrichResult` (jobs, classified, reused, ...).
    """
    c = None if taxonomy is None else Classifier(Matcher(load_taxonomy(str(taxonomy), replace_taxonomy)))
    return using(con, lambda store: _enrich(store, progress, classifier=c))


def refresh(con: StoreLike = None, *, force: bool = False, full: bool = False, settings: Settings | None = None,
            progress: Progress | None = None) -> RefreshResult:
    """Build the metric facts the store keeps between processes (joined payments, client and freelancer periods,
    job facts), unless they are current (``force`` rebuilds); after logged writes only what they touched
    (``full`` rebuilds all). The CLI's ingest, simulate and enrich do this when they finish; call it after
    writing with the library. See :mod:`gigsight.metrics.facts` and :mod:`gigsight.metrics.incremental`."""
    return using(con, lambda store: _refresh(store, settings, force=force, full=full, progress=progress))


def reference(which: str) -> str:
    """The generated reference document ``which`` ("metrics" or "schema") as Markdown.

    >>> reference("schema").startswith("#")
    True
    """
    documents = {"metrics": metrics_markdown, "schema": schema_markdown}
    if which not in documents:
        raise ConfigError(f"no reference document {which!r}: metrics or schema")
    return documents[which]()


__all__ = ["DEMO_SCALE", "check_targets", "demo", "enrich", "export", "info", "ingest", "reference", "refresh",
           "scenarios", "simulate"]

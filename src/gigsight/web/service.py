"""What the web app serves, as JSON-ready values: a few read-only connections to one store, one cache per data
version. Independent questions run at once on different connections; one question asked by many is computed once.

Every answer is computed by the library facade (the same code as the CLI and the report) and cached under
(question, data version). The data version of a DuckDB file is its size and modification time, so a new
ingest or enrich in another process invalidates the cache without a restart; other engines count rows.
Request values reach the engines only as Ibis literals or registry lookups, never as SQL text.

>>> import tempfile, gigsight
>>> path = tempfile.mkdtemp() + "/s.duckdb"
>>> _ = gigsight.simulate(path, "steady", scale=0.002, validate=False)
>>> svc = Service(path)
>>> svc.kpis(["gsv"], period="year", start="2024", end="2024")[0]["period"]
'2024'
>>> svc.hits, svc.misses
(0, 1)
>>> _ = svc.kpis(["gsv"], period="year", start="2024", end="2024"); svc.hits
1
>>> svc.close()
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pandas as pd

import gigsight
from gigsight import Settings, SourceError, Store, plain, to_json
from gigsight.web.lanes import Lanes

CACHE_ENTRIES = 512
# the overview's key figures: the dashboard reads them from /api/meta, warm() answers them before anyone asks
HEADLINE = ("gsv", "active_clients", "gsv_per_active_client", "new_clients", "gsv_per_new_client", "ai_jobs",
            "ai_gsv_share", "ai_freelancers")
MAX_JOBS = 100  # per classify request
COUNT_EVERY_S = 5.0  # how stale a row-count data version (stores other than a DuckDB file) may be
# connections computing at once: more than the cores only queues inside the engine, and each keeps its own facts
LANES = max(2, min(4, os.cpu_count() or 2))


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as a list of JSON records (snake_case keys as the columns are)."""
    cols = [str(c) for c in df.columns]
    return [{c: plain(v) for c, v in zip(cols, row, strict=True)} for row in df.itertuples(index=False)]


def _frozen(v: Any) -> Any:
    return tuple(_frozen(x) for x in v) if isinstance(v, list | tuple) else v


def _json_key(question: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    return ("json", question, _frozen(args), tuple(sorted((k, _frozen(v)) for k, v in kwargs.items())))


def _store_url(db: str | Path) -> str:
    text = str(db)
    if "://" in text:
        return text
    if not Path(text).is_file():
        raise SourceError(f"no database at {text}: create one with `gigsight demo` or `gigsight ingest`")
    return f"duckdb://{Path(text).resolve()}"


class Service:
    """The dashboard's and API's questions over one store opened read-only."""

    def __init__(self, db: str | Path, settings: Settings | None = None, lanes: int = LANES) -> None:
        self.url = _store_url(db)
        read_only = self.url.startswith("duckdb://")
        # Spark: one session per process already runs a question's stages in parallel
        self._lanes = Lanes(self.url, read_only, 1 if self.url.startswith(("pyspark", "spark")) else lanes)
        self.settings = settings or Settings.from_env()
        file = Path(self.url.removeprefix("duckdb://"))
        # the database file and its write-ahead log: stat'ed on every request, so resolved once
        self._files = (file, file.with_name(file.name + ".wal")) if read_only else ()
        self._guard = threading.Lock()  # the cache's bookkeeping only, never held while an engine works
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._pending: dict[tuple[Any, ...], Future[Any]] = {}
        self.hits = self.misses = 0
        self._counted: tuple[float, str] = (-COUNT_EVERY_S - 1, "")
        self._version = self.data_version()

    @property
    def store(self) -> Store:
        """The connection of the computation running on this thread."""
        return self._lanes.current

    def close(self) -> None:
        self._lanes.close()

    def warm(self) -> None:
        """Build the shared facts and answer the dashboard's first page before the first visitor asks."""
        at = json.loads(self.answer(self.meta))["default_period"]
        # as the overview asks: every quarter up to the period, for the tiles' sparklines
        self.answer(self.kpis, list(HEADLINE), period="quarter", by=[], compare=["yoy", "qoq"], start=None, end=at)

    # --- cache -----------------------------------------------------------------------------------
    def data_version(self, refresh: bool = True) -> str:
        """Changes whenever the data does: file size and mtime (DuckDB, WAL included) or, for other stores,
        table row counts (taken at most every few seconds, and never with ``refresh=False``: the event loop's
        fast path must not wait for the engine)."""
        if self._files:
            stats = []
            for path in self._files:
                with contextlib.suppress(FileNotFoundError):  # no WAL after a checkpoint
                    stats.append(os.stat(path))
            return "-".join(f"{s.st_size}:{s.st_mtime_ns}" for s in stats)
        if refresh and time.monotonic() - self._counted[0] > COUNT_EVERY_S:  # a query per table: not every request
            with self._lanes.lend(self._counted[1], "count") as store:
                counts = [(t, store.con.table(t).count().execute()) for t in sorted(store.con.list_tables())]
            self._counted = (time.monotonic(), str(hash(tuple(counts))))
        return self._counted[1]

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()``'s answer for ``key`` at the current data version, computed on a free connection, once
        however many ask at the same time (the others wait for that answer, not for unrelated questions)."""
        full = (self.data_version(), *key)
        if full in self._cache:  # warm answers do not wait for a cold computation running elsewhere
            self.hits += 1
            return self._cache[full]
        with self._guard:
            if full in self._cache:
                self.hits += 1
                return self._cache[full]
            if full[0] != self._version:  # the data changed: older answers are stale
                self._cache.clear()
                self._version = full[0]
            pending = self._pending.get(full)
            mine = pending is None
            if pending is None:
                pending = self._pending[full] = Future()
                self.misses += 1
        if not mine:
            return pending.result()
        try:
            with self._lanes.lend(full[0], str(key[1] if key[0] == "json" else key[0])):
                value = make()
        except BaseException as exc:
            with self._guard:
                self._pending.pop(full, None)
            pending.set_exception(exc)
            raise
        with self._guard:
            self._cache[full] = value
            self._pending.pop(full, None)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        pending.set_result(value)
        return value

    # --- answers as JSON bytes: what the web app sends -------------------------------------------------
    def encoded(self, question: Callable[..., Any], *args: Any, **kwargs: Any) -> bytes | None:
        """The cached JSON answer to ``question(*args, **kwargs)`` at the current data version, else None.
        Takes no lock: the web app calls it on its event loop, so a warm answer never waits for a thread."""
        found = self._cache.get((self.data_version(refresh=False), *_json_key(question.__name__, args, kwargs)))
        if found is not None:
            self.hits += 1
        return found if isinstance(found, bytes) else None

    def answer(self, question: Callable[..., Any], *args: Any, **kwargs: Any) -> bytes:
        """``question(*args, **kwargs)`` (one of the methods below) as JSON bytes, computed and encoded once."""
        return bytes(self.cached(_json_key(question.__name__, args, kwargs), lambda: to_json(
            question(*args, **kwargs), compact=True).encode()))

    # --- questions -------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return {"status": "ok", "store": self.store.name, "data_version": self.data_version()}

    def meta(self) -> dict[str, Any]:
        """What the filters offer: metrics, segments, the periods the data covers and the default period."""
        return dict(self.cached(("meta",), lambda: {
            **gigsight.catalog(), **gigsight.coverage(con=self.store, settings=self.settings),
            "headline": list(HEADLINE)}))

    def kpis(self, metrics: list[str], *, period: str = "quarter", by: list[str] | None = None,
             compare: list[str] | None = None, start: str | None = None, end: str | None = None) -> list[Any]:

        return list(self.kpis_and_notes(metrics, period=period, by=by, compare=compare, start=start, end=end)[0])

    def kpis_and_notes(self, metrics: list[str], *, period: str = "quarter", by: list[str] | None = None,
                       compare: list[str] | None = None, start: str | None = None, end: str | None = None
                       ) -> tuple[list[Any], list[str]]:
        """The rows and what a reader must know beside them (metrics left out, warm-up, a partial period)."""
        by, compare = by or [], compare or []
        key = ("kpis", tuple(metrics), period, tuple(by), tuple(compare), start, end)

        def make() -> tuple[list[Any], list[str]]:
            df = gigsight.compute(metrics, period=period, by=by, compare=compare, con=self.store, start=start, end=end,
                         settings=self.settings)
            return records(df), list(df.attrs.get("notes", []))

        rows, notes = self.cached(key, make)
        return rows, notes

    def growth(self, period: str, compare: str = "yoy") -> list[Any]:
        def make() -> list[Any]:
            steps = gigsight.growth_bridge(period, compare=compare, con=self.store, settings=self.settings)
            return [plain(s.to_dict()) for s in steps]

        return list(self.cached(("growth", period, compare), make))

    def drivers(self, metric: str, from_period: str, to_period: str, by: list[str]) -> list[Any]:
        return list(self.cached(("drivers", metric, from_period, to_period, tuple(by)), lambda: records(
            gigsight.explain_change(metric, from_period, to_period, by, con=self.store, settings=self.settings))))

    def segment_growth(self, period: str, by: str, compare: str = "yoy") -> list[Any]:
        return list(self.cached(("segment_growth", period, by, compare), lambda: records(
            gigsight.segment_growth(period, by, compare=compare, con=self.store, settings=self.settings))))

    def _trends(self, period: str, at: str | None, min_jobs: int) -> pd.DataFrame:
        """Every skill's trend row: the ranking, the AI-only ranking and the skills to promote all read it."""
        frame = self.cached(("trends", period, at, min_jobs), lambda: gigsight.skill_trends(
            period=period, at=at, min_jobs=min_jobs, top=None, con=self.store))
        assert isinstance(frame, pd.DataFrame)
        return frame

    def skill_trends(self, period: str, at: str | None, ai_only: bool, top: int, min_jobs: int) -> list[Any]:
        def make() -> list[Any]:
            t = self._trends(period, at, min_jobs)
            if ai_only:  # ranked among AI skills, as trends(ai_only=True) ranks them
                t = t[t.is_ai.astype(bool)].assign(rank=lambda d: range(1, len(d) + 1))
            return records(t.head(top))

        return list(self.cached(("skill_trends", period, at, ai_only, top, min_jobs), make))

    def emerging(self, window: int, baseline: int, min_jobs: int) -> list[Any]:
        return list(self.cached(("emerging", window, baseline, min_jobs), lambda: records(
            gigsight.emerging_skills(window=window, baseline=baseline, min_jobs=min_jobs, con=self.store))))

    def promote(self, period: str, at: str | None, top: int, min_jobs: int) -> list[Any]:
        return list(self.cached(("promote", period, at, top, min_jobs), lambda: records(gigsight.skills_to_promote(
            period=period, at=at, top=top, min_jobs=min_jobs, trends=self._trends(period, at, min_jobs),
            con=self.store))))

    def learn(self, freelancer_id: str, period: str, at: str | None, top: int) -> list[Any]:
        return list(self.cached(("learn", freelancer_id, period, at, top), lambda: records(
            gigsight.skills_to_learn(freelancer_id, period=period, at=at, top=top, con=self.store))))

    def charts(self, name: str, period: str, by: str, second: str, compare: str) -> list[Any]:
        """A chart's Plotly figures, as the report draws them."""
        return list(self.cached(("charts", name, period, by, second, compare), lambda: gigsight.charts(
            name, period, by=by, second=second, compare=compare, con=self.store, settings=self.settings)))

    def tiers(self, period: str, at: str) -> list[Any]:
        return self.kpis(["clients_by_tier", "gsv_by_tier"], period=period, by=["tier"], compare=["yoy"],
                         start=at, end=at)

    def cohorts(self, period: str) -> list[Any]:
        return list(self.cached(("cohorts", period), lambda: records(
            gigsight.cohorts(con=self.store, period=period, settings=self.settings))))

    def _forecast(self, at: str | None, horizon_days: int, model: str) -> Any:
        return self.cached(("forecast", at, horizon_days, model), lambda: gigsight.client_value(
            at, horizon_days=horizon_days, model=model, con=self.store, settings=self.settings))

    def client_value(self, at: str | None, horizon_days: int, model: str, limit: int, offset: int) -> dict[str, Any]:
        f = self._forecast(at, horizon_days, model)
        cols = ["client_id", "p_active", "expected_purchase_days", "expected_gsv", "clv", "rank", "purchase_days",
                "total_gsv", "ttm_gsv", "days_since_last", "tier", "country"]
        page = f.clients[cols].iloc[offset:offset + limit]
        return {"model": f.model, "at": f.params["at"], "horizon_days": f.horizon_days,
                "discount_rate": f.discount_rate, "notes": f.notes, "clients_total": len(f.clients),
                "clients": records(page)}

    def client_lists(self, which: str, limit: int, at: str | None, horizon_days: int, model: str) -> dict[str, Any]:
        f = self._forecast(at, horizon_days, model)
        r = gigsight.client_lists(which, limit=limit, con=self.store, forecast=f)
        return {"list": which, "model": r["model"], "at": r["params"]["at"], "horizon_days": r["horizon_days"],
                "notes": r["notes"], "clients": records(r["clients"]), "deciles": records(r["deciles"]),
                "deciles_figure": r["deciles_figure"],
                "segments": {k: records(v) for k, v in r["segments"].items()}}

    def client_history(self, client_id: str) -> list[Any]:
        return list(self.cached(("client_history", client_id), lambda: records(
            gigsight.client_history(client_id, con=self.store))))

    def classify(self, jobs: list[dict[str, str | None]]) -> list[Any]:
        """Label posted job text; no store access, so no lock and no cache."""
        return gigsight.classify_jobs(jobs)

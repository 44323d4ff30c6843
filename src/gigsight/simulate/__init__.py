"""The marketplace simulator: ``simulate(store, scenario, scale=..., seed=...)``.

A scenario (data, :mod:`gigsight.simulate.scenario`) is fitted (:mod:`~gigsight.simulate.calibrate`),
its clients and freelancers drawn (:mod:`~gigsight.simulate.population`), their working lives expanded
block by block into jobs, contracts, proposals and payments (:mod:`~gigsight.simulate.activity`), and
loaded through the store: written as Parquet and validated by the normal ingest (the default), or appended
as trusted Arrow rows (``validate=False``, for scale-1 runs; straight into the file on DuckDB). What was
planted goes to ``truth_jobs``, ``truth_clients`` and ``truth_targets``. numpy ``default_rng`` streams keyed
by (seed, stage, block) make a run reproducible bit for bit.

>>> from gigsight.backends import connect
>>> with connect("duckdb://:memory:") as store:
...     summary = simulate(store, "steady", scale=0.0005, seed=3)
...     summary["rows"]["payments"] == store.con.table("payments").count().execute()
True
"""

from __future__ import annotations

import queue
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from gigsight.backends.base import Store, marked_incomplete, write_parquet
from gigsight.errors import ConfigError
from gigsight.model.schema import LOAD_ORDER
from gigsight.progress import Progress, task
from gigsight.simulate.activity import Generator
from gigsight.simulate.calibrate import fit_plan
from gigsight.simulate.hold_back import HoldBack
from gigsight.simulate.population import make_clients, make_freelancers
from gigsight.simulate.scenario import Scenario, known_scenarios, load_scenario
from gigsight.simulate.tables import block_tables, client_tables, freelancer_tables, truth_targets

BLOCK_CLIENTS = 60_000
MAX_SCALE = 4.0
TRUTH_TABLES = ("truth_jobs", "truth_clients", "truth_targets")
_STREAM = {"population": 1, "freelancers": 2, "clients_table": 3, "freelancers_table": 4, "block": 5}
T = TypeVar("T")


def _rng(seed: int, stage: str, block: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAM[stage], block])


def _check_args(scale: float, seed: int) -> None:
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= MAX_SCALE:
        raise ConfigError(f"scale must be a number above 0 and at most {MAX_SCALE:g} (1 = full size), got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ConfigError(f"seed must be a whole number from 0 to 2**63-1, got {seed!r}")


def holds_data(store: Store) -> bool:
    """Whether any table of the store has rows (gigsight's or anyone else's)."""
    return any(store.con.table(t).count().execute() > 0 for t in store.tables())


def clear(store: Store) -> None:
    have = set(store.tables())
    for t in (*LOAD_ORDER, *TRUTH_TABLES, "rejects"):
        if t in have:
            store.con.drop_table(t)


def records(scenario: Scenario, scale: float, seed: int,
            progress: Progress | None = None) -> Iterator[tuple[str, pa.Table]]:
    """The scenario's records as ``(table, Arrow rows)`` pairs: clients and freelancers, then block by block
    jobs, contracts, payments and proposals, and the planted truth."""
    from gigsight.simulate.text import grammar

    fit = fit_plan(scenario)
    g = grammar()
    clients = make_clients(fit, scale, _rng(seed, "population"))
    free = make_freelancers(fit, clients, g.kinds, g.n_ai, _rng(seed, "freelancers"))
    gen = Generator(fit, clients, free, g)
    c_table, c_truth = client_tables(gen, _rng(seed, "clients_table"))
    yield from (("clients", c_table), ("truth_clients", c_truth))
    f_table, f_skills = freelancer_tables(gen, _rng(seed, "freelancers_table"))
    yield from (("freelancers", f_table), ("freelancer_skills", f_skills))
    ids = {"contract": 0, "job": 0, "payment": 0, "proposal": 0}
    advance = task(progress, f"simulating {scenario.name} (scale {scale:g})", len(clients), "clients")
    for i, lo in enumerate(range(0, len(clients), BLOCK_CLIENTS)):
        hi = min(lo + BLOCK_CLIENTS, len(clients))
        rng = _rng(seed, "block", i)
        block = block_tables(gen, rng, *gen.block(rng, lo, hi, ids), ids)
        for name in ("jobs", "truth_jobs", "contracts", "payments", "proposals"):
            yield name, getattr(block, name)
        advance(hi - lo)
    yield "truth_targets", truth_targets(scenario, scale, seed)


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def ahead(items: Iterator[T], depth: int = 5) -> Iterator[T]:
    """``items`` produced on a thread, at most ``depth`` ahead of the consumer: the next block is generated while
    the store writes the last one (DuckDB releases the GIL while it inserts). A producer error is raised here.

    >>> list(ahead(iter(range(5)), depth=2))
    [0, 1, 2, 3, 4]
    """
    box: queue.Queue[T | _Failed | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: T | _Failed | None) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            put(_Failed(exc))

    worker = threading.Thread(target=produce, name="gigsight-generate", daemon=True)
    worker.start()
    try:
        while (got := box.get()) is not None:
            if isinstance(got, _Failed):
                raise got.exc
            yield got
    finally:
        stop.set()
        worker.join()


def generate(scenario: Scenario, scale: float, seed: int, out: Path, progress: Progress | None = None,
             hold_back: HoldBack | None = None) -> dict[str, int]:
    """Write the scenario's records (those before ``hold_back``'s cut) as Parquet files
    ``out/<table>/part-0.parquet``; returns rows per table."""
    return write_parquet(_records(scenario, scale, seed, progress, hold_back), out)


def _records(scenario: Scenario, scale: float, seed: int, progress: Progress | None,
             hold_back: HoldBack | None) -> Iterator[tuple[str, pa.Table]]:
    parts = records(scenario, scale, seed, progress)
    return hold_back.split(parts) if hold_back else parts


def simulate(store: Store, scenario: str | Path = "seed-q3", *, scale: float = 0.05, seed: int = 42,
             replace: bool = False, validate: bool = True, hold_back_days: int = 0, days_out: str | Path = "days",
             progress: Progress | None = None) -> dict[str, Any]:
    """Generate a scenario into ``store``; refuses a store that holds data unless ``replace``. With
    ``hold_back_days``, the last days' jobs, proposals, contracts and payments go to one folder per day under
    ``days_out`` instead, to be loaded as daily increments (:mod:`gigsight.simulate.hold_back`).

    Returns the scenario name, scale, seed, rows per table, the ingest summary when validated, and the
    held-back day folders.
    """
    _check_args(scale, seed)
    sc = load_scenario(scenario)
    hold_back = HoldBack.of(sc, hold_back_days, Path(days_out)) if hold_back_days else None
    if not replace and holds_data(store):
        raise ConfigError(f"{store.url} already holds data; pass --replace to overwrite it, or choose --db")
    # killed half-way, a DuckDB store keeps what it held; the others say they are incomplete (issue 18)
    with store.atomically(), marked_incomplete(store, f"simulate of {sc.name}"):
        result = _simulate(store, sc, scale, seed, validate, progress, hold_back)
    if hold_back:
        result["days"] = [str(p) for p in hold_back.finish()]
    return result


def _simulate(store: Store, sc: Scenario, scale: float, seed: int, validate: bool,
              progress: Progress | None, hold_back: HoldBack | None) -> dict[str, Any]:
    clear(store)
    store.ensure_tables()
    result: dict[str, Any] = {"scenario": sc.name, "scale": scale, "seed": seed}
    if not validate:
        try:
            parts = _records(sc, scale, seed, progress, hold_back)
            result["rows"] = store.bulk_append(ahead(parts), create=TRUTH_TABLES)
        except BaseException:
            clear(store)  # the store held nothing before (or --replace gave it up): leave it empty, not half-written
            store.ensure_tables()
            raise
        return result
    with tempfile.TemporaryDirectory(prefix="gigsight-sim-", dir=store.tmpdir()) as tmp:
        from gigsight.ingest.pipeline import ingest

        out = Path(tmp)
        result["rows"] = generate(sc, scale, seed, out, progress, hold_back)
        canonical = out / "canonical"
        canonical.mkdir()
        for t in LOAD_ORDER:
            (out / t / "part-0.parquet").rename(canonical / f"{t}.parquet")
        ingested = ingest(store, canonical, progress=progress)
        result["ingest"] = ingested.to_dict()
        result["rejected"] = sum(s.rejected for s in ingested.sources)
        load_generated(store, out, canonical=False)
    return result


def load_generated(store: Store, folder: Path, canonical: bool = True) -> None:
    """Bulk-load :func:`generate`'s files (the truth tables always; the canonical ones when ``canonical``)."""
    for t in LOAD_ORDER if canonical else ():
        store.bulk_load(t, folder / t)
    for t in TRUTH_TABLES:
        store.bulk_load(t, folder / t, create=True)


__all__ = ["TRUTH_TABLES", "Scenario", "ahead", "generate", "known_scenarios", "load_generated", "load_scenario",
           "records", "simulate"]

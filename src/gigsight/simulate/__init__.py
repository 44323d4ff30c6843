"""The marketplace simulator: ``simulate(store, scenario, scale=..., seed=...)``.

A scenario (data, :mod:`gigsight.simulate.scenario`) is fitted (:mod:`~gigsight.simulate.calibrate`),
its clients and freelancers drawn (:mod:`~gigsight.simulate.population`), their working lives expanded
block by block into jobs, contracts, proposals and payments (:mod:`~gigsight.simulate.activity`), written
as Parquet and loaded through the store: validated by the normal ingest (the default) or bulk-loaded as
trusted rows (``validate=False``, for scale-1 runs). What was planted goes to ``truth_jobs``,
``truth_clients`` and ``truth_targets``. numpy ``default_rng`` streams keyed by (seed, stage, block) make
a run reproducible bit for bit.

>>> from gigsight.backends import connect
>>> with connect("duckdb://:memory:") as store:
...     summary = simulate(store, "steady", scale=0.0005, seed=3)
...     summary["rows"]["payments"] == store.con.table("payments").count().execute()
True
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gigsight.backends.base import Store
from gigsight.errors import ConfigError
from gigsight.model.schema import LOAD_ORDER
from gigsight.simulate.activity import Generator
from gigsight.simulate.calibrate import fit_plan
from gigsight.simulate.population import make_clients, make_freelancers
from gigsight.simulate.scenario import Scenario, known_scenarios, load_scenario
from gigsight.simulate.tables import client_tables, freelancer_tables, truth_targets

BLOCK_CLIENTS = 60_000
MAX_SCALE = 4.0
TRUTH_TABLES = ("truth_jobs", "truth_clients", "truth_targets")
_STREAM = {"population": 1, "freelancers": 2, "clients_table": 3, "freelancers_table": 4, "block": 5}


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


def generate(scenario: Scenario, scale: float, seed: int, out: Path, progress: bool = False) -> dict[str, int]:
    """Write the scenario's records as Parquet files ``out/<table>/part-N.parquet``; returns rows per table."""
    from gigsight.simulate.text import grammar

    fit = fit_plan(scenario)
    g = grammar()
    clients = make_clients(fit, scale, _rng(seed, "population"))
    free = make_freelancers(fit, clients, g.n_ai, len(g.kinds) - g.n_ai, _rng(seed, "freelancers"))
    gen = Generator(fit, clients, free, g)
    writers: dict[str, pq.ParquetWriter] = {}
    rows: dict[str, int] = {}

    def put(name: str, table: pa.Table) -> None:
        if name not in writers:
            (out / name).mkdir(parents=True, exist_ok=True)
            # snappy, not zstd: the files live until the store has read them, and zstd cost 15% of generation
            writers[name] = pq.ParquetWriter(out / name / "part-0.parquet", table.schema, compression="snappy")
        writers[name].write_table(table, row_group_size=1 << 20)
        rows[name] = rows.get(name, 0) + table.num_rows

    c_table, c_truth = client_tables(gen, _rng(seed, "clients_table"))
    put("clients", c_table)
    put("truth_clients", c_truth)
    f_table, f_skills = freelancer_tables(gen, _rng(seed, "freelancers_table"))
    put("freelancers", f_table)
    put("freelancer_skills", f_skills)
    ids = {"contract": 0, "job": 0, "payment": 0, "proposal": 0}
    starts = list(range(0, len(clients), BLOCK_CLIENTS))
    from gigsight.ingest.pipeline import progress_bar

    with progress_bar(progress) as advance_for:
        advance = advance_for(f"simulating {scenario.name} (scale {scale:g})", len(clients))
        for i, lo in enumerate(starts):
            hi = min(lo + BLOCK_CLIENTS, len(clients))
            block = gen.block(_rng(seed, "block", i), lo, hi, ids)
            for name in ("jobs", "truth_jobs", "contracts", "payments", "proposals"):
                put(name, getattr(block, name))
            advance(hi - lo)
    put("truth_targets", truth_targets(scenario, scale, seed))
    for w in writers.values():
        w.close()
    return rows


def simulate(store: Store, scenario: str | Path = "seed-q3", *, scale: float = 0.05, seed: int = 42,
             replace: bool = False, validate: bool = True, progress: bool = False) -> dict[str, Any]:
    """Generate a scenario into ``store``; refuses a store that holds data unless ``replace``.

    Returns the scenario name, scale, seed, rows per table, and the ingest summary when validated.
    """
    _check_args(scale, seed)
    sc = load_scenario(scenario)
    if not replace and holds_data(store):
        raise ConfigError(f"{store.url} already holds data; pass --replace to overwrite it, or choose --db")
    clear(store)
    store.ensure_tables()
    with tempfile.TemporaryDirectory(prefix="gigsight-sim-", dir=store.tmpdir()) as tmp:
        out = Path(tmp)
        rows = generate(sc, scale, seed, out, progress)
        result: dict[str, Any] = {"scenario": sc.name, "scale": scale, "seed": seed, "rows": rows}
        if validate:
            from gigsight.ingest.pipeline import ingest

            canonical = out / "canonical"
            canonical.mkdir()
            for t in LOAD_ORDER:
                (out / t / "part-0.parquet").rename(canonical / f"{t}.parquet")
            ingested = ingest(store, canonical, progress=progress)
            result["ingest"] = ingested.to_dict()
            result["rejected"] = sum(s.rejected for s in ingested.sources)
        load_generated(store, out, canonical=not validate)
    return result


def load_generated(store: Store, folder: Path, canonical: bool = True) -> None:
    """Bulk-load :func:`generate`'s files (the truth tables always; the canonical ones when ``canonical``)."""
    for t in LOAD_ORDER if canonical else ():
        store.bulk_load(t, folder / t)
    for t in TRUTH_TABLES:
        store.bulk_load(t, folder / t, create=True)


__all__ = ["TRUTH_TABLES", "Scenario", "generate", "known_scenarios", "load_generated", "load_scenario", "simulate"]

"""``gigsight demo``: make a sample marketplace, ingest it into a DuckDB file, and show what landed.

Until the calibrated simulator lands this uses :mod:`gigsight.sample`; the path is the real one
(files -> ingest with validation -> store -> the metric registry through Ibis).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from gigsight.backends import connect
from gigsight.backends.base import Store
from gigsight.errors import ConfigError
from gigsight.growth import growth_bridge
from gigsight.ingest.pipeline import IngestResult, ingest
from gigsight.inventory import info
from gigsight.metrics import compute
from gigsight.sample import write_sample

DEMO_METRICS = ["gsv", "active_clients", "gsv_per_active_client", "new_clients", "take_rate", "ai_gsv_share",
                "ai_jobs"]


def headline(store: Store) -> dict[str, Any]:
    """The demo's numbers: quarterly KPIs with year-over-year growth, and the last quarter's growth bridge,
    all from the same metric registry users query."""
    kpis = compute(DEMO_METRICS, period="quarter", compare=["yoy"], con=store)
    last = str(kpis.period.iloc[-1])
    try:
        bridge = [s.to_dict() for s in growth_bridge(last, con=store)]
    except ConfigError:  # less than a year of data: nothing to compare with
        bridge = []
    records = [{k: (None if v != v else v) for k, v in r.items()} for r in kpis.to_dict(orient="records")]
    return {"quarters": records, "bridge": bridge}


def demo(db: str | Path = "gigsight.duckdb", *, clients: int = 2000, seed: int = 7, replace: bool = False,
         progress: bool = False) -> dict[str, Any]:
    """Build the demo database at ``db``; refuses to touch a database holding data unless ``replace``."""
    path = Path(db)
    if clients < 10 or clients > 5_000_000:
        raise ConfigError(f"clients must be between 10 and 5,000,000, got {clients}")
    if path.exists():
        if not replace:
            with connect(f"duckdb://{path}", read_only=True) as existing:
                held = "payments" in existing.tables() and existing.con.table("payments").count().execute() > 0
            if held:
                raise ConfigError(f"{path} already holds data; pass --replace to overwrite it, or choose --db")
        path.unlink()
    with tempfile.TemporaryDirectory(prefix="gigsight-demo-") as tmp:
        write_sample(tmp, clients=clients, seed=seed)
        with connect(f"duckdb://{path}") as store:
            result: IngestResult = ingest(store, tmp, progress=progress)
            return {"db": str(path), "ingest": result.to_dict(), "info": info(store), **headline(store)}


__all__ = ["demo", "headline"]

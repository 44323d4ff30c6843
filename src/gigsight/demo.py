"""``gigsight demo``: make a sample marketplace, ingest it into a DuckDB file, and show what landed.

Until the calibrated simulator lands this uses :mod:`gigsight.sample`; the path is the real one
(files -> ingest with validation -> store -> queries through Ibis).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from gigsight.backends import connect
from gigsight.backends.base import Store
from gigsight.errors import ConfigError
from gigsight.ingest.pipeline import IngestResult, ingest
from gigsight.inventory import info
from gigsight.sample import write_sample


def quarterly_gsv(store: Store) -> list[dict[str, Any]]:
    """GSV (client spend + client fees), revenue and paying clients per calendar quarter.

    >>> from gigsight.backends import connect
    >>> quarterly_gsv(connect("duckdb://:memory:"))
    []
    """
    p = store.con.table("payments")
    q = p.mutate(period=p.paid_at.year().cast("string") + "Q" + p.paid_at.quarter().cast("string"))
    agg = q.group_by("period").aggregate(
        payments=q.count(),
        gsv=(q.amount + q.client_fee).sum(),
        revenue=(q.client_fee + q.freelancer_fee).sum(),
        paying_clients=q.client_id.nunique(where=q.amount > 0),
    ).order_by("period")
    df = agg.execute()
    return [{"period": r.period, "payments": int(r.payments), "gsv": float(r.gsv), "revenue": float(r.revenue),
             "paying_clients": int(r.paying_clients)} for r in df.itertuples(index=False)]


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
            return {"db": str(path), "ingest": result.to_dict(), "info": info(store),
                    "quarters": quarterly_gsv(store)}


__all__ = ["demo", "quarterly_gsv"]

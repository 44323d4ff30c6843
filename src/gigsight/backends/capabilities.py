"""What each engine can and cannot do, consulted before work starts (not discovered half-way through it).

>>> capable("spark", "atomic_ingest"), capable("duckdb", "atomic_ingest")
(False, True)
"""

from __future__ import annotations

CAPABILITIES: dict[str, dict[str, bool]] = {
    # atomic_ingest: every table of one ingest run lands in one transaction.
    # count_distinct_window: COUNT(DISTINCT) over a window frame (DESIGN.md known traps).
    # atomic_replace: the enrich stage's derived tables are replaced together or not at all.
    # keeps_facts: metric facts are kept in the store between processes.
    # patches_facts: a write logs what it touched and the refresh rebuilds only that (in place, or on Spark by
    # rewriting each touched table beside the old one).
    # tends_tables: the tables a write fills get indexes on their id columns and fresh planner statistics
    # (backends.upkeep: Postgres scans a whole table per lookup without them and plans blind until autovacuum).
    "duckdb": {"atomic_ingest": True, "count_distinct_window": True, "atomic_replace": True, "keeps_facts": True,
               "patches_facts": True, "tends_tables": False},
    "postgres": {"atomic_ingest": True, "count_distinct_window": False, "atomic_replace": True, "keeps_facts": True,
                 "patches_facts": True, "tends_tables": True},
    "spark": {"atomic_ingest": False, "count_distinct_window": False, "atomic_replace": False, "keeps_facts": True,
              "patches_facts": True, "tends_tables": False},
}

_ENGINE = {"pyspark": "spark"}  # the Ibis backend's name -> the store's


def capable(engine: str, what: str) -> bool:
    """Whether ``engine`` (a store's name, or its Ibis backend's: ``pyspark`` is ``spark``) can do ``what``; an
    engine not listed can do nothing special.

    >>> capable("pyspark", "keeps_facts") == capable("spark", "keeps_facts")
    True
    """
    return CAPABILITIES.get(_ENGINE.get(engine, engine), {}).get(what, False)


__all__ = ["CAPABILITIES", "capable"]

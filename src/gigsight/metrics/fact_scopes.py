"""Which rows each kept fact belongs to, and what an incremental refresh reads of the store's tables.

An incremental refresh (:mod:`gigsight.metrics.incremental`) rebuilds the kept facts of the ids a write touched,
one id column at a time: while it runs, :func:`scoped` narrows the store tables a computation reads to the rows
of those ids, so the very expressions of a full refresh build the touched rows only.

>>> import ibis
>>> con = ibis.duckdb.connect()
>>> _ = con.create_table("payments", schema={"client_id": "string"})
>>> scoped(con, "payments").columns
('client_id',)
"""

from __future__ import annotations

from typing import Any

from gigsight.backends import kept
from gigsight.backends.types import Backend

# the id column each kept fact's rows belong to
PARTITION = {"payment_facts": "payment_id", "client_bucket": "client_id", "client_first": "client_id",
             "client_period": "client_id", "new_clients": "client_id", "retention": "client_id",
             "freelancer_period": "freelancer_id", "job_facts": "job_id", "job_skills": "job_id",
             "contract_facts": "contract_id"}
SCOPE = kept.PREFIX + "scope_"  # + an id column: the table of that column's ids an incremental refresh rebuilds
# the store tables read only for the touched ids, per id column (the others are read whole: dimensions)
SCOPED = {"payment_id": ("payments",), "client_id": ("payments",), "freelancer_id": ("payments",),
          "contract_id": ("contracts",), "job_id": ("jobs", "contracts", "proposals", "job_skills")}


def scoped(con: Backend, name: str) -> Any:
    """The store table ``name``, narrowed to the touched ids while an incremental refresh runs on ``con``."""
    t = con.table(name)
    w = kept.writer(con)
    if w is not None and w.scope is not None and name in SCOPED[w.scope[0]]:
        column, ids = w.scope
        t = t.filter(t[column].isin(con.table(ids).id))
    return t


def clients_payments(con: Backend) -> Any:
    """While an incremental refresh rebuilds some payments' facts on ``con``: every payment of their clients
    (each client's first paying month is a fact of all its payments), else None."""
    w = kept.writer(con)
    if w is None or w.scope is None or w.scope[0] != "payment_id":
        return None
    t = con.table("payments")
    return t.filter(t.client_id.isin(con.table(SCOPE + "client_id").id))


__all__ = ["PARTITION", "SCOPE", "SCOPED", "clients_payments", "scoped"]

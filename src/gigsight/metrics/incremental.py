"""Refresh the kept metric facts for what was written since, not for the whole history.

Every write that logs what it touched (:mod:`gigsight.backends.fact_log`) leaves ids behind: payments, clients,
freelancers, jobs and contracts whose rows changed, old rows and new. :func:`update` widens them to every id whose
kept rows depend on a changed row, then rebuilds the rows of those ids only, fact by fact, with the very
expressions a full refresh uses (:class:`~gigsight.metrics.grains.Grains`) over the touched ids' rows:

- a job whose flags changed (its row or its labels) changes its contracts, whose payments change; a client's
  country changes its jobs, contracts and payments too; proposals and hires change only the job's own facts;
- a payment's facts are rebuilt when it changed, or when its client's first paying month moved (a new client, a
  late row before the first, a refund of it); they are joined to contracts and jobs only for those payments;
- every client-level fact (buckets, trailing windows, tiers, first payment, new-client windows, retention) is a
  function of that client's payment facts alone, read from the kept table once those are rebuilt, and a
  freelancer's periods likewise of that freelancer's payment facts.

Rows of a touched id are deleted and inserted again, so running the same update twice gives the same facts, and
the registry moves to the new fingerprint only at the end: a refresh killed half-way leaves facts that readers
ignore (a log is pending) and a log that the next refresh applies again. When the data spans a period the facts
were not built for (the first day of a quarter), the refresh rebuilds everything and says why. Spark cannot delete
rows in place: there a patched table is written again beside the old one (its untouched rows and the rebuilt ones)
and swapped in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gigsight.backends.base import bounded_memory
from gigsight.backends.capabilities import capable
from gigsight.backends.fact_log import LOG, head
from gigsight.backends.kept import PREFIX, REGISTRY, NotKept, execute, fingerprint, rows, writing
from gigsight.backends.shared import Shared
from gigsight.backends.types import Backend
from gigsight.config import Settings
from gigsight.metrics.compute import every_period_key
from gigsight.metrics.fact_scopes import PARTITION, SCOPE
from gigsight.metrics.grains import Grains
from gigsight.metrics.periods import Periods

# DuckDB's cap while patching: a day's rows need little, and uncapped its cache of the scanned kept tables grew the
# process to 3.1 GB for a one-day load at 44M payments
MEMORY = "512MB"
_FLAGGED_JOBS = (f"SELECT id FROM {LOG} WHERE entity = 'job' UNION SELECT CAST(job_id AS VARCHAR) FROM jobs "
                 f"WHERE client_id IN (SELECT id FROM {LOG} WHERE entity = 'client_row')")
_MOVED_FIRST = (  # clients whose first positive payment is not the kept one (or who have none now, or had none)
    "SELECT COALESCE(n.client_id, o.client_id) AS id FROM (SELECT client_id, MIN(paid_at) AS first_at FROM payments "
    f"WHERE amount > 0 AND client_id IN (SELECT id FROM {SCOPE}client_id) GROUP BY client_id) n FULL OUTER JOIN "
    f"(SELECT client_id, first_at FROM {{client_first}} WHERE client_id IN (SELECT id FROM {SCOPE}client_id)) o "
    "ON n.client_id = o.client_id WHERE n.first_at IS DISTINCT FROM o.first_at")
# clients whose first month moved, a table of its own, analysed where the engine plans from statistics: Postgres,
# planning the condition inline, expected many and hashed every payment to find the few (0.75 s of a one-day
# refresh at 4.4M payments). The id scopes are not analysed: told their exact size (a thousand clients), it hashed
# every payment fact instead of looking those clients' up by index (a refresh's work 4.0 -> 6.8 s)
_MOVED = "moved_first"
# (id column, SQL of its ids), in order: later scopes read earlier ones
_SCOPES = (
    ("job_id", f"SELECT id FROM {LOG} WHERE entity IN ('job', 'job_stats') UNION {_FLAGGED_JOBS}"),
    ("contract_id", f"SELECT id FROM {LOG} WHERE entity = 'contract' UNION SELECT CAST(contract_id AS VARCHAR) "
                    f"FROM contracts WHERE job_id IN ({_FLAGGED_JOBS})"),
    ("client_id", f"SELECT id FROM {LOG} WHERE entity IN ('client', 'client_row') UNION SELECT "
                  f"CAST(client_id AS VARCHAR) FROM payments WHERE contract_id IN (SELECT id FROM {SCOPE}contract_id)"),
    (_MOVED, _MOVED_FIRST),
    ("payment_id", f"SELECT id FROM {LOG} WHERE entity = 'payment' UNION " + " UNION ".join(
        f"SELECT CAST(payment_id AS VARCHAR) FROM payments WHERE {cond}" for cond in (
            f"contract_id IN (SELECT id FROM {SCOPE}contract_id)",
            f"client_id IN (SELECT id FROM {LOG} WHERE entity = 'client_row')",
            f"client_id IN (SELECT id FROM {SCOPE}{_MOVED})"))),
    ("freelancer_id", f"SELECT id FROM {LOG} WHERE entity = 'freelancer' UNION SELECT CAST(freelancer_id AS VARCHAR) "
                      f"FROM payments WHERE contract_id IN (SELECT id FROM {SCOPE}contract_id)"),
)
# the order facts are rebuilt in: a payment's facts before its client's and freelancer's, which read them
_PASSES = ("job_id", "contract_id", "payment_id", "client_id", "freelancer_id")
# what rebuilds the facts of each id column, per period grain (the grain-free facts come along once)
_BUILD: dict[str, Callable[[Grains], Any]] = {
    "job_id": lambda g: (g.job_facts, g.job_skills),
    "contract_id": lambda g: g.contract_facts,
    "payment_id": lambda g: g.payment_facts,
    "client_id": lambda g: (g.client_period(g.all_keys), g.retention(g.all_keys), g.new_clients),
    "freelancer_id": lambda g: g.freelancer_period(g.all_keys),
}
_KIND = re.compile(r"^\('(\w+)'")


class Rebuild(Exception):
    """The update cannot be made incrementally; the message says why."""


def pending(con: Backend) -> bool:
    """Whether the store logged writes since its facts were refreshed, and only logged ones."""
    present = set(con.list_tables())
    return LOG in present and REGISTRY in present and head(con, present) == fingerprint(con, present)


def update(con: Backend, settings: Settings, grains: tuple[str, ...]) -> tuple[dict[str, str], dict[str, int]]:
    """Rebuild the kept facts of the logged ids; returns the registry (key text -> table) and the ids per column.
    Raises :class:`Rebuild` when only a full refresh can do it."""
    registry = {str(k): str(n) for k, n in rows(con, f"SELECT key, name FROM {REGISTRY}")}
    client_first = registry.get(repr(("client_first",)))
    if client_first is None:
        raise Rebuild("the kept facts lack the clients' first payments")
    missing = set(registry.values()) - set(con.list_tables())
    if missing:  # a refresh on Spark stopped between dropping a table and renaming its new version
        raise Rebuild(f"{len(missing)} kept fact table(s) are missing, e.g. {min(missing)}")
    try:
        with bounded_memory(con, MEMORY):
            touched = _scopes(con, client_first)
            patched: set[str] = set()
            settled: set[str] = set()
            for column in _PASSES:
                if touched[column]:
                    patched |= _patch(con, settings, grains, column, registry, settled)
                settled.add(column)
    except NotKept as exc:
        raise Rebuild(f"the data now spans periods the facts were not built for ({exc})") from None
    finally:
        _drop_work(con)
    missed = [k for k in registry if touched.get(PARTITION.get(_kind(k), ""), 1) and k not in patched]
    if missed:
        raise Rebuild(f"{len(missed)} kept fact(s) no incremental step rebuilds, e.g. {missed[0][:80]}")
    return registry, touched


def _scopes(con: Backend, client_first: str) -> dict[str, int]:
    """The tables of ids to rebuild, one per id column; how many ids each holds."""
    touched = {}
    for column, sql in _SCOPES:
        execute(con, f"DROP TABLE IF EXISTS {SCOPE}{column}")
        execute(con, f"CREATE TABLE {SCOPE}{column} AS SELECT DISTINCT id FROM "
                     f"({sql.format(client_first=client_first)}) t WHERE id IS NOT NULL")
        if column == _MOVED:  # a step towards the payment scope, not ids of facts
            if capable(con.name, "tends_tables"):
                execute(con, f"ANALYZE {SCOPE}{column}")
            continue
        touched[column] = int(rows(con, f"SELECT COUNT(*) FROM {SCOPE}{column}")[0][0])
    return touched


def _patch(con: Backend, settings: Settings, grains: tuple[str, ...], column: str, registry: dict[str, str],
           settled: set[str]) -> set[str]:
    with writing(con, "", (column, f"{SCOPE}{column}"), registry, settled) as w, Shared(con):
        for grain in grains:
            g = Grains(con, Periods(grain, settings.fiscal_year_start_month), settings)
            try:
                g.all_keys = every_period_key(con, g.periods)
                _BUILD[column](g)
            finally:  # its temporary tables: on Spark they are views of the whole session, seen by every database
                g.release()
        return set(w.patched)


def _kind(key_text: str) -> str:
    m = _KIND.match(key_text)
    return m.group(1) if m else ""


def _drop_work(con: Backend) -> None:
    for name in con.list_tables():
        if name.startswith(SCOPE) or (name.startswith(PREFIX) and name.endswith("_delta")):
            con.drop_table(name, force=True)


__all__ = ["Rebuild", "pending", "update"]

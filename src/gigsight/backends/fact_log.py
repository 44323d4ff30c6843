"""What a write touched, kept beside the metric facts so the next refresh updates only that.

A write through a :class:`~gigsight.backends.base.Store` that knows its rows logs the ids they touch (payments,
clients, freelancers, jobs, contracts), old rows and new, into ``gigsight_fact_log`` in the same transaction (or
the same file swap, or on Spark with the registry held aside: :func:`hold`) as the rows themselves, and moves the
log's head to the fingerprint the store has after it. :func:`gigsight.metrics.facts.refresh` then rebuilds the
kept facts of those ids only, when the head still matches the store: a write that bypassed gigsight (or one that
could not say what it touched) leaves the head behind, and the refresh rebuilds everything.

A write that cannot say what it touched (a bulk load, enrich on Spark, a new skills dictionary)
drops the facts: :func:`loggable` decides, before the write, whether logging is still worth anything. A
replacement on DuckDB or Postgres logs the ids whose rows differ where the facts read (:func:`changed_rows`).

>>> log_statements("payments", "new_rows")[1]
"INSERT INTO gigsight_fact_log (entity, id) SELECT DISTINCT 'client', id FROM (SELECT CAST(client_id AS VARCHAR) \
AS id FROM new_rows t) u WHERE id IS NOT NULL"
"""

from __future__ import annotations

from collections.abc import Callable

from gigsight.backends import kept
from gigsight.backends.capabilities import capable
from gigsight.backends.kept import LOG, REGISTRY, SOURCES, fingerprint, fingerprint_sql, registry_fingerprint, rows
from gigsight.backends.types import Backend

HEAD = "@head"  # the entity of the log's one row that holds the store's fingerprint after the last logged write
# the ids each source table's rows touch, as (entity, column): refresh widens them (a job's contracts, ...)
TOUCHES: dict[str, tuple[tuple[str, str], ...]] = {
    "payments": (("payment", "payment_id"), ("client", "client_id"), ("freelancer", "freelancer_id")),
    "contracts": (("contract", "contract_id"), ("job_stats", "job_id")),  # the job's hire date
    "jobs": (("job", "job_id"),),
    "clients": (("client_row", "client_id"),),
    "proposals": (("job_stats", "job_id"),),  # a job's proposals change its own facts, not its payments'

    "job_labels": (("job", "job_id"),),
    "job_skills": (("job", "job_id"),),
    "freelancer_profile": (("freelancer", "freelancer_id"),),
}
UNTRACKED = set(SOURCES) - set(TOUCHES)  # a write to these (the skills dictionary) rebuilds every fact
# the columns of the derived tables that facts read: a replacement that keeps them keeps the facts
READ = {"job_labels": ("job_id", "is_ai", "category_inferred"), "job_skills": ("job_id", "skill_id"),
        "freelancer_profile": ("freelancer_id", "is_ai_specialist"), "skills": ("skill_id", "name")}


def loggable(con: Backend, tables: set[str]) -> bool:
    """Whether a write to ``tables`` may be logged instead of dropping the facts: the store keeps facts, every
    earlier write since their refresh was logged (the head matches the store), and every table is tracked."""
    if tables & UNTRACKED or not capable(con.name, "patches_facts"):
        return False
    present = set(con.list_tables())
    if REGISTRY not in present:
        return False
    return head(con, present) == fingerprint(con, present)


def head(con: Backend, present: set[str]) -> str | None:
    """The fingerprint the store should have if every write since the facts' refresh was logged."""
    if LOG in present:
        found = rows(con, f"SELECT id FROM {LOG} WHERE entity = '{HEAD}'")
        if found:
            return str(found[0][0])
    return registry_fingerprint(con)


CREATE = f"CREATE TABLE IF NOT EXISTS {LOG} (entity VARCHAR, id VARCHAR)"


def log_statements(table: str, new_rows: str, old_rows: str | None = None) -> list[str]:
    """SQL that logs the ids touched by writing ``new_rows`` (a relation) into ``table``: those of the new rows
    and of ``old_rows``, the rows they replace (a relation each engine writes its fastest way)."""
    out = []
    for entity, column in TOUCHES.get(table, ()):
        sources = [new_rows, *([old_rows] if old_rows else [])]
        ids = " UNION ".join(f"SELECT CAST({column} AS VARCHAR) AS id FROM {rel} t" for rel in sources)
        out.append(f"INSERT INTO {LOG} (entity, id) SELECT DISTINCT '{entity}', id FROM ({ids}) u "
                   "WHERE id IS NOT NULL")
    return out


def changed_rows(table: str, new: str, old: str) -> str:
    """A relation of the rows whose read columns (:data:`READ`) differ between ``new`` and ``old``, both ways.

    >>> changed_rows("skills", "n", "o")
    '((SELECT skill_id, name FROM n EXCEPT SELECT skill_id, name FROM o) UNION ALL (SELECT skill_id, name FROM o \
EXCEPT SELECT skill_id, name FROM n))'
    """
    cols = ", ".join(READ[table])
    return (f"((SELECT {cols} FROM {new} EXCEPT SELECT {cols} FROM {old}) UNION ALL "
            f"(SELECT {cols} FROM {old} EXCEPT SELECT {cols} FROM {new}))")


def differing(new: dict[str, str], present: set[str], scalar: Callable[[str], object]) -> set[str] | None:
    """The tables among ``new`` (name -> relation of its new rows) whose rows differ from the stored ones where the
    facts read them (always, for a table they do not read), asking each engine's ``scalar(sql)``; None when one is
    not stored yet, as then no log can say what changed.

    >>> differing({"skills": "n"}, {"skills"}, lambda sql: sql.startswith("SELECT EXISTS"))
    {'skills'}
    >>> differing({"skills": "n"}, set(), lambda sql: True) is None
    True
    """
    if not set(new) <= present:
        return None
    return {name for name, rows in new.items() if name not in READ or bool(scalar(
        f"SELECT EXISTS (SELECT 1 FROM {changed_rows(name, rows, name)} t)"))}


def head_statements(present: set[str]) -> list[str]:
    """SQL that moves the head to the store's fingerprint, counted inside the writing transaction."""
    counts = fingerprint_sql(present)
    return [f"DELETE FROM {LOG} WHERE entity = '{HEAD}'",
            f"INSERT INTO {LOG} (entity, id) SELECT '{HEAD}', {counts}"]


def hold(con: Backend) -> None:
    """Before a logged write on an engine without transactions (Spark): the registry is set aside, so that the
    facts are ignored (and rebuilt whole) if the write stops half-way, until :func:`release` brings it back."""
    kept.execute(con, CREATE)
    kept.execute(con, f"ALTER TABLE {REGISTRY} RENAME TO {kept.HELD}")


def release(con: Backend) -> None:
    """After such a write, every row and log line of it in place: the head moves to the store's fingerprint (the
    log is written again beside and swapped, as Spark cannot delete a row), then the registry comes back."""
    counts = fingerprint_sql(set(con.list_tables()))
    kept.execute(con, f"CREATE TABLE {LOG}__next AS SELECT entity, id FROM {LOG} WHERE entity <> '{HEAD}' "
                      f"UNION ALL SELECT '{HEAD}' AS entity, {counts} AS id")
    kept.swap(con, LOG)
    kept.execute(con, f"ALTER TABLE {kept.HELD} RENAME TO {REGISTRY}")


def clear(con: Backend) -> None:
    con.raw_sql(f"DROP TABLE IF EXISTS {LOG}")


def status(con: Backend) -> dict[str, str | None]:
    """When and how the kept facts were last refreshed, and whether they match the data now (``current``),
    wait for an incremental refresh of logged writes (``pending``), or must be rebuilt whole (``stale``)."""
    present = set(con.list_tables())
    if not capable(con.name, "keeps_facts") or REGISTRY not in present:
        return {"state": "none", "refreshed_at": None, "mode": None}
    columns = con.table(REGISTRY).columns
    at, mode = (rows(con, f"SELECT MIN(refreshed_at), MIN(mode) FROM {REGISTRY}")[0]
                if "mode" in columns else (None, None))
    now = fingerprint(con, present)
    state = ("pending" if LOG in present and head(con, present) == now
             else "current" if LOG not in present and registry_fingerprint(con) == now else "stale")
    return {"state": state, "refreshed_at": at, "mode": mode}


__all__ = ["CREATE", "HEAD", "LOG", "READ", "TOUCHES", "changed_rows", "clear", "differing", "head",
           "head_statements", "hold", "log_statements", "loggable", "release", "status"]

"""The tables metrics aggregate, built once per ``compute()`` as Ibis expressions (every engine).

- ``payment_facts``: one row per payment with its month, period, GSV and the segments asked for.
- ``client_bucket``: spend per client per period (or month, when the trailing window is not a whole number
  of periods); ``client_period``: trailing-window aggregates per client at every period end (the base of
  point-in-time metrics: active, tiers, core, retention). It is built by joining client buckets to the
  period ends whose window they fall in (4 per quarter bucket), so no engine needs COUNT(DISTINCT) over a
  window.
- ``jobs``/``contracts``/``freelancer_period`` likewise.

The AI flag and category come from the enrich stage's ``job_labels`` when it exists, else from the
jobs table's own columns, so metric code does not change when the classifier arrives.

The materialised tables can outlive one ``compute()`` twice over: the store keeps them between processes while
the data does not change (:mod:`gigsight.metrics.facts`), and inside a :class:`~gigsight.backends.shared.Shared`
block whatever is not kept is built once for every question of the block (the report and the web app ask many
questions of data that does not change meanwhile). Either way the tables then carry every segment column and
every period of the data (:attr:`Grains.full`), so one build answers every later question.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import ibis
import pandas as pd

from gigsight.backends import kept as facts
from gigsight.backends.base import drop_temp_table, temp_table
from gigsight.backends.shared import open_tables
from gigsight.backends.types import Backend
from gigsight.config import Settings
from gigsight.errors import ConfigError
from gigsight.metrics.fact_scopes import PARTITION, clients_payments, scoped
from gigsight.metrics.periods import Periods, month_index

# Per-client sums are stored back as the canonical money type: DuckDB widens a sum to DECIMAL(38,2), whose
# 128-bit arithmetic made every later sum over the client tables 40x slower; no client spends $10^16.
MONEY = ibis.dtype("decimal(18, 2)")
UNCATEGORISED = "Uncategorised"
UNKNOWN = "Unknown"


def left_join(left: Any, right: Any, keys: str | list[str]) -> Any:
    """A left join on same-named keys that keeps one copy of each key (Ibis keeps ``<key>_right``)."""
    keys = [keys] if isinstance(keys, str) else keys
    joined = left.left_join(right, keys)
    return joined.drop(*[f"{k}_right" for k in keys if f"{k}_right" in joined.columns])


def tier_labels(bounds: tuple[int, ...]) -> list[str]:
    """Tier names for TTM spend bounds.

    >>> tier_labels((1000, 5000))
    ['<$1K', '$1K-$5K', '$5K+']
    """
    def k(v: int) -> str:
        return f"${v // 1000}K" if v % 1000 == 0 else f"${v:,}"
    names = [f"<{k(bounds[0])}"]
    names += [f"{k(a)}-{k(b)}" for a, b in itertools.pairwise(bounds)]
    return [*names, f"{k(bounds[-1])}+"]


def tier_expr(spend: Any, bounds: tuple[int, ...]) -> Any:
    labels = tier_labels(bounds)
    cases = [(spend < b, labels[i]) for i, b in enumerate(bounds)]
    return ibis.cases(*cases, else_=labels[-1])


@dataclass
class Grains:
    con: Backend
    periods: Periods
    settings: Settings
    materialize: bool = True  # keep the shared intermediate tables on the engine for this computation
    segments: tuple[str, ...] = ("ai", "category", "country", "tier", "skill")  # the columns rows must carry
    _tables: set[str] = field(default_factory=set)
    _cached: list[Any] = field(default_factory=list)
    _periods: dict[tuple[int, ...], Any] = field(default_factory=dict)
    _temp_tables: list[str] = field(default_factory=list)
    all_keys: list[int] = field(default_factory=list)  # every period key of the data (set by compute)
    kept: dict[str, str] | None = None  # the store's kept facts (key text -> table), when current
    _tables_read: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._tables = set(self.con.list_tables())
        if "payments" not in self._tables:
            raise ConfigError("this store has no payments table: ingest data first (gigsight ingest)")
        self.kept = self._kept_facts()

    def _kept_facts(self) -> dict[str, str] | None:
        """The store's kept facts when current (none while a refresh is building them)."""
        if not self.materialize or facts.writer(self.con) is not None:
            return None
        return facts.current(self.con, self._tables)

    @property
    def shared(self) -> dict[tuple[Any, ...], Any] | None:
        return open_tables(self.con) if self.materialize else None

    @property
    def full(self) -> bool:
        """Whether this computation builds (or reads) the facts shared beyond itself, which carry every
        segment column and span every period of the data."""
        return self.shared is not None or self.kept is not None

    @property
    def settings_key(self) -> tuple[Any, ...]:
        s = self.settings  # only what changes a fact: memory limits and the store URL do not
        return (s.ttm_months, s.tier_bounds, s.core_client_lifetime_spend, s.new_client_window_days)

    def _table(self, name: str) -> Any:
        """A store table, its schema read once per computation."""
        if name not in self._tables_read:
            self._tables_read[name] = scoped(self.con, name)
        return self._tables_read[name]

    def _keep(self, expr: Any, key: tuple[Any, ...] | None = None, per_period: bool = True) -> Any:
        """Materialise an intermediate every metric of a computation reads (joins done once, not per query).
        With ``key``, when facts are shared (:attr:`full`), the table is looked up or kept beyond this
        computation: in the store's kept facts (:mod:`gigsight.metrics.facts`), then in a
        :class:`~gigsight.backends.shared.Shared` block (unless ``per_period``, one table for every period
        grain: row-level facts carry the month).
        ``expr`` may be a function building the expression, called only when the table must be built."""
        build = expr if callable(expr) else (lambda: expr)
        if not self.materialize:
            return build()
        if key is None or not self.full:
            kept = build().cache()
            self._cached.append(kept)
            return kept
        full = (*key, self.periods, self.settings_key) if per_period else key
        shared = self.shared
        if shared is not None and full in shared:
            return shared[full]
        table = self._kept_table(full, build)
        if table is None:
            table = build().cache()
            if shared is None:
                self._cached.append(table)
        if shared is not None:
            shared[full] = table
        return table

    def _kept_table(self, full: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        w = facts.writer(self.con)
        if w is not None and w.scope is not None:
            return facts.patch(self.con, w, full, PARTITION[full[0]], build)  # an incremental refresh
        if w is not None:
            return facts.keep(self.con, w, full, build(), PARTITION.get(full[0]))
        name = (self.kept or {}).get(facts.key_text(full))
        return None if name is None else self.con.table(name)

    def _share(self, expr: Any, key: tuple[Any, ...], per_period: bool = True) -> Any:
        """Materialise only when facts are shared (a single computation reads it once)."""
        if self.full:
            return self._keep(expr, key, per_period)
        return expr() if callable(expr) else expr

    def release(self) -> None:
        """Drop the materialised intermediates."""
        for t in self._cached:
            with contextlib.suppress(Exception):  # already gone with the connection: nothing to free
                t.release()
        self._cached.clear()
        for name in self._temp_tables:
            with contextlib.suppress(Exception):
                drop_temp_table(self.con, name)
        self._temp_tables.clear()

    # --- row-level facts -------------------------------------------------------------------------
    @cached_property
    def job_flags(self) -> Any:
        j = self._table("jobs")
        if "job_labels" in self._tables:
            lab = self._table("job_labels")
            j = left_join(j, lab.select("job_id", lab_ai=lab.is_ai, lab_cat=lab.category_inferred), "job_id")
            return j.select("job_id", "client_id", "posted_at",
                            is_ai=ibis.coalesce(j.lab_ai, j.is_ai, False),
                            category=ibis.coalesce(j.category, j.lab_cat, UNCATEGORISED))
        return j.select("job_id", "client_id", "posted_at", is_ai=ibis.coalesce(j.is_ai, False),
                        category=ibis.coalesce(j.category, UNCATEGORISED))

    @cached_property
    def job_skills(self) -> Any:
        """(job_id, skill): the enrich stage's normalised skills when present, else the job's own tags."""
        if {"job_skills", "skills"} <= self._tables:
            js, sk = self._table("job_skills"), self._table("skills")
            return self._share(js.join(sk, "skill_id").select("job_id", skill=sk.name).distinct(), ("job_skills",),
                               per_period=False)
        j = self._table("jobs").filter(lambda t: t.skills.notnull())
        # split on "," only: Spark's split() takes a regular expression, where "|" means "or"
        tags = j.select("job_id", tag=j.skills.replace("|", ",").split(",").unnest())
        # lstrip/rstrip, not strip: ibis passes string.whitespace to Spark's trim, where "\v" becomes "v"
        tags = tags.select("job_id", skill=tags.tag.lstrip().rstrip().lower())
        return self._share(tags.filter(tags.skill != "").distinct(), ("job_skills",), per_period=False)

    @cached_property
    def clients(self) -> Any:
        c = self._table("clients")
        return c.select("client_id", country=ibis.coalesce(c.country, UNKNOWN))

    def with_country(self, t: Any) -> Any:
        """Add the client's country when a breakdown needs it (the join is skipped otherwise)."""
        return t.join(self.clients, "client_id") if self._carry("country") else t

    def _carry(self, *names: str) -> list[str]:
        """The optional segment columns this computation needs (all of them when facts are shared)."""
        wanted = {"job_id": "skill", "category": "category", "country": "country"}
        return [n for n in names if wanted[n] in self.segments or self.full]

    @cached_property
    def payment_facts(self) -> Any:
        rows = self._keep(self._payment_rows, ("payment_facts", *self._carry("job_id", "category", "country")),
                          per_period=False)
        return rows.mutate(pk=self.periods.key_expr(rows.m),
                           new_client=ibis.coalesce(self.periods.same_period_expr(rows.first_m, rows.m), False))

    def _payment_rows(self) -> Any:
        p = self._table("payments")
        k = self._table("contracts").select("contract_id", "job_id")
        j = self.job_flags.select("job_id", "category", ai="is_ai")
        t = self.with_country(p.join(k, "contract_id").join(j, "job_id"))
        # kept facts carry the payment's id: an incremental refresh replaces the rows of the payments it touched
        rows = t.select(*(["payment_id"] if self.full else []), "client_id", "freelancer_id", "paid_at", "amount",
                        "client_fee", "freelancer_fee", "ai", *self._carry("job_id", "category", "country"),
                        m=month_index(t.paid_at), gsv=t.amount + t.client_fee)
        # the month of the client's first positive payment rides on every row, so "paid by a new client" is a
        # comparison, not a join of every payment with every client per question; an incremental refresh
        # rebuilding some payments finds it among all the payments of their clients
        whole = clients_payments(self.con)
        src = rows if whole is None else whole.select("client_id", "amount", m=month_index(whole.paid_at))
        first = src.filter(src.amount > 0).group_by("client_id").aggregate(first_m=src.m.min())
        return left_join(rows, first, "client_id")

    # --- client level -----------------------------------------------------------------------------
    @cached_property
    def window(self) -> tuple[str, int]:
        """(bucket column, buckets per trailing window). Trailing windows are whole periods when the window
        is a multiple of the period (12 months = 4 quarters = 1 year), so clients are bucketed by period,
        which fans out far fewer rows than months; otherwise by month."""
        months = {"month": 1, "quarter": 3, "year": 12}[self.periods.grain]
        ttm = self.settings.ttm_months
        return ("pk", ttm // months) if ttm % months == 0 else ("m", ttm)

    @cached_property
    def client_bucket(self) -> Any:
        """Spend, GSV and whether any payment was positive, per client and bucket (see :attr:`window`)."""
        f = self.payment_facts
        f = f.mutate(b=f[self.window[0]])
        return self._keep(f.group_by(["client_id", "b"]).aggregate(
            spend=f.amount.sum().cast(MONEY), gsv=f.gsv.sum().cast(MONEY),
            positive=ibis.ifelse(f.amount > 0, 1, 0).max(),
        ), ("client_bucket",))

    @cached_property
    def client_first(self) -> Any:
        """Each client's first positive payment: the acquisition moment."""
        f = self.payment_facts.filter(lambda t: t.amount > 0)
        first = self._share(f.group_by("client_id").aggregate(first_at=f.paid_at.min()), ("client_first",),
                            per_period=False)
        return first.mutate(first_pk=self.periods.key_expr(month_index(first.first_at)))

    @cached_property
    def new_clients(self) -> Any:
        """Each client in the period of its first positive payment, with its spend in the window after it."""
        first = self.with_country(self.client_first)
        pay = self.payment_facts.select("client_id", "paid_at", "gsv")
        days = ibis.interval(days=self.settings.new_client_window_days)
        w = pay.join(first.select("client_id", "first_at"), "client_id")
        w = w.filter(w.paid_at < w.first_at + days)
        win = w.group_by("client_id").aggregate(window_gsv=w.gsv.sum().cast(MONEY))
        t = left_join(first, win, "client_id")
        carried = self._carry("country")
        return self._share(t.select("client_id", *carried, pk=t.first_pk, window_gsv=ibis.coalesce(t.window_gsv, 0)),
                           ("new_clients", *carried))

    @cached_property
    def client_lifetime(self) -> Any:
        """Each client's lifetime spend at the end of every bucket it was active in (running total)."""
        cb = self.client_bucket
        w = ibis.window(group_by="client_id", order_by="b", rows=(None, 0))
        return cb.select("client_id", "b", lifetime=cb.spend.sum().over(w))

    def period_ends(self, keys: list[int]) -> Any:
        end_m = [self.periods.end_month(k) for k in keys]
        end_b = keys if self.window[0] == "pk" else end_m
        ends = pd.DataFrame({"pk": keys, "end_m": end_m, "end_b": end_b}).astype("int64")
        # A temporary table on the engine, not a memtable: Spark cannot see a memtable from inside a cached
        # expression, and a memtable cached alone would land on the default backend.
        name = f"gigsight_period_ends_{uuid.uuid4().hex[:12]}"
        table = temp_table(self.con, name, ends)
        self._temp_tables.append(name)
        return table

    def _span(self, keys: list[int]) -> list[int]:
        """The period ends to build: inside a Shared block every one the data has (quarters and years: few), so
        one build answers every later question; otherwise only ``keys``. Readers filter to their periods."""
        if self.full and self.all_keys and self.periods.grain != "month":
            return sorted(set(self.all_keys) | set(keys))
        return keys

    def client_period(self, keys: list[int]) -> Any:
        """Per client and period end: trailing spend and GSV, active flag, tier, core flag, country."""
        keys = self._span(keys)
        if tuple(keys) not in self._periods:
            self._periods[tuple(keys)] = self._keep(lambda: self._client_period(keys),
                                                    ("client_period", tuple(keys), *self._carry("country")))
        return self._periods[tuple(keys)]

    def _client_period(self, keys: list[int]) -> Any:
        cb, ends = self.client_bucket, self.period_ends(keys)
        span = self.window[1]
        j = cb.join(ends, [cb.b <= ends.end_b, cb.b > ends.end_b - span])
        cp = j.group_by(["client_id", "pk"]).aggregate(
            ttm_spend=j.spend.sum().cast(MONEY), ttm_gsv=j.gsv.sum().cast(MONEY), active=j.positive.max(),
            last_b=j.b.max(),
        )
        # Lifetime spend at the period end is the running total at the client's last bucket in the window.
        life = self.client_lifetime
        cp = self.with_country(cp.join(life, [cp.client_id == life.client_id, cp.last_b == life.b]))
        return cp.select(
            "client_id", "pk", "ttm_spend", "ttm_gsv", *self._carry("country"),
            active=cp.active == 1,
            core=(cp.active == 1) & (cp.lifetime >= self.settings.core_client_lifetime_spend),
            tier=tier_expr(cp.ttm_spend, self.settings.tier_bounds),
        )

    def retention(self, keys: list[int]) -> Any:
        """Per client active a year before each period end: its trailing spend then and now (0 if gone)."""
        def build() -> Any:
            cp = self.client_period(keys)
            carried = [c for c in ("country", "tier") if c in cp.columns]
            then = cp.filter(cp.active).select("client_id", *carried, pk=cp.pk + self.periods.offset("yoy"),
                                               then_spend=cp.ttm_spend)
            now = cp.select("client_id", "pk", now_spend=cp.ttm_spend)
            t = left_join(then, now, ["client_id", "pk"])
            return t.mutate(now_spend=ibis.coalesce(t.now_spend, 0))
        return self._share(build, ("retention", tuple(self._span(keys)), *self._carry("country")))

    # --- freelancers, jobs, contracts -------------------------------------------------------------
    def freelancer_period(self, keys: list[int]) -> Any:
        """Per freelancer and period end: active (earned in the trailing window) and AI-specialised."""
        keys = self._span(keys)
        return self._share(lambda: self._freelancer_period(keys), ("freelancer_period", tuple(keys)))

    def _freelancer_period(self, keys: list[int]) -> Any:
        f = self.payment_facts
        f = f.mutate(b=f[self.window[0]])
        fb = f.group_by(["freelancer_id", "b"]).aggregate(
            earned=f.amount.sum(), ai_earned=f.amount.sum(where=f.ai),
            positive=ibis.ifelse(f.amount > 0, 1, 0).max(),
        )
        ends, span = self.period_ends(keys), self.window[1]
        j = fb.join(ends, [fb.b <= ends.end_b, fb.b > ends.end_b - span])
        fp = j.group_by(["freelancer_id", "pk"]).aggregate(
            earned=j.earned.sum(), ai_earned=j.ai_earned.sum(), active=j.positive.max(),
        )
        specialist = (fp.earned > 0) & (fp.ai_earned.fill_null(0) > fp.earned * 0.5)
        if "freelancer_profile" in self._tables:
            prof = self._table("freelancer_profile").select("freelancer_id", prof_ai="is_ai_specialist")
            fp = left_join(fp, prof, "freelancer_id")
            specialist = specialist | ibis.coalesce(fp.prof_ai, False)
        return fp.select("freelancer_id", "pk", active=fp.active == 1,
                         ai_specialist=(fp.active == 1) & ibis.coalesce(specialist, False))

    @cached_property
    def job_facts(self) -> Any:
        def build() -> Any:
            k = self._table("contracts")
            first = k.group_by("job_id").aggregate(hired_at=k.started_at.min())
            j = left_join(self.with_country(self.job_flags), first, "job_id")
            if "proposals" in self._tables:
                pr = self._table("proposals")
                j = left_join(j, pr.group_by("job_id").aggregate(proposals=pr.count()), "job_id")
                proposals = ibis.coalesce(j.proposals, 0)
            else:
                proposals = ibis.literal(None, "int64")
            days = (j.hired_at.epoch_seconds() - j.posted_at.epoch_seconds()) / 86400.0
            return j.select("job_id", "category", "posted_at", *self._carry("country"), ai=j.is_ai,
                            m=month_index(j.posted_at), days_to_hire=days, proposals=proposals)

        rows = self._share(build, ("job_facts", *self._carry("country")), per_period=False)
        return rows.mutate(pk=self.periods.key_expr(rows.m))

    @cached_property
    def contract_facts(self) -> Any:
        def build() -> Any:
            t = self.with_country(self._table("contracts").join(
                self.job_flags.select("job_id", "category", ai="is_ai"), "job_id"))
            return t.select("contract_id", "job_id", "ai", "category", *self._carry("country"),
                            m=month_index(t.started_at))
        rows = self._share(build, ("contract_facts", *self._carry("country")), per_period=False)
        return rows.mutate(pk=self.periods.key_expr(rows.m))

"""One row per client as of a date: purchase days, recency, tenure, spend and the covariates a marketplace knows.

Everything is computed in Ibis from the store's payments (and, when present, contracts, clients and the enrich
stage's job labels), so the same code runs on DuckDB, Postgres and Spark. Only payments settled up to the end
of ``at`` (UTC) are read: a forecast made "as of" a date is a backtest of that date.

Definitions (docs/clients.md):

- a *purchase day* is a UTC day with at least one positive payment; refunds reduce spend but never add a day;
- spend is GSV: client spend plus client fees, refunds included (negative);
- ``x`` = purchase days - 1 (repeat purchase days), ``t_x`` = days from the first to the last purchase day,
  ``T`` = days from the first purchase day to ``at``: the inputs of the BG/NBD family;
- ``repeat_spend`` = mean GSV of the repeat purchase days (spend after the first day / ``x``), Gamma-Gamma's input.

>>> import gigsight
>>> store = gigsight.connect("duckdb://:memory:")
>>> client_summary(store.con, "2025-01-01").empty
True
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from gigsight.backends.base import bounded_memory
from gigsight.backends.types import Backend
from gigsight.errors import GigsightError
from gigsight.metrics.grains import tier_labels

SECONDS_PER_DAY = 86_400
SUMMARY_MEMORY = "512MB"
_LO, _HI = "gigsight-slice-from", "gigsight-slice-to"  # stand-ins for a slice's ends in its compiled query
ROWS_PER_SLICE = 2_000_000
TIERS = (1_000, 5_000, 10_000, 50_000, 100_000)
SUMMARY_COLUMNS = (
    "client_id", "purchase_days", "x", "t_x", "T", "first_purchase", "last_purchase", "days_since_last",
    "total_gsv", "repeat_spend", "first_day_gsv", "first_90d_gsv", "ttm_gsv", "prior_ttm_gsv", "days_last_90",
    "days_last_180", "days_last_365", "max_day_gsv", "contracts", "hourly_share", "ai_share", "country",
    "company_size", "is_enterprise", "acquisition_channel", "tier",
)


def parse_day(at: str | dt.date) -> dt.date:
    """A day from ``YYYY-MM-DD`` (or a date), with a one-line error otherwise.

    >>> parse_day("2024-09-30")
    datetime.date(2024, 9, 30)
    """
    if isinstance(at, dt.date):
        return at
    try:
        return dt.date.fromisoformat(str(at).strip())
    except ValueError:
        raise GigsightError(f"--at {at!r} is not a date: use YYYY-MM-DD, e.g. 2024-09-30") from None


def epoch_day(day: dt.date) -> int:
    """Days since 1970-01-01.

    >>> epoch_day(dt.date(1970, 1, 2))
    1
    """
    return (day - dt.date(1970, 1, 1)).days


def payment_days(con: Backend) -> tuple[dt.date, dt.date] | None:
    """The first and last UTC day with a positive payment in the store, or None when there is none."""
    if "payments" not in con.list_tables():
        return None
    p = con.table("payments")
    p = p.filter(p.amount > 0)
    row = p.aggregate(lo=p.paid_at.min(), hi=p.paid_at.max()).to_pandas().iloc[0]
    if pd.isna(row["lo"]):
        return None
    return pd.Timestamp(row["lo"]).date(), pd.Timestamp(row["hi"]).date()


def _flag(cond: Any) -> Any:
    """1 or 0 for a condition (Postgres will not cast a boolean to a number)."""
    return ibis.ifelse(cond, 1, 0)


def _payments(con: Backend, last: int, ids: tuple[str | None, str | None]) -> Any:
    """Payments up to the end of day ``last`` of the clients whose id is in ``[ids[0], ids[1])`` (None: open),
    with their UTC day and GSV."""
    p = con.table("payments")
    day = (p.paid_at.epoch_seconds() // SECONDS_PER_DAY).cast("int64")
    # sums in floating point from the start: a client's sums are floats in the summary anyway (rounded to the cent
    # there, far above their rounding error), and exact decimal sums per client-day cost a fifth of the query
    p = p.mutate(day=day, gsv=(p.amount + p.client_fee).cast("float64"), spend=p.amount.cast("float64"),
                 pos=(p.amount > 0))
    return _in_slice(p.filter(p.day <= last), ids)


def _in_slice(t: Any, ids: tuple[str | None, str | None]) -> Any:
    """The rows of ``t`` whose ``client_id`` is in ``[ids[0], ids[1])`` (None: open)."""
    lo, hi = ids
    if lo is not None:
        t = t.filter(t.client_id >= lo)
    if hi is not None:
        t = t.filter(t.client_id < hi)
    return t


def _mix(con: Backend, p: Any, ends: list[int], ids: tuple[str | None, str | None]) -> Any:
    """Per client and as-of day ``ends[i]`` (columns suffixed ``__i``): contracts paid, and GSV in all, on hourly
    contracts and on AI-related jobs. Payments are summed per contract first, so the joins to contracts and job
    labels meet one row per contract, not per payment (tens of millions at full size)."""
    tables = set(con.list_tables())
    sums = {f"gsv__{i}": ibis.ifelse(p.day <= e, p.gsv, 0.0).sum() for i, e in enumerate(ends)}
    paid = {f"paid__{i}": _flag(p.day <= e).max() for i, e in enumerate(ends)}
    per = p.group_by(["client_id", "contract_id"]).aggregate(**sums, **paid)
    # only the slice's contracts: joining all of them (and their jobs) again for every slice cost a second each
    if "contracts" in tables:
        c = _in_slice(con.table("contracts"), ids)
        c = c.select(contract_id_c="contract_id", job_id_c="job_id", contract_type="contract_type")
        per = per.left_join(c, per.contract_id == c.contract_id_c)
        labels = None
        if "job_labels" in tables:
            labels = con.table("job_labels")
        elif "jobs" in tables and "is_ai" in con.table("jobs").columns:  # the user's own flag, before enrich
            labels = con.table("jobs")
        if labels is not None:
            # only the slice's jobs: hashing all of them (4M at full size) for every slice cost a quarter second
            lab = labels.select(job_id_l="job_id", is_ai_l="is_ai")
            lab = lab.filter(lab.job_id_l.isin(c.job_id_c))
            per = per.left_join(lab, per.job_id_c == lab.job_id_l)
        else:
            per = per.mutate(is_ai_l=ibis.null().cast("boolean"))
    else:
        per = per.mutate(contract_type=ibis.null().cast("string"), is_ai_l=ibis.null().cast("boolean"))
    kind, ai = per.contract_type, per.is_ai_l
    out: dict[str, Any] = {}
    for i in range(len(ends)):
        g, paid_i = per[f"gsv__{i}"], per[f"paid__{i}"]
        out |= {f"contracts__{i}": paid_i.sum(), f"hourly_gsv__{i}": ibis.ifelse(kind == "hourly", g, 0.0).sum(),
                f"ai_gsv__{i}": ibis.ifelse(ai.fill_null(False), g, 0.0).sum(),
                f"ai_known__{i}": _flag(ai.notnull() & (paid_i == 1)).max(), f"mix_gsv__{i}": g.sum()}
    return per.group_by("client_id").aggregate(**out).rename(client_id_m="client_id")


def _summary_expr(con: Backend, ends: list[int], ids: tuple[str | None, str | None] = (None, None)) -> Any:
    """Per client with a positive payment up to ``max(ends)``: the aggregates of every as-of day in one pass
    (columns suffixed ``__i`` for ``ends[i]``; a client belongs to day ``i`` when its ``first_day`` is on or
    before it). The first purchase day is the same for every as-of day that has one."""
    p = _payments(con, max(ends), ids)
    d = p.group_by(["client_id", "day"]).aggregate(gsv=p.gsv.sum(), spend=p.spend.sum(), pos=_flag(p.pos).max())
    first = d.filter(d.pos == 1).group_by("client_id").aggregate(first_day=d.day.min()).rename(cid="client_id")
    d = d.join(first, d.client_id == first.cid)
    g = d.gsv
    aggs: dict[str, Any] = {"first_day": d.first_day.min(),
                            "first_day_gsv": ibis.ifelse(d.day == d.first_day, g, 0.0).sum()}

    def gsv_when(cond: Any) -> Any:
        return ibis.ifelse(cond, g, 0.0).sum()

    for i, end in enumerate(ends):
        seen = d.day <= end
        buy = seen & (d.pos == 1)
        aggs |= {
            f"last_day__{i}": ibis.ifelse(buy, d.day, None).max(),
            f"purchase_days__{i}": _flag(buy).sum(),
            f"total_gsv__{i}": gsv_when(seen),
            f"first_90d_gsv__{i}": gsv_when(seen & (d.day < d.first_day + 90)),
            f"ttm_gsv__{i}": gsv_when(seen & (d.day > end - 365)),
            f"ttm_spend__{i}": ibis.ifelse(seen & (d.day > end - 365), d.spend, 0.0).sum(),
            f"prior_ttm_gsv__{i}": gsv_when((d.day > end - 730) & (d.day <= end - 365)),
            f"max_day_gsv__{i}": ibis.ifelse(seen, g, None).max(),
            **{f"days_last_{n}__{i}": _flag(buy & (d.day > end - n)).sum() for n in (90, 180, 365)},
        }
    s = d.group_by("client_id").aggregate(**aggs)
    mix = _mix(con, p, ends, ids)
    s = s.left_join(mix, s.client_id == mix.client_id_m).drop("client_id_m")
    if "clients" in set(con.list_tables()):
        c = _in_slice(con.table("clients"), ids)
        cols = {"country": c.country, "company_size": c.company_size, "is_enterprise": c.is_enterprise}
        if "acquisition_channel" in c.columns:
            cols["acquisition_channel"] = c.acquisition_channel
        c = c.select(client_id_c=c.client_id, **cols)
        s = s.left_join(c, s.client_id == c.client_id_c).drop("client_id_c")
    return s


def _slices(con: Backend) -> list[tuple[str | None, str | None]]:
    """Ranges of client ids, one summary query each: one range per :data:`ROWS_PER_SLICE` payments on DuckDB
    (whose per-day hash table would otherwise hold every client-day at once and spill), one elsewhere (the
    servers bound their own memory). Ranges of the sorted ids, not hashes: a comparison costs a tenth of
    hashing every payment's id."""
    tables = set(con.list_tables())
    if getattr(con, "name", "") != "duckdb" or "clients" not in tables:
        return [(None, None)]
    n = -(-int(con.table("payments").count().execute()) // ROWS_PER_SLICE)
    if n <= 1:
        return [(None, None)]
    c = con.table("clients").select("client_id")
    total = int(c.count().execute())
    # cut points sorted by the engine: numpy's fixed-width strings would size every id like the longest one
    c = c.mutate(position=ibis.row_number().over(order_by=c.client_id))
    at = sorted({total * k // n for k in range(1, n)})
    cuts = c.filter(c.position.isin(at)).order_by("position").to_pandas()["client_id"]
    edges: list[str | None] = [None, *sorted(set(map(str, cuts))), None]
    return list(itertools.pairwise(edges))


def _compiled_once(con: Backend, ends: list[int]) -> Callable[[tuple[str | None, str | None]], pa.Table]:
    """The slice query of :func:`_summary_expr` on DuckDB, compiled once per kind of range (open below, bounded,
    open above) with stand-ins for its ends, each run with the slice's ends written in as quoted literals and cast
    to the expression's schema (DuckDB's own sums of counts are 128-bit): compiling it for each of 23 slices cost
    3.5 s at full size. Literals, not bound parameters: with parameters DuckDB planned the slices for any range
    and the process peaked 200 MB higher."""
    compiled: dict[tuple[bool, bool], tuple[str, pa.Schema]] = {}

    def run(ids: tuple[str | None, str | None]) -> pa.Table:
        key = (ids[0] is None, ids[1] is None)
        if key not in compiled:
            e = _summary_expr(con, ends, (None if key[0] else _LO, None if key[1] else _HI))
            compiled[key] = str(con.compile(e)), e.schema().to_pyarrow()
        sql, schema = compiled[key]
        for stand_in, v in zip((_LO, _HI), ids, strict=True):
            if v is not None:
                sql = sql.replace(f"'{stand_in}'", "'" + v.replace("'", "''") + "'")
        return con.con.sql(sql).to_arrow_table().cast(schema)

    return run


def thinned(s: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """The clients of a summary whose id falls in a fixed ``fraction`` of id hashes: the same clients in every
    summary and on every run, whatever the as-of day, so thinned summaries of several days still line up.

    >>> s = pd.DataFrame({"client_id": [f"c{i}" for i in range(10_000)]})
    >>> n = len(thinned(s, 0.25)); 2_300 < n < 2_700, thinned(s, 0.25).equals(thinned(s, 0.25)), len(thinned(s, 1))
    (True, True, 10000)
    """
    if fraction >= 1 or s.empty:
        return s
    # pandas hashes with a fixed key, so the choice does not change between processes (Python's hash() does)
    h = pd.util.hash_array(s["client_id"].to_numpy(object))
    return s[h % 1_000_000 < int(fraction * 1_000_000)]


def client_summaries(con: Backend, ats: list[str | dt.date], tier_bounds: tuple[int, ...] = TIERS,
                     fractions: list[float] | None = None) -> list[pd.DataFrame]:
    """:func:`client_summary` for several as-of days, read in one pass over the payments (a backtest and the
    covariate model need two or three). ``fractions[i]`` below 1 keeps only that share of as-of day ``i``'s
    clients (:func:`thinned`): summaries that only train or check a model need no more, and at 1.8M clients each
    full one holds half a gigabyte.

    >>> import gigsight
    >>> store = gigsight.connect("duckdb://:memory:")
    >>> client_summaries(store.con, ["2025-01-01", "2024-01-01"])[1].empty
    True
    """
    ends = [epoch_day(parse_day(a)) for a in ats]
    if "payments" not in con.list_tables():
        return [pd.DataFrame(columns=list(SUMMARY_COLUMNS)) for _ in ends]
    keep = fractions or [1.0] * len(ends)
    pieces: list[list[pd.DataFrame]] = [[] for _ in ends]
    slices = _slices(con)
    run = _compiled_once(con, ends) if len(slices) > 1 else None
    with bounded_memory(con, SUMMARY_MEMORY, release=True):  # DuckDB spills instead of growing past the cap
        for ids in slices:  # ranges in id order, each finished in id order: the pieces concatenate sorted
            # through Arrow: Ibis turns every column holding a null into a Python list first (7 s at 1.8M clients)
            df = (run(ids) if run else _summary_expr(con, ends, ids).to_pyarrow()).to_pandas()
            thin = {k: thinned(df, k) for k in set(keep)}  # each share's clients chosen once for all its days
            for i, end in enumerate(ends):
                pieces[i].append(finish(_as_of(thin[keep[i]], i, end), end, tier_bounds))
    kept = [[x for x in p if len(x)] or p[:1] for p in pieces]  # empty slices would only upset the dtypes
    return [p[0] if len(p) == 1 else pd.concat(p, ignore_index=True) for p in kept]


def _as_of(df: pd.DataFrame, i: int, end: int) -> pd.DataFrame:
    """The clients and columns of as-of day ``i`` from a one-pass result, under the one-day column names."""
    rows = df[df["first_day"] <= end]
    own = {c: c.removesuffix(f"__{i}") for c in rows.columns if c.endswith(f"__{i}")}
    shared = [c for c in rows.columns if "__" not in c]
    return rows[shared + list(own)].rename(columns=own)


def client_summary(con: Backend, at: str | dt.date, tier_bounds: tuple[int, ...] = TIERS) -> pd.DataFrame:
    """One row per client with a positive payment up to the end of ``at`` (UTC), columns :data:`SUMMARY_COLUMNS`.

    ``con`` is the store's Ibis backend. Covariates the store lacks (no contracts, no enrich labels, no
    acquisition channel) are empty, never guessed.
    """
    return client_summaries(con, [at], tier_bounds)[0]


def finish(df: pd.DataFrame, end_day: int, tier_bounds: tuple[int, ...]) -> pd.DataFrame:
    """Derived columns from the per-client aggregates (shared by every engine and the tests' oracle)."""
    if df.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    out = pd.DataFrame({"client_id": df["client_id"].astype(str)})
    first, last = df["first_day"].astype("int64"), df["last_day"].astype("int64")
    out["purchase_days"] = df["purchase_days"].astype("int64")
    out["x"] = out["purchase_days"] - 1
    out["t_x"] = (last - first).astype(float)
    out["T"] = (end_day - first).astype(float)
    origin = pd.Timestamp("1970-01-01")
    out["first_purchase"] = (origin + pd.to_timedelta(first, unit="D")).dt.date
    out["last_purchase"] = (origin + pd.to_timedelta(last, unit="D")).dt.date
    out["days_since_last"] = (end_day - last).astype("int64")
    for c in ("total_gsv", "first_day_gsv", "first_90d_gsv", "ttm_gsv", "prior_ttm_gsv", "max_day_gsv"):
        out[c] = df[c].astype(float).round(2)
    repeat = (out["total_gsv"] - out["first_day_gsv"]).clip(lower=0)
    out["repeat_spend"] = (repeat / out["x"].where(out["x"] > 0)).fillna(0.0)
    for c in ("days_last_90", "days_last_180", "days_last_365"):
        out[c] = df[c].astype("int64")
    mix_gsv = df.get("mix_gsv", pd.Series(0.0, index=df.index)).astype(float)
    safe = mix_gsv.where(mix_gsv > 0)
    out["contracts"] = df.get("contracts", pd.Series(0, index=df.index)).fillna(0).astype("int64")
    out["hourly_share"] = (df.get("hourly_gsv", 0.0) / safe).clip(0, 1)
    known = df.get("ai_known", pd.Series(0, index=df.index)).fillna(0).astype(bool)
    out["ai_share"] = (df.get("ai_gsv", 0.0) / safe).clip(0, 1).where(known)
    for c in ("country", "company_size", "is_enterprise", "acquisition_channel"):
        out[c] = df[c] if c in df.columns else None
    labels = tier_labels(tier_bounds)
    idx = pd.Series(0, index=df.index)
    ttm_spend = df["ttm_spend"].astype(float).round(2)  # a float sum a hair under a bound is still on it
    for b in tier_bounds:  # tiers by trailing spend, as the KPI engine defines them
        idx += (ttm_spend >= b).astype(int)
    out["tier"] = [labels[i] for i in idx]
    return out.sort_values("client_id", kind="stable").reset_index(drop=True)[list(SUMMARY_COLUMNS)]

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
from typing import Any

import ibis
import pandas as pd

from gigsight.backends.base import bounded_memory
from gigsight.backends.types import Backend
from gigsight.errors import GigsightError
from gigsight.metrics.grains import tier_labels

SECONDS_PER_DAY = 86_400
SUMMARY_MEMORY = "2GB"
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


def _daily(con: Backend, end_day: int) -> Any:
    """Per client and UTC day: GSV and whether any payment was positive (payments before ``end_day`` + 1)."""
    p = con.table("payments")
    day = (p.paid_at.epoch_seconds() // SECONDS_PER_DAY).cast("int64")
    p = p.mutate(day=day, gsv=(p.amount + p.client_fee).cast("decimal(18, 2)"), pos=(p.amount > 0))
    p = p.filter(p.day <= end_day)
    return p, p.group_by(["client_id", "day"]).aggregate(gsv=p.gsv.sum(), spend=p.amount.sum(),
                                                         pos=_flag(p.pos).max())


def _mix(con: Backend, p: Any) -> Any:
    """Per client: contracts paid, and the shares of GSV on hourly contracts and on AI-related jobs. Payments are
    summed per contract first, so the joins to contracts and job labels meet one row per contract, not per
    payment (tens of millions at full size)."""
    tables = set(con.list_tables())
    per = p.group_by(["client_id", "contract_id"]).aggregate(gsv=p.gsv.cast("float64").sum())
    kind = ibis.null().cast("string")
    ai = ibis.null().cast("boolean")
    if "contracts" in tables:
        c = con.table("contracts").select("contract_id", "job_id", "contract_type")
        if "job_labels" in tables:
            lab = con.table("job_labels").select(job_id_l="job_id", is_ai_l="is_ai")
            c = c.left_join(lab, c.job_id == lab.job_id_l).select("contract_id", "contract_type", "is_ai_l")
        elif "jobs" in tables and "is_ai" in con.table("jobs").columns:  # the user's own flag, before enrich
            j = con.table("jobs").select(job_id_l="job_id", is_ai_l="is_ai")
            c = c.left_join(j, c.job_id == j.job_id_l).select("contract_id", "contract_type", "is_ai_l")
        else:
            c = c.mutate(is_ai_l=ai).select("contract_id", "contract_type", "is_ai_l")
        c = c.rename(contract_id_c="contract_id")
        per = per.left_join(c, per.contract_id == c.contract_id_c)
        kind, ai = per.contract_type, per.is_ai_l
    else:
        per = per.mutate(contract_type=kind, is_ai_l=ai)
        kind, ai = per.contract_type, per.is_ai_l
    g = per.gsv
    return per.group_by("client_id").aggregate(
        contracts=per.contract_id.count(),
        hourly_gsv=ibis.ifelse(kind == "hourly", g, 0.0).sum(),
        ai_gsv=ibis.ifelse(ai.fill_null(False), g, 0.0).sum(),
        ai_known=_flag(ai.notnull()).max(),
        mix_gsv=g.sum(),
    ).rename(client_id_m="client_id")


def _summary_expr(con: Backend, end_day: int) -> Any:
    p, d = _daily(con, end_day)
    first = d.filter(d.pos == 1).group_by("client_id").aggregate(first_day=d.day.min()).rename(cid="client_id")
    d = d.join(first, d.client_id == first.cid)
    g = d.gsv.cast("float64")
    buy = d.pos == 1

    def days_since(lo: int) -> Any:
        return _flag(buy & (d.day > end_day - lo)).sum()

    def gsv_when(cond: Any) -> Any:
        return ibis.ifelse(cond, g, 0.0).sum()

    s = d.group_by("client_id").aggregate(
        first_day=d.first_day.min(),
        last_day=ibis.ifelse(buy, d.day, None).max(),
        purchase_days=_flag(buy).sum(),
        total_gsv=g.sum(),
        first_day_gsv=gsv_when(d.day == d.first_day),
        first_90d_gsv=gsv_when(d.day < d.first_day + 90),
        ttm_gsv=gsv_when(d.day > end_day - 365),
        ttm_spend=ibis.ifelse(d.day > end_day - 365, d.spend.cast("float64"), 0.0).sum(),
        prior_ttm_gsv=gsv_when((d.day > end_day - 730) & (d.day <= end_day - 365)),
        days_last_90=days_since(90), days_last_180=days_since(180), days_last_365=days_since(365),
        max_day_gsv=g.max(),
    )
    mix = _mix(con, p)
    s = s.left_join(mix, s.client_id == mix.client_id_m).drop("client_id_m")
    tables = set(con.list_tables())
    if "clients" in tables:
        c = con.table("clients")
        cols = {"country": c.country, "company_size": c.company_size, "is_enterprise": c.is_enterprise}
        if "acquisition_channel" in c.columns:
            cols["acquisition_channel"] = c.acquisition_channel
        c = c.select(client_id_c=c.client_id, **cols)
        s = s.left_join(c, s.client_id == c.client_id_c).drop("client_id_c")
    return s


def client_summary(con: Backend, at: str | dt.date, tier_bounds: tuple[int, ...] = (1_000, 5_000, 10_000, 50_000,
                                                                                   100_000)) -> pd.DataFrame:
    """One row per client with a positive payment up to the end of ``at`` (UTC), columns :data:`SUMMARY_COLUMNS`.

    ``con`` is the store's Ibis backend. Covariates the store lacks (no contracts, no enrich labels, no
    acquisition channel) are empty, never guessed.
    """
    day = epoch_day(parse_day(at))
    if "payments" not in con.list_tables():
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    with bounded_memory(con, SUMMARY_MEMORY):  # DuckDB spills the per-day aggregate instead of growing
        df = _summary_expr(con, day).to_pandas()
    return finish(df, day, tier_bounds)


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
    ttm_spend = df["ttm_spend"].astype(float)
    for b in tier_bounds:  # tiers by trailing spend, as the KPI engine defines them
        idx += (ttm_spend >= b).astype(int)
    out["tier"] = [labels[i] for i in idx]
    return out.sort_values("client_id", kind="stable").reset_index(drop=True)[list(SUMMARY_COLUMNS)]

"""``compute()``: metrics per period and segment, with period-over-period comparisons as a parameter.

One aggregate query per grain runs on the store's engine (Ibis, no engine branches); the small
per-period results are then joined, ratios divided and comparisons shifted in pandas.

>>> from gigsight.ingest.sample import sample_store
>>> store = sample_store(clients=30, seed=1)
>>> df = compute(["gsv", "active_clients"], period="year", compare=["yoy"], con=store)
>>> list(df.columns)
['period', 'gsv', 'active_clients', 'gsv_yoy', 'active_clients_yoy']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from gigsight.backends.base import Connection, bounded_memory, check_complete, ibis_of
from gigsight.backends.types import Backend
from gigsight.config import Settings
from gigsight.errors import BackendError, ConfigError, did_you_mean
from gigsight.metrics.grains import Grains, left_join
from gigsight.metrics.periods import Periods, month_index
from gigsight.metrics.registry import REGISTRY, SEGMENTS, Metric, get, measures_of


def as_list(value: str | Iterable[str] | None) -> list[str]:
    """Names from a comma-separated string or a list (CLI and web parameters alike)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def resolve(metrics: str | Sequence[str], by: Sequence[str], notes: list[str] | None = None) -> list[Metric]:
    """Registry lookups with did-you-mean (a name asked twice counts once). A metric that cannot be broken down
    by ``by`` is left out with a line in ``notes``; an error only when none of them can."""
    names = list(dict.fromkeys(as_list(metrics)))
    if not names:
        raise ConfigError("no metric given")
    for s in by:
        if s not in SEGMENTS:
            raise ConfigError(did_you_mean(s, SEGMENTS, "segment"))
    out, left = [], []
    for m in (get(n) for n in names):
        if any(s not in m.segments for s in by):
            left.append(m.name)
            continue
        need = m.requires_segment
        if need and need not in by:
            raise ConfigError(f"metric {m.name!r} is a breakdown: add by=['{need}'] (--by {need})")
        out.append(m)
    split = " and ".join(by)
    if not out:
        raise ConfigError(f"no metric asked can be split by {split} ({', '.join(left)}); docs/metrics.md lists "
                          "each metric's segments")
    if left and notes is not None:
        notes.append(f"not split by {split}, so left out: {', '.join(left)} (docs/metrics.md lists each metric's "
                     "segments)")
    return out


def _grain_table(g: Grains, grain: str, keys: list[int], by: list[str]) -> Any:
    t = _in_periods(_rows_of(g, grain, keys), g, keys)  # before any join or fan-out: other periods' rows dropped
    if grain == "payments" and "tier" in by:  # a payment's tier is its client's at the period end
        t = left_join(t, g.client_period(keys).select("client_id", "pk", "tier"), ["client_id", "pk"])
    if "skill" in by:  # a job with three skills counts once under each
        t = t.join(g.job_skills, "job_id")
    return t


def _in_periods(t: Any, g: Grains, keys: list[int]) -> Any:
    """Rows of periods ``keys[0]..keys[-1]``; by month where rows have one (a plain integer range the engine
    can skip stored blocks by), else by period key."""
    if "m" in t.columns:
        return t.filter((t.m >= g.periods.months(keys[0])[0]) & (t.m <= g.periods.end_month(keys[-1])))
    return t.filter((t.pk >= keys[0]) & (t.pk <= keys[-1]))


def _rows_of(g: Grains, grain: str, keys: list[int]) -> Any:
    if grain == "payments":
        return g.payment_facts
    if grain == "new_clients":
        return g.new_clients
    if grain == "client_period":
        return g.client_period(keys)
    if grain == "retention":
        return g.retention(keys)
    if grain == "freelancer_period":
        return g.freelancer_period(keys)
    if grain == "jobs":
        return g.job_facts
    if grain == "contracts":
        return g.contract_facts
    raise AssertionError(grain)


def _data_range(con: Backend) -> tuple[datetime, datetime] | None:
    p = con.table("payments")
    lo, hi = p.aggregate(lo=p.paid_at.min(), hi=p.paid_at.max()).execute().iloc[0]
    if lo is None or pd.isna(lo):
        return None
    return pd.Timestamp(lo).to_pydatetime(), pd.Timestamp(hi).to_pydatetime()


def compute(metrics: str | Sequence[str], period: str = "quarter", by: str | Sequence[str] | None = None,
            compare: str | Sequence[str] | None = None, con: Connection = None, start: str | None = None,
            end: str | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """Metrics per period (and segment), with ``<metric>_<comparison>`` growth columns as fractions."""
    settings = settings or Settings.from_env()
    ibis_con = ibis_of(con)
    check_complete(ibis_con)
    segs, comparisons = list(dict.fromkeys(as_list(by))), list(dict.fromkeys(as_list(compare)))
    notes: list[str] = []
    wanted = resolve(metrics, segs, notes)
    periods = Periods(period, settings.fiscal_year_start_month)
    offsets = {c: periods.offset(c) for c in comparisons}
    span = _data_range(ibis_con)
    if span is None:
        raise ConfigError("no payments in the store: nothing to compute")
    first_key, last_key, lo, hi = _asked_range(periods, span, start, end)
    # retention compares with a year earlier; other metrics look back only for the comparisons asked
    year_back = any(p.grain == "retention" for m in wanted for p in measures_of(m))
    lookback = max([*offsets.values(), periods.offset("yoy") if year_back else 0])
    # only the asked periods and what their comparisons look back to are aggregated
    keys = list(range(lo - lookback, hi + 1))
    grains = Grains(ibis_con, periods, settings, segments=tuple(segs))
    # the same for every question (not this one's lookback), so tables built over all of them are shared
    grains.all_keys = _every_key(periods, first_key, last_key)
    frame = _aggregate(grains, wanted, keys, segs, settings)
    _close_windows(frame, periods, span[1], settings)
    notes += coverage_notes(wanted, periods, span, lo, hi, settings.ttm_months)
    frame = frame.sort_values(["pk", *segs]).reset_index(drop=True)
    names = [m.name for m in wanted]
    _add_comparisons(frame, offsets, segs, names)
    frame = frame[(frame.pk >= lo) & (frame.pk <= hi)]
    out = frame[["pk", *segs, *names, *[f"{n}_{c}" for c in comparisons for n in names]]].copy()
    out.insert(0, "period", [periods.label(int(k)) for k in out.pk])
    out = out.drop(columns="pk").reset_index(drop=True)
    out = _plain(out, {m.name: m.unit for m in wanted})
    out.attrs["notes"] = notes  # metrics left out, for the faces to show beside the numbers
    return out


def _every_key(periods: Periods, first_key: int, last_key: int) -> list[int]:
    return list(range(first_key - periods.offset("yoy"), last_key + 1))


def every_period_key(con: Backend, periods: Periods) -> list[int]:
    """The period keys every computation over the store's data spans (tables over them are shared): the data's
    periods and a year before, which retention compares with."""
    span = _data_range(con)
    if span is None:
        raise ConfigError("no payments in the store: nothing to compute")
    first_key, last_key, _, _ = _asked_range(periods, span, None, None)
    return _every_key(periods, first_key, last_key)


def _asked_range(periods: Periods, span: tuple[Any, Any], start: str | None,
                 end: str | None) -> tuple[int, int, int, int]:
    """The keys of the data's first and last periods and of the asked range, which must lie inside the data and
    run forwards."""
    first_key = periods.key_of_month(span[0].year * 12 + span[0].month - 1)
    last_key = periods.key_of_month(span[1].year * 12 + span[1].month - 1)
    lo = periods.parse(start) if start else first_key
    hi = periods.parse(end) if end else last_key
    if (start and not first_key <= lo <= last_key) or (end and not first_key <= hi <= last_key):
        raise ConfigError(f"period outside the data: it covers {periods.label(first_key)} to "
                          f"{periods.label(last_key)}")
    if lo > hi:
        raise ConfigError(f"the range runs backwards: from {periods.label(lo)} to {periods.label(hi)}; give the "
                          "earlier period first (--from 2024Q1 --to 2025Q3)")
    return first_key, last_key, lo, hi


def _aggregate(grains: Grains, wanted: list[Metric], keys: list[int], segs: list[str],
               settings: Settings) -> pd.DataFrame:
    """Every measure the wanted metrics need, one query per grain, joined on period and segments; ratios
    divided afterwards (a zero denominator gives null)."""
    by_grain: dict[str, dict[str, Metric]] = {}
    for m in wanted:
        for part in measures_of(m):
            by_grain.setdefault(part.grain, {})[part.name] = part
    frame: pd.DataFrame | None = None
    with bounded_memory(grains.con, settings.compute_memory_limit):
        try:
            for grain, parts in by_grain.items():
                t = _grain_table(grains, grain, keys, segs)
                agg = t.group_by(["pk", *segs]).aggregate(**{n: _measure(p, t) for n, p in parts.items()})
                df = _execute(agg, grains.con, list(parts))
                df = df[df.pk.isin(keys)]
                frame = df if frame is None else frame.merge(df, on=["pk", *segs], how="outer")
        finally:
            grains.release()
    assert frame is not None
    frame = _fill_periods(frame, keys, segs, [p for parts in by_grain.values() for p in parts.values()])
    for m in wanted:
        if m.ratio:
            num, den = (pd.to_numeric(frame[x], errors="coerce").astype(float) for x in m.ratio)
            frame[m.name] = num / den.where(den != 0)
    return frame


def _add_comparisons(frame: pd.DataFrame, offsets: dict[str, int], segs: list[str], names: list[str]) -> None:
    """``<metric>_<comparison>``: the relative change against the period ``offset`` back (null where that
    period is missing or not positive)."""
    for c, back in offsets.items():
        prev = frame[["pk", *segs, *names]].copy()
        prev["pk"] = prev["pk"] + back
        joined = frame[["pk", *segs]].merge(prev, on=["pk", *segs], how="left", suffixes=("", "_prev"))
        for n in names:
            now = pd.to_numeric(frame[n], errors="coerce").astype(float)
            then = pd.to_numeric(joined[n], errors="coerce").astype(float)
            frame[f"{n}_{c}"] = (now / then.where(then > 0) - 1).to_numpy()


def _measure(metric: Metric, rows: Any) -> Any:
    """The metric's aggregate over ``rows``; a broken user expression says which metric and where."""
    assert metric.measure is not None
    try:
        return metric.measure(rows)
    except Exception as exc:
        where = f" (defined at {metric.defined_at})" if metric.defined_at else ""
        raise ConfigError(f"metric {metric.name!r}{where} cannot be built on the {metric.grain} grain: "
                          f"{type(exc).__name__}: {exc}") from None


def _execute(expr: Any, con: Backend, names: list[str]) -> pd.DataFrame:
    """Run one aggregate; an operation the engine lacks becomes a capability error naming it."""
    import ibis.common.exceptions as com

    try:
        # through Arrow, not execute(): Ibis builds Postgres results with pandas' float coercion, which turns a
        # sum of money above 2^53 cents into its nearest float (...190.99 came back ...190.98)
        df: pd.DataFrame = expr.to_pyarrow().to_pandas()
        return df
    except (com.OperationNotDefinedError, com.UnsupportedOperationError) as exc:
        raise BackendError(f"the {con.name} backend cannot compute {', '.join(names)}: {exc}") from None


def _fill_periods(frame: pd.DataFrame, keys: list[int], segs: list[str], parts: list[Metric]) -> pd.DataFrame:
    """Periods with no rows at all still appear; sums and counts are 0 there, not missing."""
    if segs:
        return frame
    full = pd.DataFrame({"pk": keys}).merge(frame, on="pk", how="left")
    for p in parts:
        if p.zero_when_empty:
            full[p.name] = full[p.name].astype(object).where(full[p.name].notna(), 0)
    return full


TRAILING_GRAINS = ("client_period", "retention", "freelancer_period")


def coverage_notes(wanted: Sequence[Metric], periods: Periods, span: tuple[datetime, datetime], lo: int, hi: int,
                   ttm_months: int) -> list[str]:
    """What a reader must know about the edges of the data: trailing-window metrics in the first months count
    only the months since the data starts (warm-up), and the last period may end after the data does.

    >>> from datetime import datetime
    >>> p = Periods("quarter")
    >>> span = (datetime(2022, 1, 3), datetime(2025, 11, 20))
    >>> coverage_notes([get("active_clients")], p, span, p.parse("2022Q1"), p.parse("2025Q4"), 12)[0][:60]
    'warm-up: Active clients in 2022Q1 to 2022Q3 count fewer than'
    """
    out = []
    first_month = span[0].year * 12 + span[0].month - 1
    trailing = [m.title for m in wanted if any(p.grain in TRAILING_GRAINS for p in measures_of(m))]
    warm = [k for k in range(lo, hi + 1) if periods.end_month(k) - first_month + 1 < ttm_months]
    if trailing and warm:
        out.append(f"warm-up: {', '.join(trailing)} in {periods.label(warm[0])} to {periods.label(warm[-1])} count "
                   f"fewer than {ttm_months} trailing months (the data starts {span[0]:%Y-%m-%d}): lower than a "
                   "full window, and every client active then looks new")
    end = periods.end_month(hi) + 1
    period_end = datetime(end // 12, end % 12 + 1, 1)
    if span[1] + timedelta(days=1) < period_end:
        out.append(f"partial: {periods.label(hi)} holds data through {span[1]:%Y-%m-%d} only")
    return out


def _close_windows(frame: pd.DataFrame, periods: Periods, data_end: datetime, settings: Settings) -> None:
    for name in list(frame.columns):
        days = REGISTRY[name].closing_window if name in REGISTRY else None
        if days is None:
            continue
        n = int(getattr(settings, days)) if isinstance(days, str) else int(days)
        for i, key in enumerate(frame.pk):
            end_m = periods.end_month(int(key)) + 1
            period_end = datetime(end_m // 12, end_m % 12 + 1, 1)
            if period_end + timedelta(days=n) > data_end + timedelta(seconds=1):
                frame.loc[frame.index[i], name] = None


def _plain(df: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """Counts to ints, NaN to None, other numbers to floats except decimals: sums of money stay exact decimals
    (a float holds cents exactly only below $90 trillion). Averages such as GSV per client are floats, not
    rounded: rounding is the presenter's choice."""
    out = df.copy()
    for col in out.columns:
        if col == "period" or out[col].dtype == bool:
            continue
        unit = units.get(col)
        values = pd.to_numeric(out[col], errors="coerce") if unit else None
        if values is None:
            if out[col].dtype.kind == "f":
                out[col] = pd.Series(out[col].astype(object).where(out[col].notna(), None), dtype=object)
            continue
        cells: list[Decimal | float | int | None]
        if unit == "count":
            cells = [None if pd.isna(v) else int(v) for v in values]
        elif any(isinstance(raw, Decimal) for raw in out[col]):  # a sum of money: every cell a decimal
            cells = [None if pd.isna(v) else raw if isinstance(raw, Decimal) else Decimal(str(raw))
                     for raw, v in zip(out[col], values, strict=True)]
        else:
            cells = [None if pd.isna(v) else float(v) for v in values]
        out[col] = pd.Series(cells, index=out.index, dtype=object)
    return out


__all__ = ["as_list", "compute", "month_index", "resolve"]

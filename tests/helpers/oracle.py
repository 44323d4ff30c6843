"""An independent pandas implementation of the metric definitions, straight from the input CSV files.

It shares no code with gigsight: money is summed in integer cents, windows are timestamp comparisons."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from statistics import median

import pandas as pd

TIERS = [(1000, "<$1K"), (5000, "$1K-$5K"), (10000, "$5K-$10K"), (50000, "$10K-$50K"), (100000, "$50K-$100K")]


def cents(s: pd.Series) -> pd.Series:
    return s.fillna("0").map(lambda v: int(Decimal(str(v)) * 100))


def ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True).dt.tz_localize(None)


def quarter_label(t: pd.Timestamp) -> str:
    return f"{t.year}Q{(t.month - 1) // 3 + 1}"


def quarter_bounds(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    year, q = int(label[:4]), int(label[-1])
    start = pd.Timestamp(year=year, month=3 * (q - 1) + 1, day=1)
    return start, start + pd.DateOffset(months=3)


class Oracle:
    def __init__(self, d: Path) -> None:
        self.p = pd.read_csv(d / "payments.csv", dtype=str)
        self.p["t"] = ts(self.p.paid_at)
        self.p["amount_c"] = cents(self.p.amount)
        self.p["gsv_c"] = self.p.amount_c + cents(self.p.client_fee)
        self.p["rev_c"] = cents(self.p.client_fee) + cents(self.p.freelancer_fee)
        self.k = pd.read_csv(d / "contracts.csv", dtype=str)
        self.k["t"] = ts(self.k.started_at)
        self.j = pd.read_csv(d / "jobs.csv", dtype=str)
        self.j["t"] = ts(self.j.posted_at)
        self.j["ai"] = self.j.is_ai.str.lower().eq("true")
        self.pr = pd.read_csv(d / "proposals.csv", dtype=str)
        ai_of_contract = self.k.merge(self.j[["job_id", "ai"]], on="job_id").set_index("contract_id").ai
        self.p["ai"] = self.p.contract_id.map(ai_of_contract)
        self.end = self.p.t.max()
        self.first = self.p[self.p.amount_c > 0].groupby("client_id").t.min()

    def quarters(self) -> list[str]:
        labels = pd.period_range(self.p.t.min(), self.p.t.max(), freq="Q")
        return [f"{x.year}Q{x.quarter}" for x in labels]

    def window(self, label: str) -> pd.DataFrame:
        _, end = quarter_bounds(label)
        return self.p[(self.p.t >= end - pd.DateOffset(months=12)) & (self.p.t < end)]

    def in_quarter(self, frame: pd.DataFrame, label: str) -> pd.DataFrame:
        start, end = quarter_bounds(label)
        return frame[(frame.t >= start) & (frame.t < end)]

    def values(self, label: str) -> dict[str, object]:
        q = self.in_quarter(self.p, label)
        w = self.window(label)
        active = set(w[w.amount_c > 0].client_id)
        ttm_gsv = w.gsv_c.sum() / 100
        start, end = quarter_bounds(label)
        lifetime = self.p[self.p.t < end].groupby("client_id").amount_c.sum()
        new = self.first[(self.first >= start) & (self.first < end)]
        closed = end + pd.Timedelta(days=90) <= self.end
        window_gsv = [self.p[(self.p.client_id == c) & (self.p.t < f + pd.Timedelta(days=90))].gsv_c.sum()
                      for c, f in new.items()]
        prev_label = f"{int(label[:4]) - 1}{label[4:]}"
        pw = self.window(prev_label)
        before = set(pw[pw.amount_c > 0].client_id)
        then_spend = pw[pw.client_id.isin(before)].amount_c.sum()
        now_spend = w[w.client_id.isin(before)].amount_c.sum()
        jobs = self.in_quarter(self.j, label)
        hired = self.k.groupby("job_id").t.min()
        days = [(hired[j] - t).total_seconds() / 86400 for j, t in zip(jobs.job_id, jobs.t, strict=True)
                if j in hired.index]
        fill_closed = end + pd.Timedelta(days=30) <= self.end
        earn = w.groupby("freelancer_id").agg(
            earned=("amount_c", "sum"), pos=("amount_c", lambda s: (s > 0).any()),
            ai=("amount_c", lambda s: s[w.loc[s.index, "ai"]].sum()))
        contracts = self.in_quarter(self.k.merge(self.j[["job_id", "ai"]], on="job_id"), label)
        return {
            "gsv": q.gsv_c.sum() / 100, "payments": len(q), "revenue": q.rev_c.sum() / 100,
            "paying_clients": q.client_id.nunique(),
            "repeat_client_share": sum(self.first.get(c, end) < start for c in q.client_id.unique()) / len(
                set(q.client_id)) if len(q) else None,
            "take_rate": q.rev_c.sum() / q.gsv_c.sum() if q.gsv_c.sum() else None,
            "ai_gsv": q[q.ai].gsv_c.sum() / 100,
            "ai_gsv_share": q[q.ai].gsv_c.sum() / q.gsv_c.sum() if q.gsv_c.sum() else None,
            "gsv_from_new_clients": q[q.client_id.isin(new.index)].gsv_c.sum() / 100,
            "ttm_gsv": ttm_gsv, "active_clients": len(active),
            "gsv_per_active_client": ttm_gsv / len(active) if active else None,
            "core_clients": sum(1 for c in active if lifetime.get(c, 0) >= 500_000),
            "new_clients": len(new),
            "gsv_per_new_client": (sum(window_gsv) / 100 / len(new)) if closed and len(new) else None,
            "client_spend_retention": now_spend / then_spend if before and then_spend else None,
            "active_freelancers": int(earn.pos.sum()),
            "ai_freelancers": int((earn.pos & (earn.earned > 0) & (earn.ai > earn.earned * 0.5)).sum()),
            "jobs_posted": len(jobs), "ai_jobs": int(jobs.ai.sum()),
            "fill_rate": (sum(d <= 30 for d in days) / len(jobs)) if fill_closed and len(jobs) else None,
            "time_to_hire": median(days) if days else None,
            "proposals_per_job": (self.pr.job_id.isin(jobs.job_id).sum() / len(jobs)) if len(jobs) else None,
            "contracts_started": len(contracts), "ai_contracts": int(contracts.ai.sum()),
        }

    def active_by_tier(self, label: str) -> dict[str, int]:
        w = self.window(label)
        spend = w.groupby("client_id").amount_c.sum() / 100
        active = set(w[w.amount_c > 0].client_id)
        out: dict[str, int] = {}
        for c, s in spend.items():
            if c in active:
                name = next((n for bound, n in TIERS if s < bound), "$100K+")
                out[name] = out.get(name, 0) + 1
        return out

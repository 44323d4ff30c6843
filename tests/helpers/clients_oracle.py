"""An independent pandas statement of the client summary (docs/clients.md), read from the source CSV files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def summary(folder: Path, at: str) -> pd.DataFrame:
    """Per client with a positive payment by the end of ``at``: the columns the store computes, by plain pandas."""
    p = pd.read_csv(folder / "payments.csv", dtype={"client_id": str, "contract_id": str})
    p["ts"] = pd.to_datetime(p["paid_at"], utc=True).dt.tz_localize(None)
    end = pd.Timestamp(at) + pd.Timedelta(days=1)
    p = p[p["ts"] < end].copy()
    p["day"] = p["ts"].dt.normalize()
    p["gsv"] = p["amount"] + p["client_fee"]
    rows = []
    at_day = pd.Timestamp(at)
    for cid, g in p.groupby("client_id"):
        buys = sorted(set(g.loc[g["amount"] > 0, "day"]))
        if not buys:
            continue
        first, last = buys[0], buys[-1]
        by_day = g.groupby("day")["gsv"].sum()
        total = float(g["gsv"].sum())
        first_day_gsv = float(by_day.get(first, 0.0))
        x = len(buys) - 1

        def within(lo: int, hi: int, g: pd.DataFrame = g) -> float:
            age = (at_day - g["day"]).dt.days
            return float(g.loc[(age >= lo) & (age < hi), "gsv"].sum())

        def buy_days(k: int, buys: list[pd.Timestamp] = buys) -> int:
            return sum((at_day - b).days < k for b in buys)

        rows.append({
            "client_id": cid, "purchase_days": len(buys), "x": x, "t_x": float((last - first).days),
            "T": float((at_day - first).days), "days_since_last": (at_day - last).days,
            "total_gsv": round(total, 2), "first_day_gsv": round(first_day_gsv, 2),
            "repeat_spend": max(total - first_day_gsv, 0.0) / x if x > 0 else 0.0,
            "first_90d_gsv": round(float(g.loc[(g["day"] - first).dt.days < 90, "gsv"].sum()), 2),
            "ttm_gsv": round(within(0, 365), 2), "prior_ttm_gsv": round(within(365, 730), 2),
            "days_last_90": buy_days(90), "days_last_180": buy_days(180), "days_last_365": buy_days(365),
            "contracts": int(g["contract_id"].nunique()),
        })
    out = pd.DataFrame(rows)
    return out.sort_values("client_id").reset_index(drop=True) if len(out) else out


def realised(folder: Path, at: str, horizon: int) -> pd.DataFrame:
    """Purchase days and GSV each client had in the ``horizon`` days after ``at``."""
    p = pd.read_csv(folder / "payments.csv", dtype={"client_id": str})
    p["ts"] = pd.to_datetime(p["paid_at"], utc=True).dt.tz_localize(None)
    lo = pd.Timestamp(at) + pd.Timedelta(days=1)
    p = p[(p["ts"] >= lo) & (p["ts"] < lo + pd.Timedelta(days=horizon))]
    p = p.assign(day=p["ts"].dt.normalize(), gsv=p["amount"] + p["client_fee"])
    days = p[p["amount"] > 0].groupby("client_id")["day"].nunique()
    return pd.DataFrame({"days": days, "gsv": p.groupby("client_id")["gsv"].sum()}).fillna(0).astype(
        {"days": np.int64})

"""What per-client MAE of purchase days a forecast whose total is right can reach, on a store or a transactions CSV.

    python benchmarks/clv_bounds.py --transactions tx.csv --at 1997-09-30 --horizon-days 273
    python benchmarks/clv_bounds.py --db gigsight.duckdb --at 2024-09-30 --horizon-days 365

MAE of a count that is zero for most clients is least for the median of each client's outcome, not its mean, so a
forecast of expected purchase days pays in MAE for being right in total. This script measures that trade on the
data given, with rules that are *told the outcome* (so no forecast can do better with the same inputs):

- BG/NBD's forecast scaled by k: MAE against the total error as the forecast moves up and down;
- the realised mean (and median) of clients alike in frequency, recency and age (10 x 10 x 4 cells), computed
  from the outcome itself: the best a calibrated forecast from those three numbers can do;
- gradient-boosted trees fitted to the outcome on every summary column (in-sample, and on five folds of clients).

``--transactions``: a CSV of ``client_id,date,amount`` (never stored in this repository).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from clv_backtest import arguments, opened
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold, cross_val_predict

from gigsight.insights import client_value as cv
from gigsight.insights.client_summary import client_summary

FEATURES = ["x", "t_x", "T", "days_since_last", "total_gsv", "repeat_spend", "first_day_gsv", "first_90d_gsv",
            "max_day_gsv", "days_last_90", "days_last_180"]


def line(name: str, pred: np.ndarray, real: np.ndarray) -> str:
    return f"| {name} | {np.abs(pred - real).mean():.4f} | {pred.sum() / real.sum() - 1:+.1%} |"


def bounds(s: pd.DataFrame, later: pd.DataFrame, horizon: int) -> list[str]:
    real, _ = cv.realised(s, later)
    base = cv.probabilistic(s, horizon, "bgnbd")[0]["expected_purchase_days"].to_numpy(float)
    out = [line(f"BG/NBD x {k}", k * base, real) for k in (0.8, 0.9, 1.0, 1.1, 1.2)]
    cells = s.assign(real=real, xb=s["x"].clip(upper=10), rb=pd.qcut(s["days_since_last"], 10, duplicates="drop"),
                     Tb=pd.qcut(s["T"], 4, duplicates="drop")).groupby(["xb", "rb", "Tb"], observed=True)["real"]
    out += [line(f"realised {how} of alike clients (told the outcome)", cells.transform(how).to_numpy(float), real)
            for how in ("mean", "median")]
    x = s[FEATURES].astype(float).to_numpy()
    trees = HistGradientBoostingRegressor(loss="poisson", max_iter=100, max_leaf_nodes=15, min_samples_leaf=100,
                                          random_state=0)  # its early stopping holds out a random tenth
    out.append(line("trees fitted to the outcome, in-sample", trees.fit(x, real).predict(x), real))
    folds = cross_val_predict(trees, x, real, cv=KFold(5, shuffle=True, random_state=0))
    out.append(line("trees fitted to the outcome, five folds of clients", folds, real))
    return out


def main() -> None:
    a = arguments(__doc__).parse_args()
    day = dt.date.fromisoformat(a.at)
    with opened(a) as store:
        s = client_summary(store.con, day)
        later = client_summary(store.con, day + dt.timedelta(days=a.horizon_days))
    print(f"{len(s):,} clients as of {day}, {a.horizon_days} days after\n\n| forecast | MAE purchase days | total |\n"
          "|---|---|---|")
    print("\n".join(bounds(s, later, a.horizon_days)))


if __name__ == "__main__":
    main()

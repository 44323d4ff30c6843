"""Client value backtest: fit every model as of a date, score it on what the records show over the horizon.

    python benchmarks/clv_backtest.py --db gigsight.duckdb --at 2024-09-30 --horizon-days 365
    python benchmarks/clv_backtest.py --transactions tx.csv --at 1997-09-30 --horizon-days 273

``--transactions``: a CSV of ``client_id,date,amount`` (e.g. a public retail panel such as CDNOW; never stored in
this repository) loaded into a throwaway DuckDB store as payments. Prints per model: per-client MAE of purchase
days, share of next-period GSV in the top 10% predicted, total error, and seconds; peak memory with
``/usr/bin/time -v``.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

import gigsight
from gigsight.insights.clients_act import backtest


def store_of_transactions(csv: Path, folder: Path) -> str:
    path = folder / "tx.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"""CREATE TABLE payments AS SELECT 'p' || row_number() OVER () AS payment_id,
        NULL::VARCHAR AS contract_id, CAST(client_id AS VARCHAR) AS client_id,
        CAST(date AS TIMESTAMP) + INTERVAL 12 HOUR AS paid_at, CAST(amount AS DECIMAL(18, 2)) AS amount,
        0::DECIMAL(18, 2) AS client_fee FROM read_csv('{csv}', header=true, all_varchar=true)""")
    con.close()
    return f"duckdb://{path}"


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options of every client-value benchmark: where the records are, ``--at`` and the horizon."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--db", help="a store URL or .duckdb path")
    ap.add_argument("--transactions", type=Path, help="CSV client_id,date,amount")
    ap.add_argument("--at", required=True)
    ap.add_argument("--horizon-days", type=int, default=365)
    return ap


@contextmanager
def opened(a: argparse.Namespace) -> Iterator[gigsight.Store]:
    """The store the options name (a throwaway one for ``--transactions``), closed after."""
    with tempfile.TemporaryDirectory() as tmp:
        url = store_of_transactions(a.transactions, Path(tmp)) if a.transactions else (
            a.db if "://" in a.db else f"duckdb://{a.db}")
        store = gigsight.connect(url, read_only=url.startswith("duckdb://"))
        try:
            yield store
        finally:
            store.close()


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--models", default="bgnbd,pareto,covariates,auto")
    a = ap.parse_args()
    with opened(a) as store:
        for m in a.models.split(","):
            t = time.perf_counter()
            row = backtest(store.con, a.at, a.horizon_days, (m,)).iloc[0]
            print(f"{m:11s} clients {row.clients:>9,}  MAE {row.mae_purchase_days:.4f}  top10 "
                  f"{row.top10_gsv_capture:.4f}  total {row.total_error:+.4f}  ({time.perf_counter() - t:.1f} s)")
        t = time.perf_counter()
        f = gigsight.client_value(a.at, horizon_days=a.horizon_days, con=store)
        print(f"client_value (auto -> {f.model}) for {len(f.clients):,} clients: {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()

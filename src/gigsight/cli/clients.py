"""Commands about client value: clients value | top | backtest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

import gigsight
from gigsight.cli.base import (
    DbOption,
    ReportFmt,
    ReportOption,
    _emit,
    _json,
    _records,
    _rows,
    _url,
    app,
    err,
    out,
    write_csv,
)

clients_app = typer.Typer(no_args_is_help=True, help="Client value: forecasts, lists to act on, backtests.")
app.add_typer(clients_app, name="clients")

AtOption = Annotated[str | None, typer.Option("--at", help="Forecast as of the end of this day (YYYY-MM-DD); "
                                                           "default the last payment day. Later data is ignored.")]
HorizonOption = Annotated[int, typer.Option("--horizon-days", help="Days ahead to forecast (1-3650).")]
ModelOption = Annotated[str, typer.Option("--model", help="auto, bgnbd, pareto or covariates (docs/clients.md).")]
VALUE_OUT = ("client_id", "p_active", "expected_purchase_days", "expected_gsv", "clv", "rank", "purchase_days",
             "total_gsv", "ttm_gsv", "days_since_last", "tier")


def _notes(f: Any) -> None:
    err.print(f"model: {f.model}; horizon {f.horizon_days} days; clv discounted at {f.discount_rate:.0%} a year",
              markup=False, highlight=False)
    for n in f.notes:
        err.print(f"note: {n}", markup=False, highlight=False)


@clients_app.command("value")
def value(
    db: DbOption = "gigsight.duckdb",
    at: AtOption = None,
    horizon_days: HorizonOption = 365,
    model: ModelOption = "auto",
    discount_rate: Annotated[float, typer.Option(help="Yearly rate discounting the CLV.")] = 0.10,
    fmt: ReportOption = ReportFmt.table,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write every client to this file (csv or json "
                                                               "by --format; table writes csv).")] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in the table (files hold every client).")] = 20,
) -> None:
    """One row per client: p_active, expected_purchase_days, expected_gsv, clv, rank over the horizon."""
    f = gigsight.client_value(at, horizon_days=horizon_days, model=model, discount_rate=discount_rate, con=_url(db))
    df = f.clients[list(VALUE_OUT)].round({"p_active": 4, "expected_purchase_days": 4, "expected_gsv": 2, "clv": 2})
    _notes(f)
    if out_file is not None:
        if fmt is ReportFmt.json:
            df.to_json(out_file, orient="records", date_format="iso", indent=1)
        else:
            df.to_csv(out_file, index=False)
        out.print(f"wrote {len(df):,} clients to {out_file}", markup=False, highlight=False)
        return
    if fmt is ReportFmt.csv:
        write_csv(_records(df))
    elif fmt is ReportFmt.json:
        _json(_records(df))
    else:
        _rows(f"Client value as of {f.params['at']}: the top {min(limit, len(df))} of {len(df):,} clients",
              _records(df.head(limit)))


@clients_app.command("top")
def top(
    which: Annotated[str, typer.Option("--list", help="value, at-risk, rising or win-back.")] = "value",
    limit: Annotated[int, typer.Option(help="Clients listed.")] = 20,
    db: DbOption = "gigsight.duckdb",
    at: AtOption = None,
    horizon_days: HorizonOption = 365,
    model: ModelOption = "auto",
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """Clients to act on, each with the reason: most valuable, high value at risk, rising new, to win back."""
    r = gigsight.client_lists(which, limit=limit, at=at, horizon_days=horizon_days, model=model, con=_url(db))
    rows = _records(r["clients"].round({"expected_gsv": 2, "p_active": 3, "ttm_gsv": 2, "total_gsv": 2}))
    if fmt is ReportFmt.table:
        err.print(f"model: {r['model']}; as of {r['params']['at']}", markup=False, highlight=False)
        rows = [{"client": x["client_id"], "why": x["reason"]} for x in rows]
    _emit(rows, fmt, f"Clients: {which}")


@clients_app.command("backtest")
def backtest(
    at: Annotated[str, typer.Option("--at", help="Fit as of this day (YYYY-MM-DD); the horizon after it must "
                                                 "be in the store.")],
    horizon_days: HorizonOption = 365,
    db: DbOption = "gigsight.duckdb",
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """Score each model on the records after --at: MAE of purchase days, top-10% GSV capture, total error."""
    df = gigsight.client_backtest(at, horizon_days=horizon_days, models=("bgnbd", "pareto", "covariates", "auto"),
                                  con=_url(db))
    _emit(_records(df), fmt, f"Backtest as of {at}, {horizon_days} days")

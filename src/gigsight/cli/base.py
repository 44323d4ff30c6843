"""What every ``gigsight`` command shares: the Typer app, the consoles, common options and the printers."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

import gigsight
from gigsight import plain, to_json
from gigsight.cli.progress import bars

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Growth intelligence for freelance and talent marketplaces.")
# Piped output (logs, CI) gets wide tables instead of 80-column wrapping.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)
EXIT_REJECTS = 3

DbOption = Annotated[str, typer.Option("--db", help="Store: a .duckdb path or a URL (postgres://..., pyspark://local).",
                                       envvar="GIGSIGHT_DB")]


class Fmt(StrEnum):
    table = "table"
    json = "json"


class ReportFmt(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


HEADLINE = ("gsv,revenue,take_rate,active_clients,gsv_per_active_client,new_clients,gsv_per_new_client,"
            "ai_gsv_share,ai_jobs")


class FileFmt(StrEnum):
    parquet = "parquet"
    csv = "csv"


FmtOption = Annotated[Fmt, typer.Option("--format", help="table for people, json for programs.")]


RefreshOption = Annotated[bool, typer.Option(
    help="Afterwards, rebuild the metric facts the store keeps for fast questions (off: when more writes follow; "
         "run gigsight refresh after the last).")]


def progress_for(fmt: Fmt) -> AbstractContextManager[gigsight.Progress | None]:
    """Bars on stderr for people at a terminal; nothing for programs (stdout may be JSON)."""
    return bars(fmt is Fmt.table and err.is_terminal, err)


def _refresh(db: str, enabled: bool, fmt: Fmt) -> None:
    """Keep the store's metric facts current after a write, saying so on stderr (stdout may be JSON)."""
    if not enabled:
        return
    with progress_for(fmt) as progress:
        r = gigsight.refresh(_url(db), progress=progress)
    if r.skipped is None:
        err.print(f"[dim]Metric facts kept: {r.tables} tables, {r.rows:,} rows, in {r.seconds:.1f} s[/dim]")


def launcher() -> str:
    """How to call gigsight in a printed command: ``./run gigsight`` when ``./run`` started us (the CLI then lives
    in .venv/bin, which is not on the PATH), else ``gigsight``."""
    return os.environ.get("GIGSIGHT_LAUNCHER", "gigsight")


def _url(db: str) -> str:
    return db if "://" in db else f"duckdb://{db}"


def _json(data: Any) -> None:
    sys.stdout.write(to_json(plain(data), indent=2) + "\n")


def _rows(title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print(f"[dim]{title}: none[/dim]")
        return
    keys = list(rows[0])
    cells = [[f"{v:,.2f}" if isinstance(v, float | Decimal) else f"{v:,}" if isinstance(v, int) else str(v or "")
              for v in r.values()] for r in rows]
    numeric = [isinstance(rows[0][k], int | float | Decimal) for k in keys]
    # numbers are never cut ("61,71..."): columns that do not fit the terminal go to a second table (the first
    # column, the row's label, repeated); long text, such as a reason, may wrap at 40 characters
    need = [min(max([len(c[j]) for c in cells] + [len(k)]), 10**6 if numeric[j] else 40) + 3
            for j, k in enumerate(keys)]
    groups: list[list[int]] = [[]]
    for j in range(1, len(keys)):
        if groups[-1] and need[0] + sum(need[i] for i in groups[-1]) + need[j] + 1 > out.width:
            groups.append([])
        groups[-1].append(j)
    for n, group in enumerate(groups):
        t = Table(title=title if n == 0 else None, title_justify="left")
        for j in [0, *group]:
            t.add_column(keys[j].replace("_", " "), justify="right" if numeric[j] else "left",
                         min_width=need[j] - 3)
        for c in cells:
            t.add_row(*[c[j] for j in [0, *group]])
        out.print(t)


def _print_ingest(result: dict[str, Any]) -> None:
    _rows("Ingest", [{"table": s["table"], "source": Path(s["source"]).name if "://" not in s["source"]
                      else s["source"], "read": s["read"], "inserted": s["inserted"], "updated": s["updated"],
                      "rejected": s["rejected"]} for s in result["sources"]])
    for s in result["sources"]:
        for w in s["warnings"]:
            err.print(f"[yellow]warning:[/yellow] {w}")
    if result["rejected"]:
        _rows("First rejected values (all are in the rejects table; see `gigsight info`)",
              [{"source": Path(i["source"]).name, "row": i["row"], "column": i["column"] or "",
                "value": (i["value"] or "")[:40], "problem": i["message"]} for i in result["issues"][:15]])


def _records(df: Any) -> list[dict[str, Any]]:
    return [{k: (None if v != v else v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def _show_kpis(rows: list[dict[str, Any]]) -> None:
    shares = {m["name"] for m in gigsight.catalog()["metrics"] if m["unit"] == "ratio"}

    def cell(key: str, v: Any) -> Any:
        if v is None or isinstance(v, bool | str):
            return "" if v is None else v
        if key.endswith(("_yoy", "_qoq")):
            return f"{v:+.1%}"
        return f"{v:.1%}" if key in shares else v
    _rows("KPIs", [{k: cell(k, v) for k, v in r.items()} for r in rows])


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(v: Any) -> Any:
    """A text cell a spreadsheet would run as a formula ("=CMD()", "@SUM(...)") gets a leading quote; numbers
    (negative ones included) pass unchanged.

    >>> spreadsheet_safe("=CMD()"), spreadsheet_safe("-12.5"), spreadsheet_safe(-12.5), spreadsheet_safe("US")
    ("'=CMD()", '-12.5', -12.5, 'US')
    """
    if isinstance(v, str) and v.startswith(FORMULA_START):
        try:
            float(v)
            return v
        except ValueError:
            return "'" + v
    return v


def write_csv(rows: list[dict[str, Any]]) -> None:
    """Report rows as CSV on stdout, text cells spreadsheet-safe (exports of the tables themselves stay exact)."""
    import csv

    w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [])
    w.writeheader()
    w.writerows({k: spreadsheet_safe(v) for k, v in r.items()} for r in rows)


def _emit(rows: list[dict[str, Any]], fmt: ReportFmt, title: str) -> None:
    if fmt is ReportFmt.json:
        _json(rows)
    elif fmt is ReportFmt.csv:
        write_csv(rows)
    else:
        _rows(title, [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows])


ReportOption = Annotated[ReportFmt, typer.Option("--format", help="table, csv or json.")]

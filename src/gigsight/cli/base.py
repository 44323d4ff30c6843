"""What every ``gigsight`` command shares: the Typer app, the consoles, common options and the printers."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
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
        how = "updated for the rows written (incremental)" if r.mode == "incremental" else "rebuilt"
        err.print(f"[dim]Metric facts kept: {r.tables} tables, {r.rows:,} rows, {how}, in {r.seconds:.1f} s[/dim]")


def launcher() -> str:
    """How to call gigsight in a printed command: ``./run gigsight`` when ``./run`` started us (the CLI then lives
    in .venv/bin, which is not on the PATH), else ``gigsight``."""
    return os.environ.get("GIGSIGHT_LAUNCHER", "gigsight")


def _url(db: str) -> str:
    return db if "://" in db else f"duckdb://{db}"


def _json(data: Any) -> None:
    sys.stdout.write(to_json(plain(data), indent=2) + "\n")


def _rows(title: str, rows: list[dict[str, Any]], kinds: dict[str, str] | None = None) -> None:
    """A table for people: headings in words, values in their units (money to the cent; exact values
    come with --format csv or json)."""
    if not rows:
        out.print(f"[dim]{title}: none[/dim]")
        return
    heads, cells, numeric = gigsight.readable(rows, kinds)
    # numbers are never cut ("61,71..."): columns that do not fit the terminal go to a second table (the first
    # column, the row's label, repeated); long text, such as a reason, may wrap at 40 characters
    need = [min(max([len(c[j]) for c in cells] + [len(k)]), 10**6 if numeric[j] else 40) + 3
            for j, k in enumerate(heads)]
    groups: list[list[int]] = [[]]
    for j in range(1, len(heads)):
        if groups[-1] and need[0] + sum(need[i] for i in groups[-1]) + need[j] + 1 > out.width:
            groups.append([])
        groups[-1].append(j)
    for n, group in enumerate(groups):
        t = Table(title=title if n == 0 else None, title_justify="left")
        for j in [0, *group]:
            t.add_column(heads[j], justify="right" if numeric[j] else "left", min_width=need[j] - 3)
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


def beside(row: dict[str, Any]) -> dict[str, Any]:
    """A KPI row with each metric's comparisons next to it (GSV, GSV YoY, revenue, ...) instead of after all.

    >>> list(beside({"period": "2025Q3", "gsv": 1, "revenue": 2, "gsv_yoy": 0.1, "revenue_yoy": 0.2}))
    ['period', 'gsv', 'gsv_yoy', 'revenue', 'revenue_yoy']
    """
    compared = ("_yoy", "_qoq")
    order = [k for k in row if not k.endswith(compared)]
    return {k2: row[k2] for k in order for k2 in (k, *(k + c for c in compared)) if k2 in row}


def bridge_rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A growth bridge's steps for reading: each identity once, then its parts, before and after in their unit."""
    return [{"identity": s["identity"] if i == 0 or steps[i - 1]["bridge"] != s["bridge"] else "",
             "part": s["part"], "before": s["before"], "after": s["after"], "effect": s["effect"],
             "share_of_change": s["share"], "unit": s["unit"]} for i, s in enumerate(steps)]


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


def _emit(rows: list[dict[str, Any]], fmt: ReportFmt, title: str, kinds: dict[str, str] | None = None) -> None:
    if fmt is ReportFmt.json:
        _json(rows)
    elif fmt is ReportFmt.csv:
        write_csv(rows)
    else:
        _rows(title, rows, kinds)


ReportOption = Annotated[ReportFmt, typer.Option("--format", help="table, csv or json.")]

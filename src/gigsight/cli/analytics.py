"""Commands that answer questions of a store: kpis, growth, drivers, cohorts, check-claims, report, serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import gigsight
from gigsight.cli.base import (
    HEADLINE,
    DbOption,
    ReportFmt,
    ReportOption,
    _emit,
    _json,
    _records,
    _rows,
    _url,
    app,
    beside,
    bridge_rows,
    err,
    out,
    write_csv,
)


@app.command()
def kpis(
    db: DbOption = "gigsight.duckdb",
    period: Annotated[str, typer.Option(help="month, quarter or year.")] = "quarter",
    metrics: Annotated[str, typer.Option(help="Comma-separated metric names (see docs/metrics.md).")] = HEADLINE,
    by: Annotated[str | None, typer.Option(help="Segments: ai, category, country, tier (comma-separated).")] = None,
    compare: Annotated[str | None, typer.Option(help="Comparisons: yoy, qoq (comma-separated).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First period shown, e.g. 2024Q1.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last period shown, e.g. 2025Q3.")] = None,
    fmt: Annotated[ReportFmt, typer.Option("--format", help="table, csv or json.")] = ReportFmt.table,
) -> None:
    """Metrics per period and segment, with year-over-year and quarter-over-quarter growth."""
    df = gigsight.compute(metrics, period=period, by=by, compare=compare, con=_url(db), start=start, end=end)
    for note in df.attrs.get("notes", []):
        err.print(f"note: {note}", markup=False, highlight=False)
    rows = _records(df)
    if fmt is ReportFmt.json:
        _json(rows)
    elif fmt is ReportFmt.csv:
        write_csv(rows)
    else:
        _rows("KPIs (exact values: --format csv)", [beside(r) for r in rows])


@app.command()
def growth(
    period: Annotated[str, typer.Option(help="The period to explain, e.g. 2025Q3, 2025-07 or 2025.")],
    db: DbOption = "gigsight.duckdb",
    compare: Annotated[str, typer.Option(help="yoy or qoq.")] = "yoy",
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """The growth bridge: the change split along the KPI identities."""
    steps = [s.to_dict() for s in gigsight.growth_bridge(period, compare=compare, con=_url(db))]
    if fmt is ReportFmt.table:
        steps = bridge_rows(steps)
    _emit(steps, fmt, f"Growth bridge {period} ({compare})", {"before": "unit", "after": "unit"})


@app.command()
def drivers(
    from_period: Annotated[str, typer.Option("--from", help="Earlier period, e.g. 2024Q3.")],
    to_period: Annotated[str, typer.Option("--to", help="Later period, e.g. 2025Q3.")],
    db: DbOption = "gigsight.duckdb",
    metric: Annotated[str, typer.Option(help="An additive metric: gsv, revenue, ai_gsv, ...")] = "gsv",
    by: Annotated[str, typer.Option(help="Dimensions: ai, category, country, tier.")] = "ai,category,country,tier",
    top: Annotated[int, typer.Option(help="Rows shown.")] = 15,
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """Which segments explain a change, split into size (clients) and rate (spend per client) effects."""
    df = gigsight.explain_change(metric, from_period, to_period, by, con=_url(db))
    _emit(_records(df.head(top)), fmt, f"Drivers of {metric}: {from_period} -> {to_period}", {"change": "$"})


@app.command()
def cohorts(
    db: DbOption = "gigsight.duckdb",
    period: Annotated[str, typer.Option(help="month, quarter or year.")] = "quarter",
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """Logo and spend retention by acquisition cohort."""
    _emit(_records(gigsight.cohorts(period=period, con=_url(db))), fmt, "Cohorts")


@app.command("check-claims")
def check_claims(
    claims_file: Annotated[Path, typer.Argument(help="YAML file of claims (see examples/seed_claims.yaml).")],
    db: DbOption = "gigsight.duckdb",
    scale: Annotated[str, typer.Option(help="auto: the scale a simulated store records (1 for real data), "
                                            "or a number.")] = "auto",
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """Measure published claims on the records: a pass/fail table; exit code 1 when any claim fails."""
    if scale != "auto":
        try:
            float(scale)
        except ValueError:
            raise gigsight.GigsightError(f"--scale must be 'auto' or a number, got {scale!r}") from None
    results = gigsight.check_claims(claims_file, scale=scale, con=_url(db))
    rows = [r.to_dict() for r in results]
    failed = [r for r in results if not r.passed]
    if fmt is ReportFmt.table:
        rows = [{**r, "passed": "pass" if r["passed"] else "FAIL"} for r in rows]
    _emit(rows, fmt, f"Claims in {claims_file.name}")
    if fmt is ReportFmt.table:
        verdict = "every claim holds" if not failed else f"{len(failed)} of {len(results)} claims fail"
        out.print(f"[bold]{verdict}[/bold]")
    if failed:
        raise typer.Exit(1)


@app.command()
def report(
    period: Annotated[str, typer.Option(help="The quarter to report, e.g. 2025Q3.")],
    db: DbOption = "gigsight.duckdb",
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for report.html, report.md, report.json.")]
    = Path("report"),
) -> None:
    """Write the quarterly report: headline sentences with their sources, KPIs, bridge, drivers, skills, clients."""
    paths = gigsight.report(period, out_dir, con=_url(db))
    out.print(f"wrote {paths['html']} (open it in a browser; it needs no network), {paths['md']}, {paths['json']}")


@app.command()
def serve(
    db: DbOption = "gigsight.duckdb",
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes the dashboard to the network.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    warm: Annotated[bool, typer.Option(help="Build the shared facts before serving, so no visitor waits.")] = True,
    allowed_hosts: Annotated[str | None, typer.Option(
        help="Host names the server answers to, comma-separated (default: loopback names and --host; '*' any)."
    )] = None,
) -> None:
    """Start the dashboard and JSON API over the store (opened read-only); docs at /docs."""
    try:
        import uvicorn

        from gigsight.web.app import LOOPBACK_HOSTS, create_app
    except ImportError as exc:
        raise gigsight.GigsightError(
            f"the web app needs its extra: pip install 'gigsight[web]' ({exc.name} missing)") from None
    hosts = tuple(h.strip() for h in allowed_hosts.split(",") if h.strip()) if allowed_hosts else (
        *LOOPBACK_HOSTS, host)
    if host in ("0.0.0.0", "::") and not allowed_hosts:
        err.print("note: bound to every interface; the server answers to loopback names only until you name the "
                  "others with --allowed-hosts (or '*')", markup=False, highlight=False)
    application = create_app(db, allowed_hosts=hosts)
    if warm:
        with err.status("Preparing the dashboard's data (once per data version)..."):
            application.state.service.warm()
    out.print(f"gigsight dashboard on [bold]http://{host}:{port}/[/bold] (API docs at /docs); Ctrl+C stops it")
    uvicorn.run(application, host=host, port=port, log_level="warning")

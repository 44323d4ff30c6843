"""The ``gigsight`` command: each command parses, calls one library function, prints.

Exit codes: 0 success; 1 an error (one clear line, no traceback); 3 ingest loaded rows but rejected
some (they are in the rejects table; ``--strict`` turns that into exit 1 with nothing loaded).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

import gigsight
from gigsight.demo import DEMO_SCALE
from gigsight.errors import DataValidationError, GigsightError
from gigsight.metrics.docs import metrics_markdown
from gigsight.model.docs import schema_markdown

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


def _url(db: str) -> str:
    return db if "://" in db else f"duckdb://{db}"


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _rows(title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print(f"[dim]{title}: none[/dim]")
        return
    t = Table(title=title, title_justify="left")
    for k in rows[0]:
        t.add_column(k, justify="right" if isinstance(rows[0][k], int | float) else "left")
    for r in rows:
        t.add_row(*[f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v or "")
                    for v in r.values()])
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


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="A directory of table files, or one file with --table.")] = None,
    db: DbOption = "gigsight.duckdb",
    table: Annotated[str | None, typer.Option(help="Canonical table a single file holds.")] = None,
    source: Annotated[str | None, typer.Option("--from", help="Read from a Postgres database URL.")] = None,
    mapping: Annotated[str | None, typer.Option(help="Column mapping: a YAML path or a shipped name.")] = None,
    rates: Annotated[Path | None, typer.Option(help="CSV of exchange rates (currency,rate).")] = None,
    strict: Annotated[bool, typer.Option(help="Any rejected row makes the run fail with nothing loaded.")] = False,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Validate and load CSV, Parquet or JSON Lines files (or a Postgres database) into the store."""
    result = gigsight.ingest(path, con=_url(db), table=table, source_url=source, mapping=mapping, rates=rates,
                             strict=strict, progress=fmt is Fmt.table and err.is_terminal).to_dict()
    _json(result) if fmt is Fmt.json else _print_ingest(result)
    if result["rejected"]:
        raise typer.Exit(EXIT_REJECTS)


@app.command()
def export(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the table files into.")],
    db: DbOption = "gigsight.duckdb",
    file_format: Annotated[FileFmt, typer.Option("--format", help="File format.")] = FileFmt.parquet,
) -> None:
    """Write the canonical tables back out, so anyone can check the numbers with their own tools."""
    for p in gigsight.export(out_dir, file_format.value, con=_url(db)):
        out.print(str(p))


@app.command()
def info(db: DbOption = "gigsight.duckdb", fmt: FmtOption = Fmt.table) -> None:
    """Tables, row counts, date ranges and rejects."""
    facts = gigsight.info(_url(db))
    if fmt is Fmt.json:
        _json(facts)
        return
    out.print(f"[bold]{facts['store']}[/bold] ({facts['backend']})")
    _rows("Tables", facts["tables"])
    _rows("Rejects", facts["rejects"])


@app.command()
def demo(
    db: DbOption = "gigsight.duckdb",
    scale: Annotated[float, typer.Option(help="Size relative to the full seed marketplace (1 = $717M a quarter).")]
    = DEMO_SCALE,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
    replace: Annotated[bool, typer.Option(help="Overwrite a database that already holds data.")] = False,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Simulate the seed marketplace, ingest it with full validation, and tell its quarter from the records."""
    if fmt is Fmt.table:
        out.print(f"Simulating scenario seed-q3 at scale {scale:g} (1 = full size), seed {seed} -> {db}")
    result = gigsight.demo(db, scale=scale, seed=seed, replace=replace,
                           progress=fmt is Fmt.table and err.is_terminal)
    if fmt is Fmt.json:
        _json(result)
        return
    _print_ingest(result["simulation"]["ingest"])
    e = result["enrich"]
    out.print(f"Enriched {e['jobs']:,} jobs: {e['ai_jobs']:,} AI-related by the classifier "
              f"({e['ai_jobs'] / max(e['jobs'], 1):.1%}), {e['job_skills']:,} job skills")
    shown = ("period", "gsv", "gsv_yoy", "active_clients", "active_clients_yoy", "gsv_per_active_client",
             "gsv_per_new_client_yoy", "ai_jobs_yoy", "ai_gsv_share")
    _show_kpis([{k: r[k] for k in shown} for r in result["quarters"][-6:]])
    _rows(f"Growth bridge {result['period']} vs a year earlier",
          [{k: round(v, 4) if isinstance(v, float) else v for k, v in b.items()} for b in result["bridge"]])
    _rows("Scenario targets, measured on the records", result["targets"])
    out.print()
    for line in result["sentences"]:
        out.print(f"[bold]{line}[/bold]")
    out.print(f"\nReport: open [bold]{result['report']['html']}[/bold] in a browser (it needs no network); "
              f"{result['report']['md']} holds the same in Markdown.")
    out.print(f"Dashboard: [bold]gigsight serve --db {db}[/bold], then open http://127.0.0.1:8000/")
    out.print(f"Next: [bold]gigsight kpis --db {db} --by ai --compare yoy[/bold], "
              f"[bold]gigsight drivers --db {db} --from 2024Q3 --to 2025Q3[/bold], "
              f"[bold]gigsight skills trends --db {db} --ai[/bold], [bold]gigsight skills promote --db {db}[/bold]")


@app.command()
def simulate(
    db: DbOption = "gigsight.duckdb",
    scenario: Annotated[str, typer.Option(help="Built-in scenario name or a scenario YAML file.")] = "seed-q3",
    scale: Annotated[float, typer.Option(help="Size relative to full scale (counts scale; rates do not).")] = 0.05,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
    replace: Annotated[bool, typer.Option(help="Overwrite a store that already holds data.")] = False,
    validate: Annotated[bool, typer.Option(help="Load through the normal ingest validation (off: bulk load, "
                                                "for full-scale runs).")] = True,
    check: Annotated[bool, typer.Option(help="Measure the scenario's targets afterwards.")] = True,
    list_: Annotated[bool, typer.Option("--list", help="List the built-in scenarios and exit.")] = False,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Generate a simulated marketplace (clients, freelancers, jobs, contracts, payments) and its planted truth."""
    from gigsight.simulate import known_scenarios, load_scenario
    from gigsight.simulate.targets import check_targets

    if list_:
        rows = [{"scenario": n, "description": load_scenario(n).description} for n in known_scenarios()]
        _json(rows) if fmt is Fmt.json else _rows("Scenarios", rows)
        return
    with gigsight.connect(_url(db)) as store:
        result = gigsight.simulate(store, scenario, scale=scale, seed=seed, replace=replace, validate=validate,
                                   progress=fmt is Fmt.table and err.is_terminal)
        if check:
            result["targets"] = [c.to_dict() for c in check_targets(store, scenario, scale)]
    if fmt is Fmt.json:
        _json(result)
        return
    _rows(f"{result['scenario']} at scale {scale:g}, seed {seed}", [{"table": t, "rows": n}
                                                                    for t, n in result["rows"].items()])
    if validate:
        _print_ingest(result["ingest"])
    if check:
        _rows("Scenario targets, measured on the records", result["targets"])


def _records(df: Any) -> list[dict[str, Any]]:
    return [{k: (None if v != v else v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def _show_kpis(rows: list[dict[str, Any]]) -> None:
    def cell(key: str, v: Any) -> Any:
        if v is None or isinstance(v, bool | str):
            return "" if v is None else v
        if key.endswith(("_yoy", "_qoq")) or key in ("take_rate", "ai_gsv_share", "fill_rate",
                                                      "client_spend_retention"):
            return f"{v:+.1%}" if key.endswith(("_yoy", "_qoq")) else f"{v:.1%}"
        return v
    _rows("KPIs", [{k: cell(k, v) for k, v in r.items()} for r in rows])


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
    rows = _records(df)
    if fmt is ReportFmt.json:
        _json(rows)
    elif fmt is ReportFmt.csv:
        df.to_csv(sys.stdout, index=False)
    else:
        _show_kpis(rows)


def _emit(rows: list[dict[str, Any]], fmt: ReportFmt, title: str) -> None:
    if fmt is ReportFmt.json:
        _json(rows)
    elif fmt is ReportFmt.csv:
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [])
        w.writeheader()
        w.writerows(rows)
    else:
        _rows(title, [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows])


ReportOption = Annotated[ReportFmt, typer.Option("--format", help="table, csv or json.")]


@app.command()
def growth(
    period: Annotated[str, typer.Option(help="The period to explain, e.g. 2025Q3, 2025-07 or 2025.")],
    db: DbOption = "gigsight.duckdb",
    compare: Annotated[str, typer.Option(help="yoy or qoq.")] = "yoy",
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """The growth bridge: the change split along the KPI identities."""
    steps = gigsight.growth_bridge(period, compare=compare, con=_url(db))
    _emit([s.to_dict() for s in steps], fmt, f"Growth bridge {period} ({compare})")


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
    _emit(_records(df.head(top)), fmt, f"Drivers of {metric}: {from_period} -> {to_period}")


@app.command()
def cohorts(
    db: DbOption = "gigsight.duckdb",
    period: Annotated[str, typer.Option(help="month, quarter or year.")] = "quarter",
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """Logo and spend retention by acquisition cohort."""
    _emit(_records(gigsight.cohorts(period=period, con=_url(db))), fmt, "Cohorts")


@app.command()
def enrich(
    db: DbOption = "gigsight.duckdb",
    taxonomy: Annotated[Path | None, typer.Option(help="Your skills (CSV or YAML) extending the packaged.")] = None,
    replace_taxonomy: Annotated[bool, typer.Option(help="Use --taxonomy instead of the packaged skills.")] = False,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Label every job (skills, AI work, category) and profile freelancers; unchanged jobs are reused."""
    r = gigsight.enrich(_url(db), taxonomy=taxonomy, replace_taxonomy=replace_taxonomy, progress=fmt is Fmt.table)
    facts = {k: getattr(r, k) for k in r.__dataclass_fields__}
    if fmt is Fmt.json:
        _json(facts)
        return
    out.print(f"enriched {r.jobs:,} jobs ({r.classified:,} classified, {r.reused:,} unchanged): "
              f"{r.ai_jobs:,} AI jobs, {r.job_skills:,} job skills, {r.ai_specialists:,} of {r.freelancers:,} "
              "freelancers AI-specialised by profile")


jobs_app = typer.Typer(no_args_is_help=True, help="Work with job posts outside a store.")
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("classify")
def jobs_classify(
    input_file: Annotated[Path, typer.Option("--input", help="CSV or JSON Lines: job_id,title[,description,skills].")],
    output: Annotated[Path, typer.Option("--output", help="CSV out: job_id,is_ai,ai_kind,ai_score,category,skills.")],
) -> None:
    """Classify job posts: AI work and its kind, category and canonical skills, one output row per input row."""
    from gigsight.skills.batch import classify_file

    counts = classify_file(input_file, output)
    out.print(f"classified {counts['rows']:,} posts ({counts['ai']:,} AI work) into {output}")


skills_app = typer.Typer(no_args_is_help=True, help="Skill demand, supply and actions (after `gigsight enrich`).")
app.add_typer(skills_app, name="skills")
PeriodOpt = Annotated[str, typer.Option("--period", help="month, quarter or year.")]
AtOpt = Annotated[str | None, typer.Option("--at", help="Period to rank, e.g. 2025Q3 (default: last complete).")]
TopOpt = Annotated[int, typer.Option("--top", min=1, max=10_000, help="Rows to show.")]
MinJobsOpt = Annotated[int, typer.Option("--min-jobs", min=1, help="Minimum jobs in both periods for a growth rate.")]


@skills_app.command("trends")
def skills_trends(db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                  top: TopOpt = 20, min_jobs: MinJobsOpt = 20,
                  ai: Annotated[bool, typer.Option("--ai", help="AI skills only.")] = False,
                  fmt: ReportOption = ReportFmt.table) -> None:
    """Top skills by jobs posted, with YoY growth and its 95% interval (Poisson rate ratio)."""
    from gigsight.skills.demand import trends

    df = trends(_url(db), period=period, at=at, min_jobs=min_jobs, ai_only=ai, top=top)
    if fmt is ReportFmt.table:  # a terminal's width: the interval as one column, the rest in csv/json
        df = df.assign(jobs_yoy_95ci=[_interval(lo, hi) for lo, hi in zip(df.jobs_yoy_low, df.jobs_yoy_high,
                                                                             strict=True)])
        df = df[["period", "rank", "skill", "is_ai", "jobs_posted", "jobs_yoy", "jobs_yoy_95ci", "gsv", "gsv_yoy",
                 "fill_rate", "guard"]]
    _emit(_records(df), fmt, f"{'AI skills' if ai else 'Skills'} by jobs posted")


def _interval(lo: float | None, hi: float | None) -> str:
    return "" if lo is None or hi is None else f"{lo:+.0%} to {hi:+.0%}"


@skills_app.command("emerging")
def skills_emerging(db: DbOption = "gigsight.duckdb", top: TopOpt = 20,
                    fdr: Annotated[float, typer.Option(min=0.0001, max=0.5, help="False discovery rate.")] = 0.05,
                    fmt: ReportOption = ReportFmt.table) -> None:
    """Emerging and declining skills: last 6 months' share of jobs against the 12 before, FDR-controlled."""
    from gigsight.skills.demand import emerging

    df = emerging(_url(db), fdr=fdr)
    df = df[df.trend != "steady"].head(top)
    _emit(_records(df), fmt, "Emerging and declining skills")


@skills_app.command("promote")
def skills_promote(db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                   top: TopOpt = 10, min_jobs: MinJobsOpt = 20, fmt: ReportOption = ReportFmt.table) -> None:
    """Skills to promote: growth x unmet demand x GSV, with the reasons."""
    from gigsight.recommend import promote

    _emit(_records(promote(_url(db), period=period, at=at, min_jobs=min_jobs, top=top)), fmt, "Skills to promote")


@skills_app.command("learn")
def skills_learn(freelancer: Annotated[str, typer.Option("--freelancer", help="Freelancer id.")],
                 db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                 top: TopOpt = 5, fmt: ReportOption = ReportFmt.table) -> None:
    """Skills a freelancer should learn next: adjacency x demand growth x rate premium, with the reasons."""
    from gigsight.recommend import learn

    _emit(_records(learn(_url(db), freelancer, period=period, at=at, top=top)), fmt, f"Skills for {freelancer}")


@skills_app.command("cooccur")
def skills_cooccur(db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                   top: TopOpt = 20, fmt: ReportOption = ReportFmt.table) -> None:
    """Skills asked together in the trailing twelve months, with lift."""
    from gigsight.skills.demand import last_complete_period
    from gigsight.skills.supply import cooccurrence

    url = _url(db)
    at = at or last_complete_period(url, period)
    _emit(_records(cooccurrence(url, period, at, top=top)), fmt, f"Skills asked together (12 months to {at})")


@skills_app.command("supply")
def skills_supply(db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                  top: TopOpt = 20, fmt: ReportOption = ReportFmt.table) -> None:
    """Supply against demand per skill: jobs per active freelancer, median hourly rate and premium."""
    from gigsight.skills.demand import last_complete_period
    from gigsight.skills.supply import supply

    url = _url(db)
    at = at or last_complete_period(url, period)
    df = supply(url, period, at).head(top)
    if fmt is ReportFmt.table:
        df = df.drop(columns=["window", "skill_id", "category"])
    _emit(_records(df), fmt, f"Supply and demand (12 months to {at})")


@app.command("check-claims")
def check_claims(
    claims_file: Annotated[Path, typer.Argument(help="YAML file of claims (see examples/seed_claims.yaml).")],
    db: DbOption = "gigsight.duckdb",
    scale: Annotated[str, typer.Option(help="auto: the scale a simulated store records (1 for real data), "
                                            "or a number.")] = "auto",
    fmt: ReportOption = ReportFmt.table,
) -> None:
    """Measure published claims on the records: a pass/fail table; exit code 1 when any claim fails."""
    from gigsight.report import check_claims as _check
    from gigsight.report import load_claims

    if scale != "auto":
        try:
            float(scale)
        except ValueError:
            raise GigsightError(f"--scale must be 'auto' or a number, got {scale!r}") from None
    results = _check(load_claims(claims_file), _url(db), scale=scale)
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
) -> None:
    """Start the dashboard and JSON API over the store (opened read-only); docs at /docs."""
    try:
        import uvicorn

        from gigsight.web.app import create_app
    except ImportError as exc:
        raise GigsightError(f"the web app needs its extra: pip install 'gigsight[web]' ({exc.name} missing)") from None
    application = create_app(db)
    if warm:
        with err.status("Preparing the dashboard's data (once per data version)..."):
            application.state.service.warm()
    out.print(f"gigsight dashboard on [bold]http://{host}:{port}/[/bold] (API docs at /docs); Ctrl+C stops it")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command()
def docs(out_dir: Annotated[Path, typer.Option("--out", help="Docs folder.")] = Path("docs")) -> None:
    """Regenerate docs/schema.md and docs/metrics.md from the code."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "schema.md").write_text(schema_markdown(), encoding="utf-8")
    (out_dir / "metrics.md").write_text(metrics_markdown(), encoding="utf-8")
    out.print(f"{out_dir / 'schema.md'}\n{out_dir / 'metrics.md'}")


def main() -> None:
    try:
        app()
    except DataValidationError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(1)
    except GigsightError as exc:
        err.print(f"[red]error:[/red] {str(exc).splitlines()[0]}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written for the run in progress")
        sys.exit(130)


if __name__ == "__main__":
    main()

"""Commands that load, inspect, simulate and document a store: ingest, export, info, demo, simulate, docs."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

import gigsight
from gigsight.cli.base import (
    EXIT_REJECTS,
    DbOption,
    FileFmt,
    Fmt,
    FmtOption,
    RefreshOption,
    _json,
    _print_ingest,
    _refresh,
    _rows,
    _url,
    app,
    bridge_rows,
    launcher,
    out,
    progress_for,
)


@app.command()
def ingest(
    path: Annotated[Path | None, typer.Argument(help="A directory of table files, or one file with --table.")] = None,
    db: DbOption = "gigsight.duckdb",
    table: Annotated[str | None, typer.Option(help="Canonical table a single file holds, or 'transactions': a plain "
                                                   "log of client, date, amount (the other tables derived).")] = None,
    source: Annotated[str | None, typer.Option("--from", help="Read from a Postgres database URL.")] = None,
    mapping: Annotated[str | None, typer.Option(help="Column mapping: a YAML path or a shipped name.")] = None,
    rates: Annotated[Path | None, typer.Option(help="CSV of exchange rates (currency,rate).")] = None,
    strict: Annotated[bool, typer.Option(help="Any rejected row makes the run fail with nothing loaded.")] = False,
    refresh: RefreshOption = True,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Validate and load CSV, Parquet or JSON Lines files (or a Postgres database) into the store."""
    with progress_for(fmt) as progress:
        result = gigsight.ingest(path, con=_url(db), table=table, source_url=source, mapping=mapping, rates=rates,
                                 strict=strict, progress=progress).to_dict()
    # (a run that fails part-way has dropped the kept facts with its first write: none are left stale)
    _refresh(db, refresh, fmt)
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
    f = facts["facts"]
    meaning = {"current": "match the data", "pending": "wait for `gigsight refresh` (writes logged since: it "
               "rebuilds only what they touched)", "stale": "are out of date: `gigsight refresh` rebuilds them",
               "none": "are not kept yet: `gigsight refresh` builds them"}[f["state"]]
    when = f" (last refreshed {f['refreshed_at']} UTC, {f['mode']})" if f["refreshed_at"] else ""
    out.print(f"Metric facts {meaning}{when}")


@app.command()
def refresh(
    db: DbOption = "gigsight.duckdb",
    force: Annotated[bool, typer.Option(help="Rebuild even when the kept facts match the data.")] = False,
    full: Annotated[bool, typer.Option(help="Rebuild every fact, not only those of the rows written since.")]
    = False,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Bring the metric facts the store keeps up to date: only what the writes since touched when gigsight
    logged them, else all (after writing with other tools or with --no-refresh)."""
    with progress_for(fmt) as progress:
        r = gigsight.refresh(_url(db), force=force, full=full, progress=progress)
    if fmt is Fmt.json:
        _json(r.__dict__)
    elif r.skipped:
        out.print(f"nothing built: {r.skipped}")
    elif r.mode == "incremental":
        ids = ", ".join(f"{n:,} {c.removesuffix('_id')}s" for c, n in r.touched.items() if n)
        out.print(f"updated {r.tables} fact tables for {ids} in {r.seconds:.1f} s (incremental)")
    else:
        why = f"; not incremental: {r.why}" if r.why else ""
        out.print(f"kept {r.tables} fact tables ({r.rows:,} rows) in {r.seconds:.1f} s{why}")


def _show_targets(targets: list[dict[str, Any]]) -> None:
    titles = {m["name"]: m["title"] for m in gigsight.catalog()["metrics"]}
    _rows("Scenario targets, measured on the records",
          [{**t, "metric": titles.get(t["metric"], t["metric"])} for t in targets])


@app.command()
def demo(
    db: DbOption = "gigsight.duckdb",
    scale: Annotated[float, typer.Option(help="Size relative to the full seed marketplace (1 = $717M a quarter).")]
    = gigsight.DEMO_SCALE,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
    replace: Annotated[bool, typer.Option(help="Overwrite a database that already holds data.")] = False,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Simulate the seed marketplace, ingest it with full validation, and tell its quarter from the records."""
    if fmt is Fmt.table:
        out.print(f"Simulating scenario seed-q3 at scale {scale:g} (1 = full size), seed {seed} -> {db}")
    with progress_for(fmt) as progress:
        result = gigsight.demo(db, scale=scale, seed=seed, replace=replace, progress=progress)
    if fmt is Fmt.json:
        _json(result)
        return
    _print_ingest(result["simulation"]["ingest"])
    e = result["enrich"]
    out.print(f"Enriched {e['jobs']:,} jobs: {e['ai_jobs']:,} AI-related by the classifier "
              f"({e['ai_jobs'] / max(e['jobs'], 1):.1%}), {e['job_skills']:,} job skills")
    shown = ("period", "gsv", "gsv_yoy", "active_clients", "active_clients_yoy", "gsv_per_active_client",
             "gsv_per_new_client_yoy", "ai_jobs_yoy", "ai_gsv_share")
    _rows("KPIs", [{k: r[k] for k in shown} for r in result["quarters"][-6:]])
    _rows(f"Growth bridge {result['period']} vs a year earlier", bridge_rows(result["bridge"]),
          {"before": "unit", "after": "unit"})
    _show_targets(result["targets"])
    _rows("Clients to prioritise: high value at risk (gigsight clients top --list at-risk)", result["prioritise"])
    out.print()
    for line in result["sentences"]:
        out.print(f"[bold]{line}[/bold]")
    g, db = launcher(), escape(shlex.quote(db))  # a URL's ? [ ] & are the shell's; [ ] Rich's too
    # soft_wrap: a command Rich broke over two lines would not run when pasted
    out.print(f"\nReport: open [bold]{result['report']['html']}[/bold] in a browser (it needs no network); "
              f"{result['report']['md']} holds the same in Markdown.", soft_wrap=True)
    out.print(f"Dashboard: [bold]{g} serve --db {db}[/bold], then open http://127.0.0.1:8000/", soft_wrap=True)
    out.print(f"Next: [bold]{g} kpis --db {db} --by ai --compare yoy[/bold], "
              f"[bold]{g} drivers --db {db} --from 2024Q3 --to 2025Q3[/bold], "
              f"[bold]{g} clients top --db {db} --list rising[/bold], [bold]{g} skills promote --db {db}[/bold]",
              highlight=False, soft_wrap=True)


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
    hold_back_days: Annotated[int, typer.Option(help="Keep the last N days out of the store, as one folder of "
                                                     "files per day to load with `gigsight ingest`.")] = 0,
    days_out: Annotated[Path, typer.Option(help="Where the held-back days go.")] = Path("days"),
    refresh: RefreshOption = True,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Generate a simulated marketplace (clients, freelancers, jobs, contracts, payments) and its planted truth."""
    if list_:
        rows = gigsight.scenarios()
        _json(rows) if fmt is Fmt.json else _rows("Scenarios", rows)
        return
    with gigsight.connect(_url(db)) as store, progress_for(fmt) as progress:
        result = gigsight.simulate(store, scenario, scale=scale, seed=seed, replace=replace, validate=validate,
                                   hold_back_days=hold_back_days, days_out=days_out, progress=progress)
    _refresh(db, refresh, fmt)
    if check:
        result["targets"] = gigsight.check_targets(scenario, scale, con=_url(db))
    if fmt is Fmt.json:
        _json(result)
        return
    _rows(f"{result['scenario']} at scale {scale:g}, seed {seed}", [{"table": t, "rows": n}
                                                                    for t, n in result["rows"].items()])
    if validate:
        _print_ingest(result["ingest"])
    if check:
        _show_targets(result["targets"])
    if result.get("days"):
        out.print(f"{len(result['days'])} day(s) held back; load the first with: "
                  f"{launcher()} ingest {shlex.quote(result['days'][0])} --db {shlex.quote(db)}", soft_wrap=True,
                  highlight=False, markup=False)


@app.command()
def docs(out_dir: Annotated[Path, typer.Option("--out", help="Docs folder.")] = Path("docs")) -> None:
    """Regenerate docs/schema.md and docs/metrics.md from the code."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "schema.md").write_text(gigsight.reference("schema"), encoding="utf-8")
    (out_dir / "metrics.md").write_text(gigsight.reference("metrics"), encoding="utf-8")
    out.print(f"{out_dir / 'schema.md'}\n{out_dir / 'metrics.md'}")

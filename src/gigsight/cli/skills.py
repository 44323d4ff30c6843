"""Commands about skills and AI-related work: enrich, jobs classify, skills trends|emerging|promote|learn|..."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import gigsight
from gigsight.cli.base import (
    DbOption,
    Fmt,
    FmtOption,
    RefreshOption,
    ReportFmt,
    ReportOption,
    _emit,
    _json,
    _records,
    _refresh,
    _url,
    app,
    out,
    progress_for,
)


@app.command()
def enrich(
    db: DbOption = "gigsight.duckdb",
    taxonomy: Annotated[Path | None, typer.Option(help="Your skills (CSV or YAML) extending the packaged.")] = None,
    replace_taxonomy: Annotated[bool, typer.Option(help="Use --taxonomy instead of the packaged skills.")] = False,
    refresh: RefreshOption = True,
    fmt: FmtOption = Fmt.table,
) -> None:
    """Label every job (skills, AI work, category) and profile freelancers; unchanged jobs are reused."""
    with progress_for(fmt) as progress:
        r = gigsight.enrich(_url(db), taxonomy=taxonomy, replace_taxonomy=replace_taxonomy, progress=progress)
    _refresh(db, refresh, fmt)
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
    output: Annotated[Path, typer.Option("--output", help="CSV out: job_id,is_ai,ai_kind,ai_score,category,skills,"
                                                           "category_confidence.")],
) -> None:
    """Classify job posts: AI work and its kind, category and canonical skills, one output row per input row."""
    counts = gigsight.classify_file(input_file, output)
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
    df = gigsight.skill_trends(period=period, at=at, min_jobs=min_jobs, ai_only=ai, top=top, con=_url(db))
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
    """Emerging and declining skills: last 6 months' share of jobs against the 12 before, FDR-controlled (--top
    rows of each)."""
    df = gigsight.emerging_skills(fdr=fdr, top=top, con=_url(db))
    _emit(_records(df), fmt, "Emerging and declining skills")


@skills_app.command("promote")
def skills_promote(db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                   top: TopOpt = 10, min_jobs: MinJobsOpt = 20, fmt: ReportOption = ReportFmt.table) -> None:
    """Skills to promote: growth x unmet demand x scarcity x rate premium (never size), with the reasons."""
    _emit(_records(gigsight.skills_to_promote(period=period, at=at, min_jobs=min_jobs, top=top, con=_url(db))), fmt,
          "Skills to promote")


@skills_app.command("learn")
def skills_learn(freelancer: Annotated[str, typer.Option("--freelancer", help="Freelancer id.")],
                 db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                 top: TopOpt = 5, min_jobs: MinJobsOpt = 20, fmt: ReportOption = ReportFmt.table) -> None:
    """Skills a freelancer should learn next: growing skills asked with theirs, then growing skills of their
    categories, with the reasons."""
    _emit(_records(gigsight.skills_to_learn(freelancer, period=period, at=at, top=top, min_jobs=min_jobs,
                                            con=_url(db))), fmt, f"Skills for {freelancer}")


@skills_app.command("cooccur")
def skills_cooccur(db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                   top: TopOpt = 20, fmt: ReportOption = ReportFmt.table) -> None:
    """Skills asked together in the trailing twelve months, with lift."""
    at, pairs = gigsight.skill_pairs(period=period, at=at, top=top, con=_url(db))
    _emit(_records(pairs), fmt, f"Skills asked together (12 months to {at})")


@skills_app.command("supply")
def skills_supply(db: DbOption = "gigsight.duckdb", period: PeriodOpt = "quarter", at: AtOpt = None,
                  top: TopOpt = 20, fmt: ReportOption = ReportFmt.table) -> None:
    """Supply against demand per skill: jobs per active freelancer, median hourly rate and premium."""
    df = gigsight.skill_supply(period=period, at=at, con=_url(db)).head(top)
    window = str(df["window"].iloc[0]) if len(df) else at or "the last complete period"
    if fmt is ReportFmt.table:
        df = df.drop(columns=["window", "skill_id", "category"])
    _emit(_records(df), fmt, f"Supply and demand (window {window})", {"median_rate": "$", "hourly_contracts": "n"})

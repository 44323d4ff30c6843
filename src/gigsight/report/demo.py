"""``gigsight demo``: simulate the seed scenario into a DuckDB file and tell its story from the records.

The path is the real one: generated files -> ingest with full validation -> store -> enrich (skills, AI verdicts
by the classifier, not the planted flags) -> the metric registry.
Every number in the sentences is computed by :func:`gigsight.compute` on the generated records; money and
counts are also shown at full size (divided by the scale), growth rates need no conversion.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from gigsight.backends import connect
from gigsight.backends.base import Store
from gigsight.backends.inventory import info
from gigsight.backends.shared import Shared
from gigsight.errors import ConfigError
from gigsight.insights import growth_bridge
from gigsight.metrics import compute
from gigsight.metrics.display import money
from gigsight.metrics.facts import refresh
from gigsight.progress import Progress
from gigsight.report import build_report, write
from gigsight.report.model import growth_words
from gigsight.simulate import simulate
from gigsight.simulate.scenario import load_scenario
from gigsight.simulate.targets import check_targets
from gigsight.skills.enrich import enrich

DEMO_SCALE = 0.1
DEMO_METRICS = ["gsv", "active_clients", "gsv_per_active_client", "new_clients", "gsv_per_new_client", "take_rate",
                "ai_gsv_share", "ai_jobs", "ai_freelancers"]


def _change(v: float | None, up: str, down: str) -> str:
    return growth_words(v, up, down) or "had no year-earlier comparison"


def sentences(row: dict[str, Any], period: str, scale: float, skills: list[str]) -> list[str]:
    """The seed story's headline sentences, worded from the numbers (rose/fell/was flat)."""
    full = "" if scale == 1 else f" ({money(float(row['gsv']) / scale)} at full size)"
    out = [f"GSV {_change(row['gsv_yoy'], 'rose', 'fell')} year over year to {money(row['gsv'])} in {period}{full}.",
           f"AI-related project volume (AI jobs posted) {_change(row['ai_jobs_yoy'], 'rose', 'fell')}, and "
           f"AI-specialised freelancers {_change(row['ai_freelancers_yoy'], 'grew', 'shrank')}.",
           f"Active clients {_change(row['active_clients_yoy'], 'rose', 'fell')} while GSV per active client "
           f"{_change(row['gsv_per_active_client_yoy'], 'rose', 'fell')} to {money(row['gsv_per_active_client'])}.",
           f"GSV per new client (first 90 days) {_change(row['gsv_per_new_client_yoy'], 'rose', 'fell')}."]
    if skills:
        out.append(f"The most demanded AI skills in {period[:4]}: {', '.join(skills[:5])}.")
    return out


def headline(store: Store, period: str, scale: float = 1.0) -> dict[str, Any]:
    """The quarter's KPIs with year-over-year growth, the growth bridge and the sentences built from them."""
    kpis = compute(DEMO_METRICS, period="quarter", compare=["yoy"], con=store)
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in kpis.to_dict(orient="records")]
    if not any(r["period"] == period for r in rows):
        raise ConfigError(f"no data for {period}")
    row = next(r for r in rows if r["period"] == period)
    by_skill = compute(["ai_jobs"], period="year", by="skill", con=store)
    by_skill = by_skill[by_skill.period == period[:4]].sort_values("ai_jobs", ascending=False)
    skills = [str(s) for s in by_skill.skill.head(10)]
    bridge = [s.to_dict() for s in growth_bridge(period, con=store)]
    return {"period": period, "quarters": rows, "bridge": bridge, "top_ai_skills": skills,
            "sentences": sentences(row, period, scale, skills)}


def demo(db: str | Path = "gigsight.duckdb", *, scenario: str = "seed-q3", scale: float = DEMO_SCALE, seed: int = 42,
         replace: bool = False, progress: Progress | None = None) -> dict[str, Any]:
    """Simulate ``scenario`` into the DuckDB file ``db`` (refusing one that holds data unless ``replace``),
    then compute the quarter's story and check the scenario's targets."""
    sc = load_scenario(scenario)
    path = Path(db)
    with connect(f"duckdb://{path}") as store:
        sim = simulate(store, sc.source, scale=scale, seed=seed, replace=replace, progress=progress)
        enriched = enrich(store, progress)
        refresh(store, progress=progress)  # the story, the checks, the report and later readers use them
        period = next((t.period for t in sc.targets if "Q" in t.period), f"{sc.end[:4]}Q3")
        with Shared(store.con):  # what the kept facts leave out (months, per-question tables) is built once
            story = headline(store, period, scale)
            checks = [c.to_dict() for c in check_targets(store, sc, scale)]
            report = build_report(store, period)
            written = write(report, path.with_name(f"{path.stem}-report"))
        return {"db": str(path), "simulation": sim, "enrich": asdict(enriched), "info": info(store),
                "targets": checks, "report": {k: str(v) for k, v in written.items()},
                "prioritise": _at_risk(report), **story}


def _at_risk(report: Any, n: int = 5) -> list[dict[str, Any]]:
    """The report's high-value clients at risk (its client forecast is made once, for both)."""
    for sec in report.sections:
        if sec.key == "prioritise" and sec.tables:
            t = sec.tables[0]
            return [dict(zip(t.columns, r, strict=True)) for r in t.rows[:n]]
    return []


__all__ = ["DEMO_SCALE", "demo", "headline", "sentences"]

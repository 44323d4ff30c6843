"""Assemble the quarterly report from the library: KPIs, growth bridge, drivers, segments, skills, clients,
freelancers, definitions and data coverage. Each section is built independently; one that cannot be built (no
skills before `gigsight enrich`, no cohorts yet) says why instead of failing the report."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from gigsight.backends import ibis_of
from gigsight.backends.base import Connection
from gigsight.backends.inventory import info
from gigsight.backends.shared import Shared
from gigsight.config import Settings
from gigsight.errors import GigsightError
from gigsight.insights import promote
from gigsight.insights.client_summary import payment_days
from gigsight.insights.clients_act import deciles, segments, top, value
from gigsight.insights.cohorts import cohorts
from gigsight.insights.drivers import explain_change
from gigsight.insights.growth_bridge import growth_bridge
from gigsight.insights.segment_growth import segment_growth
from gigsight.insights.skill_demand import emerging, movers, trends
from gigsight.metrics.compute import compute
from gigsight.metrics.display import KIND_OF_UNIT, cell, segment_name
from gigsight.metrics.registry import get
from gigsight.report.charts import (
    Chart,
    bridge_charts,
    clv_deciles,
    cohort_retention,
    in_tier_order,
    segment_cross,
    size_against_growth,
    tier_mix,
)
from gigsight.report.model import (
    KPIS,
    Report,
    Section,
    _Kpis,
    _num,
    definitions,
    frame_table,
    kpi_table,
    kpi_tiles,
    sentences,
)


def build_report(con: Connection, period: str) -> Report:
    """The report for quarter ``period`` (e.g. "2025Q3") of the store ``con``."""
    top_ai: list[str] = []
    sections: list[Section] = []
    with Shared(ibis_of(con)):  # every section reads the same payment facts: build them once
        k = _Kpis(con, period)
        for key, title, make in _SECTIONS:
            sec = Section(key, title)
            try:
                extra = make(con, k, sec)
                if key == "skills" and extra:
                    top_ai = extra
            except GigsightError as exc:
                sec.text.append(f"Not available: {exc}")
            sections.append(sec)
    return Report(period, str(getattr(con, "url", "")), sentences(k, top_ai), sections)


# the figures a board reads first, in the order of the story: volume, clients, value per client, AI work
TILES = ["gsv", "revenue", "take_rate", "active_clients", "gsv_per_active_client", "gsv_per_new_client",
         "ai_gsv_share", "ai_freelancers"]
def _overview(con: Connection, k: _Kpis, sec: Section) -> None:
    sec.tiles += kpi_tiles(k, TILES)
    sec.tables.append(kpi_table(k))
    q = k.frame[k.frame.period <= k.period].tail(8)
    combos = (("gsv", "$", "gsv_yoy", "GSV YoY", ".0%", "GSV by quarter and its growth year over year"),
              ("revenue", "$", "take_rate", "Take rate", ".1%", "Revenue by quarter and the take rate"),
              ("active_clients", ",.0f", "gsv_per_active_client", "GSV per active client", "$",
               "Active clients and GSV per active client (trailing twelve months)"))
    for bars, fmt, line, line_name, line_fmt, title in combos:
        sec.charts.append(Chart(title, "bar", list(q.period), [_num(v) for v in q[bars]], series=[get(bars).title],
                                y_format=fmt, line=[_num(v) for v in q[line]], line_name=line_name,
                                line_format=line_fmt))
    sec.charts.append(Chart("AI-related share of GSV", "line", list(q.period), [_num(v) for v in q.ai_gsv_share],
                            y_format=".1%"))


def _bridge(con: Connection, k: _Kpis, sec: Section) -> None:
    steps = [s.to_dict() for s in growth_bridge(k.period, con=con)]
    df = pd.DataFrame(steps)
    sec.text.append(f"How the change from {k.prev} to {k.period} splits along the KPI identities (Shapley split "
                    "of each product; the parts add up to the change).")
    sec.charts += bridge_charts(steps, k.prev, k.period)
    rows = []
    for _, part in df.groupby("bridge", sort=False):
        for i, (_, r) in enumerate(part.iterrows()):
            kind = KIND_OF_UNIT[r.unit]
            rows.append([r.identity if i == 0 else "", r.part, cell(_num(r.before), kind),
                         cell(_num(r.after), kind), r.effect, r.share])
    sec.tables.append(frame_table("Growth bridge", pd.DataFrame(rows, columns=[
        "identity", "part", k.prev, k.period, "effect", "share of the change"]), kinds={
        "effect": "$", "share of the change": "%"}))


def _in_tier_order(df: pd.DataFrame, col: str) -> pd.DataFrame:
    return in_tier_order(df, col, Settings.from_env().tier_bounds)


def _drivers(con: Connection, k: _Kpis, sec: Section) -> None:
    df = explain_change("gsv", k.prev, k.period, by=["category", "country", "ai"], con=con)
    top = df.head(10).assign(segment=lambda d: [segment_name(a, b)
                                                for a, b in zip(d.dimension, d.segment, strict=True)])
    sec.text.append("Segments ranked by how much of the GSV change they explain; the size effect is more or fewer "
                    "clients in the segment, the rate effect more or less GSV per client.")
    money_cols = {"gsv_from": f"GSV {k.prev}", "gsv_to": f"GSV {k.period}", "change": "change",
                  "size_effect": "size effect", "rate_effect": "rate effect"}
    shown_top = top.rename(columns={**money_cols, "share_of_change": "share of the change"})
    sec.tables.append(frame_table(f"Drivers of GSV, {k.prev} to {k.period}", shown_top[[
        "dimension", "segment", *money_cols.values(), "share of the change"]], kinds={
        **dict.fromkeys(money_cols.values(), "$"), "share of the change": "%"}))
    sec.charts.append(Chart("Share of the GSV change explained", "bar",
                            [f"{d}: {s}" for d, s in zip(top.dimension, top.segment, strict=True)],
                            [_num(v) for v in top.share_of_change], y_format=".0%"))


def _segments(con: Connection, k: _Kpis, sec: Section) -> None:
    sec.charts.append(size_against_growth(segment_growth(k.period, "category", con=con), "category", k.period))
    sec.text.append("Right is bigger, up is faster growing. The bars are 95% intervals with client spend treated as "
                    "a random draw: a category carried by a few large clients gets a long bar; one whose bar stays "
                    "above zero is growing beyond chance.")
    cross = compute(["gsv"], period="quarter", by=["category", "ai"], compare=["yoy"], con=con, start=k.period,
                    end=k.period)
    sec.charts.append(segment_cross(cross, "category", "ai", k.period, Settings.from_env().tier_bounds))
    for by in ("ai", "category"):
        df = compute(["gsv", "jobs_posted"], period="quarter", by=by, compare=["yoy"], con=con, start=k.period,
                     end=k.period).drop(columns=["period"])
        df[by] = [segment_name(by, v) for v in df[by]]
        word = "AI-related work or not" if by == "ai" else by
        sec.tables.append(frame_table(f"GSV and jobs by {word}, {k.period}", df))
        if by == "ai":  # categories are in the size-against-growth chart, with their intervals
            sec.charts.append(Chart(f"GSV growth year over year by {word}", "bar", [str(v) for v in df[by]],
                                    [_num(v) for v in df.gsv_yoy], y_format=".0%"))


def _skills(con: Connection, k: _Kpis, sec: Section) -> list[str]:
    if "job_labels" not in ibis_of(con).list_tables():
        sec.text.append("Run `gigsight enrich` to add skills, AI verdicts and demand to the report.")
        return []
    every = trends(con, at=k.period)  # once: the AI ranking and the skills to promote both read it
    ai = every[every.is_ai].head(10).copy()
    ai["rank"] = range(1, len(ai) + 1)
    sec.tables.append(frame_table(f"Top AI skills by jobs posted, {k.period}", ai[[
        "rank", "skill", "jobs_posted", "jobs_yoy", "jobs_yoy_low", "jobs_yoy_high", "gsv", "guard"]],
        "YoY low and high: the 95% interval of the change in jobs posted; guard: ok, or why the change is not "
        "trusted"))
    sec.charts.append(Chart(f"AI skills: jobs posted year over year, {k.period} (95% interval)", "bar",
                            list(ai.skill), [_num(v) for v in ai.jobs_yoy], y_low=[_num(v) for v in ai.jobs_yoy_low],
                            y_high=[_num(v) for v in ai.jobs_yoy_high], y_format=".0%"))
    em = emerging(con)
    moving = movers(em, 5)
    sec.tables.append(frame_table(f"Emerging and declining skills (through {em.through.iloc[0] if len(em) else '-'})",
                                  moving[["skill", "trend", "share_ratio", "recent_jobs", "baseline_jobs", "q"]],
                                  "share ratio: the skill's share of jobs in the last 6 months over its share in the "
                                  "12 before; q: the false-discovery-adjusted p-value (kept below 5%)",
                                  kinds={"share_ratio": "x", "recent_jobs": "n", "baseline_jobs": "n"}))
    pr = promote(con, at=k.period, top=5, frame=every)
    sec.tables.append(frame_table("Skills to promote", pr[["rank", "skill", "score", "reasons"]], kinds={"score": "x"}))
    return [str(s) for s in ai.skill]


def _clients(con: Connection, k: _Kpis, sec: Section) -> None:
    tiers = compute(["clients_by_tier", "gsv_by_tier"], period="quarter", by="tier", compare=["yoy"], con=con,
                    start=k.period, end=k.period)
    tiers = _in_tier_order(tiers[tiers.period == k.period].drop(columns=["period"]), "tier")
    sec.tables.append(frame_table(f"Active clients and trailing-twelve-month GSV by spend tier, {k.period}", tiers))
    sec.charts.append(tier_mix(tiers, k.period, Settings.from_env().tier_bounds))
    sec.charts.append(cohort_retention(cohorts(con=con), "spend_retention", until=k.period))


def _prioritise(con: Connection, k: _Kpis, sec: Section) -> None:
    span = payment_days(ibis_of(con))
    year, q = int(k.period[:4]), int(k.period[-1])
    end = (pd.Timestamp(year=year, month=3 * q, day=1) + pd.offsets.MonthEnd(0)).date()
    at = min(end, span[1]) if span else end
    f = value(ibis_of(con), at, 365)
    sec.text.append(f"Forecast of each client's GSV over the 365 days after {at} by the {f.model} model "
                    f"(docs/clients.md). " + " ".join(f.notes[:1]))
    for which, title in (("at-risk", "High-value clients at risk"), ("rising", "Rising new clients"),
                         ("win-back", "Dormant high-value clients to win back")):
        t = top(f, which, 5)
        sec.tables.append(frame_table(title, t[["client_id", "reason"]].rename(columns={"client_id": "client",
                                                                                          "reason": "why"})))
    seg = _in_tier_order(segments(f, "tier"), "segment")
    seg = seg.rename(columns={"segment": "spend tier", "ttm_gsv": "GSV, last 12 months",
                              "expected_gsv": "expected GSV, next 365 days", "expected_gsv_low": "90% low",
                              "expected_gsv_high": "90% high"})
    sec.tables.append(frame_table("Expected GSV over the next 365 days by spend tier", seg[[
        "spend tier", "clients", "GSV, last 12 months", "expected GSV, next 365 days", "90% low", "90% high"]],
        "90% interval: the forecast's process noise (Poisson purchase days), not parameter uncertainty",
        kinds={"clients": "n", **dict.fromkeys(["GSV, last 12 months", "expected GSV, next 365 days", "90% low",
                                                "90% high"], "$")}))
    sec.charts.append(clv_deciles(deciles(f), 365))


def _freelancers(con: Connection, k: _Kpis, sec: Section) -> None:
    q = k.frame[k.frame.period <= k.period].tail(8)
    sec.charts.append(Chart("Active and AI-specialised freelancers", "line", list(q.period),
                            [[_num(v) for v in q.active_freelancers], [_num(v) for v in q.ai_freelancers]],
                            series=["active freelancers", "AI-specialised"]))
    sec.tables.append(frame_table("Freelancer supply", q[["period", "active_freelancers", "ai_freelancers",
                                                          "active_freelancers_yoy", "ai_freelancers_yoy"]]))


def _coverage(con: Connection, k: _Kpis, sec: Section) -> None:
    sec.text += [f"Caveat ({n.split(':', 1)[0]}):{n.split(':', 1)[1]}" for n in k.frame.attrs.get("notes", [])]
    facts = info(con)
    pay = next((t for t in facts["tables"] if t["table"] == "payments"), None)
    if pay and pay.get("to"):
        sec.text.insert(0, f"Payments from {str(pay['from'])[:10]} through {str(pay['to'])[:10]}. Trailing-twelve-"
                           "month metrics (active clients, GSV per active client, tiers, retention) are incomplete in "
                           "the data's first twelve months.")
    sec.tables.append(frame_table("Data coverage", pd.DataFrame(facts["tables"]), kinds={"rows": "n"}))
    rejects = pd.DataFrame(facts["rejects"]) if facts["rejects"] else pd.DataFrame({"rejects": ["none"]})
    sec.tables.append(frame_table("Rejected rows (kept with reasons in the store)", rejects))
    sec.tables.append(definitions(KPIS))


_SECTIONS: list[tuple[str, str, Callable[[Any, _Kpis, Section], Any]]] = [
    ("overview", "KPIs", _overview),
    ("bridge", "Growth bridge", _bridge),
    ("drivers", "Drivers", _drivers),
    ("segments", "Segments: AI and categories", _segments),
    ("skills", "Skills and AI work", _skills),
    ("clients", "Clients: tiers and cohorts", _clients),
    ("prioritise", "Clients to prioritise", _prioritise),
    ("freelancers", "Freelancer supply", _freelancers),
    ("coverage", "Definitions and data coverage", _coverage),
]

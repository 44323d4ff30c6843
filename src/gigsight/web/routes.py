"""The JSON API, one router per resource: the store (health, meta), KPIs and growth, skills, clients, and jobs.

A route checks its parameters, then asks the app's :class:`~gigsight.web.service.Service` one question (a method
of it, called by name nowhere): a cached answer is sent from the event loop, only a computation goes to a worker
thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

import gigsight
from gigsight import __version__
from gigsight.web.service import MAX_JOBS, Service

Grain = Literal["month", "quarter", "year"]
Comparison = Literal["yoy", "qoq"]
LABEL = r"^\d{4}(Q[1-4]|-\d{2})?$"
Label = Annotated[str, Query(min_length=4, max_length=7, pattern=LABEL,
                             description='A period label: "2025", "2025Q3" or "2025-07".')]
OptLabel = Annotated[str | None, Query(min_length=4, max_length=7, pattern=LABEL,
                                       description="A period label; default: the last complete period.")]
if TYPE_CHECKING:
    Segment = str
    Partition = str
    Additive = str
    ChartName = str
else:  # the registry's names, as enums in the API's schema
    _CATALOG = gigsight.catalog()
    Segment = Literal[tuple(_CATALOG["segments"])]
    Partition = Literal[tuple(_CATALOG["partitions"])]
    Additive = Literal[tuple(m["name"] for m in _CATALOG["metrics"] if m["additive"])]
    ChartName = Literal[gigsight.CHARTS]
NameList = Annotated[list[Annotated[str, Query(min_length=1, max_length=400)]], Query(
    min_length=1, max_length=20, description="Metric names, comma-separated or the parameter repeated.")]
Top = Annotated[int, Query(ge=1, le=200)]
Records = list[dict[str, Any]]
MinJobs = Annotated[int, Query(ge=1, le=1_000_000)]
Day = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                  description="YYYY-MM-DD; default the last payment day.")]
Horizon = Annotated[int, Query(ge=1, le=3650, description="Days ahead to forecast.")]
CLVModel = Literal["auto", "bgnbd", "pareto", "covariates"]
ClientList = Literal["value", "at-risk", "rising", "win-back"]


def service(request: Request) -> Service:
    """The app's service (one per app, made by ``create_app``)."""
    svc: Service = request.app.state.service
    return svc


Svc = Annotated[Service, Depends(service)]


async def reply(svc: Service, question: Callable[..., Any], *args: Any, **kwargs: Any) -> Response:
    """The JSON answer to ``question(*args, **kwargs)``, a method of the service ``svc``."""
    body = svc.encoded(question, *args, **kwargs)
    if body is None:
        body = await run_in_threadpool(svc.answer, question, *args, **kwargs)
    return Response(body, media_type="application/json")


store_api = APIRouter(prefix="/api", tags=["store"])
kpis_api = APIRouter(prefix="/api", tags=["kpis"])
growth_api = APIRouter(prefix="/api", tags=["growth"])
skills_api = APIRouter(prefix="/api/skills", tags=["skills"])
clients_api = APIRouter(prefix="/api/clients", tags=["clients"])
jobs_api = APIRouter(prefix="/api", tags=["jobs"])
ROUTERS = (store_api, kpis_api, growth_api, skills_api, clients_api, jobs_api)


@store_api.get("/health")
async def health(svc: Svc) -> dict[str, Any]:
    """Liveness and the data version the cache is keyed on."""
    return {**svc.health(), "version": __version__}


@store_api.get("/meta", response_model=dict[str, Any])
async def meta(svc: Svc) -> Response:
    """Metrics, segments and periods the filters offer; the default period."""
    return await reply(svc, svc.meta)


@kpis_api.get("/kpis", response_model=Records)
async def kpis(svc: Svc, metrics: NameList = ["gsv"], period: Grain = "quarter",  # noqa: B006
               by: Annotated[list[Segment] | None, Query(max_length=2)] = None,
               compare: Annotated[list[Comparison] | None, Query(max_length=2)] = None,
               start: OptLabel = None, end: OptLabel = None) -> Response:
    """Metrics per period (and segment); ``<metric>_yoy``/``_qoq`` are fractions, null where undefined. A
    metric that cannot be split by ``by`` is left out and named in the ``X-Gigsight-Note`` header."""
    # "a,b" and a repeated metrics= alike
    names = list(dict.fromkeys(n.strip() for m in metrics for n in m.split(",") if n.strip()))
    asked: dict[str, Any] = {"period": period, "by": list(dict.fromkeys(by or [])),
                             "compare": list(dict.fromkeys(compare or [])), "start": start, "end": end}
    answer = await reply(svc, svc.kpis, names, **asked)
    _, notes = await run_in_threadpool(svc.kpis_and_notes, names, **asked)  # computed once, with the rows
    if notes:
        answer.headers["X-Gigsight-Note"] = " | ".join(notes).encode("ascii", "replace").decode()
    return answer


@growth_api.get("/growth", response_model=Records)
async def growth(svc: Svc, period: Label, compare: Comparison = "yoy") -> Response:
    """The growth bridge: the change split along the KPI identities."""
    return await reply(svc, svc.growth, period, compare)


@growth_api.get("/drivers", response_model=Records)
async def drivers(svc: Svc, from_: Annotated[str, Query(alias="from", min_length=4, max_length=7, pattern=LABEL)],
                  to: Label, metric: Additive = "gsv",
                  by: Annotated[list[Segment], Query(min_length=1, max_length=3)] = ["category"],  # noqa: B006
                  ) -> Response:
    """Segments ranked by the share of the change they explain, split into size and rate effects."""
    return await reply(svc, svc.drivers, metric, from_, to, list(by))


@growth_api.get("/segments/growth", response_model=Records)
async def segment_growth(svc: Svc, period: Label, by: Literal["ai", "category", "country"] = "category",
                         compare: Comparison = "yoy") -> Response:
    """Each segment's GSV against its growth over the comparison period, with a 95% interval (client spend
    treated as a random draw: a segment carried by a few large clients gets a wide one)."""
    return await reply(svc, svc.segment_growth, period, by, compare)


@growth_api.get("/charts/{name}", response_model=Records, tags=["charts"])
async def charts(svc: Svc, name: ChartName, period: Label, by: Partition = "category", second: Partition = "ai",
                 compare: Comparison = "yoy") -> Response:
    """A chart as the quarterly report draws it, as Plotly figures (``data`` and ``layout``): growth_bridge (a
    waterfall per KPI identity), size_against_growth (segments by ``by``, 95% intervals) or segment_cross (GSV
    growth for every pair of ``by`` and ``second``)."""
    return await reply(svc, svc.charts, name, period, by, second, compare)


@skills_api.get("/trends", response_model=Records)
async def skill_trends(svc: Svc, period: Grain = "quarter", at: OptLabel = None, ai_only: bool = False,
                       top: Top = 20, min_jobs: MinJobs = 20) -> Response:
    """Skills by jobs posted with YoY growth and its 95% interval."""
    return await reply(svc, svc.skill_trends, period, at, ai_only, top, min_jobs)


@skills_api.get("/emerging", response_model=Records)
async def emerging(svc: Svc, window: Annotated[int, Query(ge=1, le=24)] = 6,
                   baseline: Annotated[int, Query(ge=1, le=48)] = 12, min_jobs: MinJobs = 20) -> Response:
    """Emerging and declining skills (monthly shares, false discoveries controlled)."""
    return await reply(svc, svc.emerging, window, baseline, min_jobs)


@skills_api.get("/promote", response_model=Records)
async def promote(svc: Svc, period: Grain = "quarter", at: OptLabel = None, top: Top = 10,
                  min_jobs: MinJobs = 20) -> Response:
    """Skills the marketplace should promote, with the reasons."""
    return await reply(svc, svc.promote, period, at, top, min_jobs)


@skills_api.get("/learn", response_model=Records)
async def learn(svc: Svc, freelancer_id: Annotated[str, Query(min_length=1, max_length=100)],
                period: Grain = "quarter", at: OptLabel = None, top: Top = 5) -> Response:
    """Skills one freelancer should learn next, with the reasons."""
    return await reply(svc, svc.learn, freelancer_id, period, at, top)


@clients_api.get("/tiers", response_model=Records)
async def tiers(svc: Svc, at: Label, period: Grain = "quarter") -> Response:
    """Clients and GSV by trailing-12-month spend tier at the period end, with YoY."""
    return await reply(svc, svc.tiers, period, at)


@clients_api.get("/cohorts", response_model=Records)
async def cohorts(svc: Svc, period: Grain = "quarter") -> Response:
    """Logo and spend retention by acquisition cohort."""
    return await reply(svc, svc.cohorts, period)


@clients_api.get("/value", response_model=dict[str, Any])
async def client_value(svc: Svc, at: Day = None, horizon_days: Horizon = 365, model: CLVModel = "auto",
                       limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                       offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Per-client forecast over the horizon: p_active, expected purchase days, expected GSV, CLV, rank."""
    return await reply(svc, svc.client_value, at, horizon_days, model, limit, offset)


@clients_api.get("/top", response_model=dict[str, Any])
async def client_top(svc: Svc, list_: Annotated[ClientList, Query(alias="list")] = "value", limit: Top = 20,
                     at: Day = None, horizon_days: Horizon = 365, model: CLVModel = "auto") -> Response:
    """Clients to act on with reasons (value, at-risk, rising, win-back), CLV deciles and segments."""
    return await reply(svc, svc.client_lists, list_, limit, at, horizon_days, model)


@clients_api.get("/history", response_model=Records)
async def client_history(svc: Svc, client_id: Annotated[str, Query(min_length=1, max_length=128)]) -> Response:
    """One client's GSV, refunds, purchase days and contracts by month."""
    return await reply(svc, svc.client_history, client_id)


class JobText(BaseModel):
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, max_length=20_000)
    tags: str | None = Field(default=None, max_length=2_000)
    category: str | None = Field(default=None, max_length=100)


class ClassifyRequest(BaseModel):
    jobs: list[JobText] = Field(min_length=1, max_length=MAX_JOBS)


@jobs_api.post("/classify")
def classify(svc: Svc, request: Annotated[ClassifyRequest, Body()]) -> list[dict[str, Any]]:
    """Skills, AI-related label (with the evidence) and category of up to 100 posted jobs."""
    return svc.classify([j.model_dump() for j in request.jobs])


__all__ = ["ROUTERS"]

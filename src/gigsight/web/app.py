"""The FastAPI app: the JSON API under ``/api/``, the dashboard pages, and one error envelope for every error.

Every error, whether gigsight's own, a request that fails validation, an unknown route or an unexpected
fault, leaves through :func:`envelope` as ``{"error": {"status", "type", "message", "detail"}}``.

>>> import tempfile, gigsight
>>> from fastapi.testclient import TestClient
>>> path = tempfile.mkdtemp() + "/a.duckdb"
>>> _ = gigsight.simulate(path, "steady", scale=0.002, validate=False)
>>> client = TestClient(create_app(path))
>>> client.get("/api/kpis", params={"metrics": "gsv", "period": "year"}).json()[0]["period"]
'2022'
>>> r = client.get("/api/kpis", params={"metrics": "gvs"})
>>> r.status_code, r.json()["error"]["type"], "did you mean" in r.json()["error"]["message"]
(400, 'invalid_request', True)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from gigsight import __version__
from gigsight.errors import BackendError, DataValidationError, GigsightError, SourceError
from gigsight.metrics.compute import as_list
from gigsight.web.pages import PAGES, api_docs_html, page_html, plotly_js
from gigsight.web.service import MAX_JOBS, Service

log = logging.getLogger("gigsight.web")

Grain = Literal["month", "quarter", "year"]
Comparison = Literal["yoy", "qoq"]
Segment = Literal["ai", "category", "country", "tier", "skill"]
Label = Annotated[str, Query(min_length=4, max_length=7, pattern=r"^\d{4}(Q[1-4]|-\d{2})?$",
                             description='A period label: "2025", "2025Q3" or "2025-07".')]
OptLabel = Annotated[str | None, Query(min_length=4, max_length=7, pattern=r"^\d{4}(Q[1-4]|-\d{2})?$",
                                       description="A period label; default: the last complete period.")]
Additive = Literal["gsv", "client_spend", "revenue", "ai_gsv", "gsv_from_new_clients", "payments"]
NameList = Annotated[list[Annotated[str, Query(min_length=1, max_length=400)]], Query(
    min_length=1, max_length=20, description="Metric names, comma-separated or the parameter repeated.")]
Top = Annotated[int, Query(ge=1, le=200)]
Records = list[dict[str, Any]]
MinJobs = Annotated[int, Query(ge=1, le=1_000_000)]
Day = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD; default the last "
                                                                            "payment day.")]
Horizon = Annotated[int, Query(ge=1, le=3650, description="Days ahead to forecast.")]
CLVModel = Literal["auto", "bgnbd", "pareto", "covariates"]
ClientList = Literal["value", "at-risk", "rising", "win-back"]

MAX_BODY = 2_000_000
STATUS = {SourceError: 404, DataValidationError: 422, BackendError: 503}
TYPES = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
         422: "invalid_request", 500: "internal_error", 503: "unavailable"}


class ErrorBody(BaseModel):
    status: int
    type: str
    message: str
    detail: list[dict[str, Any]] = Field(default_factory=list)


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class JobText(BaseModel):
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, max_length=20_000)
    tags: str | None = Field(default=None, max_length=2_000)
    category: str | None = Field(default=None, max_length=100)


class ClassifyRequest(BaseModel):
    jobs: list[JobText] = Field(min_length=1, max_length=MAX_JOBS)


def envelope(status: int, message: str, detail: list[dict[str, Any]] | None = None) -> JSONResponse:
    """The one error shape every route returns."""
    body = ErrorBody(status=status, type=TYPES.get(status, "error"), message=message, detail=detail or [])
    return JSONResponse({"error": body.model_dump()}, status_code=status)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "testserver")
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                 b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                 b"form-action 'self'; object-src 'none'"),
    (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
]


def _host_of(scope: Any) -> str:
    raw: str = dict(scope["headers"]).get(b"host", b"").decode("latin-1").strip().lower()
    if raw.startswith("["):  # [::1]:8000
        return raw[1:raw.find("]")] if "]" in raw else raw
    return raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw


class Guard:
    """Every HTTP request: a Host the server answers to (a page on another name, DNS rebinding, cannot read the
    API), a body of at most :data:`MAX_BODY` bytes however it is sent (declared or chunked), and security headers
    on every response. Plain ASGI: a decorator middleware would cost every request a task and a copy."""

    def __init__(self, app: Any, allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> None:
        self.app = app
        self.hosts = {h.lower().strip("[]") for h in allowed_hosts}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "*" not in self.hosts and _host_of(scope) not in self.hosts:
            await envelope(400, "this server does not answer to that Host name (gigsight serve --allowed-hosts)"
                           )(scope, receive, _headers(send))
            return
        too_large = envelope(413, f"request body over {MAX_BODY // 1_000_000} MB")
        size = dict(scope["headers"]).get(b"content-length", b"")
        if size.isdigit() and int(size) > MAX_BODY:
            await too_large(scope, receive, _headers(send))
            return
        if not size.isdigit() and scope["method"] in ("POST", "PUT", "PATCH"):
            # no declared length (chunked): read at most the limit here, then hand the app what was read
            messages, seen = [], 0
            while True:
                message = await receive()
                messages.append(message)
                seen += len(message.get("body", b""))
                if seen > MAX_BODY:
                    await too_large(scope, receive, _headers(send))
                    return
                if message["type"] != "http.request" or not message.get("more_body"):
                    break
            replay = iter(messages)

            async def replayed() -> Any:
                return next(replay, None) or await receive()

            await self.app(scope, replayed, _headers(send))
            return
        await self.app(scope, receive, _headers(send))


def _headers(send: Any) -> Any:
    async def with_headers(message: Any) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
        await send(message)
    return with_headers


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope}, 404: {"model": ErrorEnvelope}, 422: {"model": ErrorEnvelope}}


def create_app(db: str | Path, service: Service | None = None,
               allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> FastAPI:
    """The app over the store at ``db`` (a DuckDB file path or a store URL), opened read-only, answering to the
    ``allowed_hosts`` names ("*": any)."""
    svc = service or Service(db)
    app = FastAPI(title="gigsight", version=__version__, responses=ERRORS, docs_url=None, redoc_url=None,
                  description="Growth intelligence for freelance marketplaces: KPIs, growth bridge, drivers, "
                              "skills and clients of one store. Every error is an `{error: {...}}` envelope.")
    app.state.service = svc

    @app.exception_handler(Exception)
    async def any_error(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, GigsightError):
            return envelope(STATUS.get(type(exc), 400), str(exc))
        if isinstance(exc, RequestValidationError):
            detail = [{"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", ""),
                       "value": e.get("input") if isinstance(e.get("input"), str | int | float) else None}
                      for e in exc.errors()]
            first = detail[0] if detail else {"where": "request", "message": "invalid"}
            return envelope(422, f"{first['where']}: {first['message']}", detail)
        if isinstance(exc, HTTPException):
            return envelope(exc.status_code, str(exc.detail))
        log.exception("unexpected error on %s", request.url.path)
        return envelope(500, f"internal error ({type(exc).__name__}); the server log has the details")

    # Starlette routes these three to their own handlers before the catch-all: send them to the same one.
    for kind in (RequestValidationError, HTTPException, GigsightError):
        app.add_exception_handler(kind, any_error)

    async def reply(question: str, *args: Any, **kwargs: Any) -> Response:
        # a cached answer is sent from the event loop; only a computation goes to a worker thread
        body = svc.encoded(question, *args, **kwargs)
        if body is None:
            body = await run_in_threadpool(svc.answer, question, *args, **kwargs)
        return Response(body, media_type="application/json")

    @app.get("/api/health", tags=["store"])
    async def health() -> dict[str, Any]:
        """Liveness and the data version the cache is keyed on."""
        return {**svc.health(), "version": __version__}

    @app.get("/api/meta", tags=["store"], response_model=dict[str, Any])
    async def meta() -> Response:
        """Metrics, segments and periods the filters offer; the default period."""
        return await reply("meta")

    @app.get("/api/kpis", tags=["kpis"], response_model=Records)
    async def kpis(metrics: NameList = ["gsv"], period: Grain = "quarter",  # noqa: B006
             by: Annotated[list[Segment] | None, Query(max_length=2)] = None,
             compare: Annotated[list[Comparison] | None, Query(max_length=2)] = None,
             start: OptLabel = None, end: OptLabel = None) -> Response:
        """Metrics per period (and segment); ``<metric>_yoy``/``_qoq`` are fractions, null where undefined. A
        metric that cannot be split by ``by`` is left out and named in the ``X-Gigsight-Note`` header."""
        names = list(dict.fromkeys(as_list(",".join(metrics))))  # "a,b" and a repeated metrics= alike
        segs = list(dict.fromkeys(by or []))
        asked: dict[str, Any] = {"period": period, "by": segs, "compare": list(dict.fromkeys(compare or [])),
                                 "start": start, "end": end}
        answer = await reply("kpis", names, **asked)
        _, notes = await run_in_threadpool(svc.kpis_and_notes, names, **asked)  # computed once, with the rows
        if notes:
            answer.headers["X-Gigsight-Note"] = " | ".join(notes).encode("ascii", "replace").decode()
        return answer

    @app.get("/api/growth", tags=["growth"], response_model=Records)
    async def growth(period: Label, compare: Comparison = "yoy") -> Response:
        """The growth bridge: the change split along the KPI identities."""
        return await reply("growth", period, compare)

    @app.get("/api/drivers", tags=["growth"], response_model=Records)
    async def drivers(from_: Annotated[str, Query(alias="from", min_length=4, max_length=7,
                                            pattern=r"^\d{4}(Q[1-4]|-\d{2})?$")],
                to: Label, metric: Additive = "gsv",
                by: Annotated[list[Segment], Query(min_length=1, max_length=3)] = ["category"],  # noqa: B006
                      ) -> Response:
        """Segments ranked by the share of the change they explain, split into size and rate effects."""
        return await reply("drivers", metric, from_, to, list(by))

    @app.get("/api/segments/growth", tags=["growth"], response_model=Records)
    async def segment_growth(period: Label, by: Literal["ai", "category", "country"] = "category",
                             compare: Comparison = "yoy") -> Response:
        """Each segment's GSV against its growth over the comparison period, with a 95% interval (client spend
        treated as a random draw: a segment carried by a few large clients gets a wide one)."""
        return await reply("segment_growth", period, by, compare)

    @app.get("/api/skills/trends", tags=["skills"], response_model=Records)
    async def skill_trends(period: Grain = "quarter", at: OptLabel = None, ai_only: bool = False, top: Top = 20,
                           min_jobs: MinJobs = 20) -> Response:
        """Skills by jobs posted with YoY growth and its 95% interval."""
        return await reply("skill_trends", period, at, ai_only, top, min_jobs)

    @app.get("/api/skills/emerging", tags=["skills"], response_model=Records)
    async def emerging(window: Annotated[int, Query(ge=1, le=24)] = 6,
                       baseline: Annotated[int, Query(ge=1, le=48)] = 12, min_jobs: MinJobs = 20) -> Response:
        """Emerging and declining skills (monthly shares, false discoveries controlled)."""
        return await reply("emerging", window, baseline, min_jobs)

    @app.get("/api/skills/promote", tags=["skills"], response_model=Records)
    async def promote(period: Grain = "quarter", at: OptLabel = None, top: Top = 10,
                      min_jobs: MinJobs = 20) -> Response:
        """Skills the marketplace should promote, with the reasons."""
        return await reply("promote", period, at, top, min_jobs)

    @app.get("/api/skills/learn", tags=["skills"], response_model=Records)
    async def learn(freelancer_id: Annotated[str, Query(min_length=1, max_length=100)], period: Grain = "quarter",
                    at: OptLabel = None, top: Top = 5) -> Response:
        """Skills one freelancer should learn next, with the reasons."""
        return await reply("learn", freelancer_id, period, at, top)

    @app.get("/api/clients/tiers", tags=["clients"], response_model=Records)
    async def tiers(at: Label, period: Grain = "quarter") -> Response:
        """Clients and GSV by trailing-12-month spend tier at the period end, with YoY."""
        return await reply("tiers", period, at)

    @app.get("/api/clients/cohorts", tags=["clients"], response_model=Records)
    async def cohorts(period: Grain = "quarter") -> Response:
        """Logo and spend retention by acquisition cohort."""
        return await reply("cohorts", period)

    @app.get("/api/clients/value", tags=["clients"], response_model=dict[str, Any])
    async def client_value(at: Day = None, horizon_days: Horizon = 365, model: CLVModel = "auto",
                           limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                           offset: Annotated[int, Query(ge=0)] = 0) -> Response:
        """Per-client forecast over the horizon: p_active, expected purchase days, expected GSV, CLV, rank."""
        return await reply("client_value", at, horizon_days, model, limit, offset)

    @app.get("/api/clients/top", tags=["clients"], response_model=dict[str, Any])
    async def client_top(list_: Annotated[ClientList, Query(alias="list")] = "value", limit: Top = 20,
                         at: Day = None, horizon_days: Horizon = 365, model: CLVModel = "auto") -> Response:
        """Clients to act on with reasons (value, at-risk, rising, win-back), CLV deciles and segments."""
        return await reply("client_lists", list_, limit, at, horizon_days, model)

    @app.get("/api/clients/history", tags=["clients"], response_model=Records)
    async def client_history(client_id: Annotated[str, Query(min_length=1, max_length=128)]) -> Response:
        """One client's GSV, refunds, purchase days and contracts by month."""
        return await reply("client_history", client_id)

    @app.post("/api/classify", tags=["jobs"])
    def classify(request: Annotated[ClassifyRequest, Body()]) -> list[dict[str, Any]]:
        """Skills, AI-related label (with the evidence) and category of up to 100 posted jobs."""
        return svc.classify([j.model_dump() for j in request.jobs])

    app.add_middleware(Guard, allowed_hosts=allowed_hosts)

    for name in PAGES:
        app.add_api_route("/" if name == "overview" else f"/{name}", _page(name), methods=["GET"],
                          response_class=HTMLResponse, include_in_schema=False)
    app.add_api_route("/docs", lambda: HTMLResponse(api_docs_html(app.openapi())), methods=["GET"],
                      include_in_schema=False)
    app.add_api_route("/static/plotly.min.js", lambda: FileResponse(plotly_js(), media_type="text/javascript"),
                      methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    return app


def _page(name: str) -> Any:
    def show() -> HTMLResponse:
        return HTMLResponse(page_html(name))
    show.__name__ = f"page_{name}"
    return show

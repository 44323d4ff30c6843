"""The FastAPI app: the JSON API under ``/api/`` (:mod:`~gigsight.web.routes`), the dashboard pages, and one
error envelope for every error (:mod:`~gigsight.web.guard`).

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

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from gigsight import __version__
from gigsight.web.guard import ERRORS, LOOPBACK_HOSTS, MAX_BODY, Guard, install_errors
from gigsight.web.pages import PAGES, api_docs_html, page_html, plotly_js
from gigsight.web.routes import ROUTERS
from gigsight.web.service import Service


def create_app(db: str | Path, service: Service | None = None,
               allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> FastAPI:
    """The app over the store at ``db`` (a DuckDB file path or a store URL), opened read-only, answering to the
    ``allowed_hosts`` names ("*": any)."""
    app = FastAPI(title="gigsight", version=__version__, responses=ERRORS, docs_url=None, redoc_url=None,
                  description="Growth intelligence for freelance marketplaces: KPIs, growth bridge, drivers, "
                              "skills and clients of one store. Every error is an `{error: {...}}` envelope.")
    app.state.service = service or Service(db)
    install_errors(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(Guard, allowed_hosts=allowed_hosts)
    _add_pages(app)
    return app


def _add_pages(app: FastAPI) -> None:
    """The dashboard's pages, the API docs page and the static files (Plotly from the installed package)."""
    for name in PAGES:
        app.add_api_route("/" if name == "overview" else f"/{name}", _page(name), methods=["GET"],
                          response_class=HTMLResponse, include_in_schema=False)
    app.add_api_route("/docs", lambda: HTMLResponse(api_docs_html(app.openapi())), methods=["GET"],
                      include_in_schema=False)
    app.add_api_route("/static/plotly.min.js", lambda: FileResponse(plotly_js(), media_type="text/javascript"),
                      methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")


def _page(name: str) -> Any:
    def show() -> HTMLResponse:
        return HTMLResponse(page_html(name))
    show.__name__ = f"page_{name}"
    return show


__all__ = ["LOOPBACK_HOSTS", "MAX_BODY", "create_app"]

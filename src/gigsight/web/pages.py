"""The dashboard's pages: one HTML shell per page; the data arrives from the JSON API and is drawn in the browser.

The shell holds no data and no request text, only the page's name, so it is the same for every visitor;
Plotly is served from the installed plotly package (the network may be closed: no CDN).

>>> "data-page=\\"skills\\"" in page_html("skills") and "/static/plotly.min.js" in page_html("skills")
True
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import Any

PAGES = {
    "overview": "Overview",
    "growth": "Growth",
    "segments": "Segments",
    "skills": "Skills",
    "clients": "Clients",
}

SHELL = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gigsight: {title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/dashboard.css">
<script src="/static/plotly.min.js"></script>
<script src="/static/dashboard.js" defer></script>
</head>
<body data-page="{page}">
<header>
  <strong class="brand">gigsight</strong>
  <nav>{nav}</nav>
</header>
<main>
  <h1>{title}</h1>
  <form id="filters" class="filters" aria-label="filters"></form>
  <p id="status" class="status" role="status">Loading…</p>
  <div id="content"></div>
</main>
</body>
</html>
"""


def _href(name: str) -> str:
    return "/" if name == "overview" else f"/{name}"


@cache
def page_html(name: str) -> str:
    """The HTML shell of page ``name`` (one of :data:`PAGES`)."""
    nav = "".join(f'<a href="{_href(n)}"{" aria-current=page" if n == name else ""}>{t}</a>'
                  for n, t in PAGES.items())
    return SHELL.format(title=PAGES[name], page=name, nav=nav)


def plotly_js() -> Path:
    """plotly.min.js from the installed plotly package."""
    import plotly  # type: ignore[import-untyped]

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _code(escaped: str) -> str:
    """``name`` in a docstring (already HTML-escaped) as <code>name</code>.

    >>> _code("a ``b_c`` d")
    'a <code>b_c</code> d'
    """
    return re.sub(r"``([^`]+)``", r"<code>\1</code>", escaped)


def api_docs_html(spec: dict[str, Any]) -> str:
    """The API reference from the OpenAPI spec, rendered on the server (Swagger UI would load from a CDN).

    >>> spec = {"info": {"title": "t", "version": "1"}, "paths": {"/api/x": {"get": {"summary": "X <b>",
    ...         "parameters": [{"name": "n", "in": "query", "schema": {"type": "integer", "maximum": 9}}]}}}}
    >>> "X &lt;b&gt;" in api_docs_html(spec) and "maximum 9" in api_docs_html(spec)
    True
    """
    e = html.escape
    rows = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            params = []
            for p in op.get("parameters", []):
                sch = p.get("schema", {})
                kind = sch.get("type") or " | ".join(str(a.get("type", "")) for a in sch.get("anyOf", []))
                limits = [f"{k} {sch[k]}" for k in ("enum", "pattern", "minimum", "maximum", "maxLength") if k in sch]
                need = " (required)" if p.get("required") else f" = {sch['default']}" if "default" in sch else ""
                params.append(f"<li><code>{e(p['name'])}</code> {e(str(kind))}{e(need)} {e('; '.join(limits))}</li>")
            body = " (JSON body: see the schema)" if "requestBody" in op else ""
            rows.append(f"<section class=card><h2><code>{e(method.upper())} {e(path)}</code></h2>"
                        f"<p>{e(op.get('summary', ''))}{e(body)}</p><p>{_code(e(op.get('description', '')))}</p>"
                        f"<ul>{''.join(params)}</ul></section>")
    info = spec.get("info", {})
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport "
            f"content='width=device-width, initial-scale=1'><title>{e(info.get('title', ''))} API</title>"
            f"<link rel=icon href='data:,'><link rel=stylesheet href=/static/dashboard.css></head><body><main>"
            f"<h1>{e(info.get('title', ''))} API {e(info.get('version', ''))}</h1>"
            f"<p>{e(info.get('description', ''))} Machine-readable spec: <a href=/openapi.json>/openapi.json</a>.</p>"
            f"<div id=content>{''.join(rows)}</div></main></body></html>")

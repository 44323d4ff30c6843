"""What every request and every error goes through: the Host check, the body limit and the security headers
(:class:`Guard`), and the one error envelope ``{"error": {"status", "type", "message", "detail"}}`` whatever
failed (:func:`install_errors`): gigsight's own errors, a request failing validation, an unknown route, a fault.

>>> envelope(404, "no such period").status_code
404
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from gigsight import BackendError, DataValidationError, GigsightError, SourceError

log = logging.getLogger("gigsight.web")

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


async def any_error(request: Request, exc: Exception) -> JSONResponse:
    """Every error as the envelope: a gigsight error by its kind, invalid input as 422 naming where and what,
    anything unexpected as a 500 that leaks no internals (the server log has them)."""
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


def install_errors(app: FastAPI) -> None:
    """Send every error of ``app`` through :func:`any_error`."""
    app.add_exception_handler(Exception, any_error)
    # Starlette routes these three to their own handlers before the catch-all: send them to the same one.
    for kind in (RequestValidationError, HTTPException, GigsightError):
        app.add_exception_handler(kind, any_error)


__all__ = ["ERRORS", "LOOPBACK_HOSTS", "MAX_BODY", "Guard", "envelope", "install_errors"]

"""Web hardening: the Host a server answers to, security headers, body limits however the body is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gigsight.web.app import MAX_BODY, create_app


@pytest.fixture(scope="module")
def client(web_db: Path) -> TestClient:
    return TestClient(create_app(web_db))


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "0.0.0.0:8000"])
def test_other_host_names_are_refused(client: TestClient, host: str) -> None:
    r = client.get("/api/health", headers={"host": host})
    assert r.status_code == 400 and "Host" in r.json()["error"]["message"]


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "[::1]:8000"])
def test_loopback_names_are_served(client: TestClient, host: str) -> None:
    assert client.get("/api/health", headers={"host": host}).status_code == 200


def test_named_hosts_can_be_allowed(web_db: Path) -> None:
    c = TestClient(create_app(web_db, allowed_hosts=("dash.example.com",)))
    assert c.get("/api/health", headers={"host": "dash.example.com"}).status_code == 200
    assert c.get("/api/health", headers={"host": "localhost"}).status_code == 400


@pytest.mark.parametrize("path", ["/", "/clients", "/api/health", "/api/nope", "/static/dashboard.js"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    h = client.get(path).headers
    assert "script-src 'self'" in h["content-security-policy"] and "unsafe-eval" not in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"


def test_a_chunked_body_cannot_pass_the_limit(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY // 100_000 + 5):
            yield b" " * 100_000

    r = client.post("/api/classify", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "too_large"

    def small() -> Iterator[bytes]:
        yield b'{"jobs": [{"title": '
        yield b'"Translate a contract from Italian to English"}]}'

    r = client.post("/api/classify", content=small(), headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()[0]["category"] == "Translation"


def test_api_docs_render_code_not_backticks(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "``" not in page and "<code>by</code>" in page

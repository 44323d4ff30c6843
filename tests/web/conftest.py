"""A small enriched seed marketplace shared by the web tests, and a real server on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gigsight
from tests.helpers.browser import launch
from tests.helpers.server import serve


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "seed.duckdb"
    gigsight.simulate(str(path), "seed-q3", scale=0.01, validate=False)
    gigsight.enrich(str(path))
    gigsight.refresh(str(path))  # as `gigsight enrich` leaves it: the API answers from the kept facts
    return path


@pytest.fixture(scope="session")
def server(web_db: Path) -> Iterator[str]:
    """The shared seed store's server; yields its base URL."""
    yield from serve(web_db)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, once per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()

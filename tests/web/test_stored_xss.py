"""Stored XSS (issue 18): markup and script payloads in every text field a reader sees (countries, channels,
categories, titles, freelancer titles), drawn by the dashboard and the quarterly report in Chromium. No payload
runs, every chart still draws, and the dashboard's pages log no error (a script the CSP blocked would)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

import gigsight
from gigsight.web.pages import PAGES
from tests.helpers.browser import Watched, wait_until
from tests.helpers.server import serve

PAYLOADS = ["<script>window.__xss=1</script>", "<img src=x onerror=\"window.__xss=1\">", "<!--<script>",
            "\"><svg onload=window.__xss=1>", "<span style=\"font-size:300px\">big</span>",
            "</script><script>window.__xss=1</script>", "javascript:window.__xss=1"]
FIELDS = {"clients": ("client_id", ["country", "acquisition_channel"]),
          "freelancers": ("freelancer_id", ["country", "title"]),
          "jobs": ("job_id", ["category", "subcategory", "title"])}


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xss") / "xss.duckdb"
    gigsight.simulate(str(path), "seed-q3", scale=0.004, validate=False)
    cases = " ".join(f"WHEN {i} THEN '{p.replace(chr(39), chr(39) * 2)}'" for i, p in enumerate(PAYLOADS))
    with duckdb.connect(str(path)) as con:
        for table, (key, columns) in FIELDS.items():
            for c in columns:  # a third of the rows, so the payloads rank among the segments shown
                con.execute(f"UPDATE {table} SET {c} = CASE hash({key} || '{c}') % {len(PAYLOADS)} {cases} END "
                            f"WHERE hash({key} || '{c}') % 3 = 0")
    gigsight.enrich(str(path))
    gigsight.refresh(str(path))
    return path


@pytest.fixture(scope="module")
def hostile_server(hostile_db: Path) -> Iterator[str]:
    yield from serve(hostile_db)


def all_drawn(page: Any) -> tuple[int, int]:
    return page.locator(".js-plotly-plot").count(), page.locator(".js-plotly-plot .main-svg").count()


@pytest.mark.parametrize("name", list(PAGES))
def test_no_payload_runs_on_the_dashboard(browser: Any, hostile_server: str, name: str) -> None:
    w = Watched(browser)
    page = w.open(f"{hostile_server}/" if name == "overview" else f"{hostile_server}/{name}")
    wait_until(page, "[...document.querySelectorAll('.js-plotly-plot')].every((c) => c.querySelector('.main-svg'))",
               timeout=20)
    charts, drawn = all_drawn(page)
    ran = page.evaluate("window.__xss === undefined ? 0 : 1")
    big = page.evaluate("[...document.querySelectorAll('span')].filter((s) => s.style.fontSize === '300px').length")
    w.close()
    assert ran == 0 and big == 0
    assert w.problems == []
    assert charts >= 1 and drawn >= charts


def test_no_payload_runs_in_the_report(browser: Any, hostile_db: Path, tmp_path: Path) -> None:
    with gigsight.connect(str(hostile_db), read_only=True) as store:  # the module's server has it open read-only
        files = gigsight.report("2025Q3", tmp_path / "r", con=store)
    html = files["html"].read_text()
    assert "window.__xss" in html and "font-size:300px" in html  # the payloads are there, in some form
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(files["html"].as_uri())
    wait_until(page, "document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=30)
    charts, drawn = all_drawn(page)
    ran = page.evaluate("window.__xss === undefined ? 0 : 1")
    context.close()
    assert ran == 0 and errors == []
    assert charts >= 10 and drawn >= charts

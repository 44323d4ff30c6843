"""The dashboard in a real browser (Debian chromium driven by Playwright): every page loads with no console
error and no failed request, charts render, filters change the numbers shown, and a phone width fits.

Screenshots land in ``test-artifacts/`` (or ``$GIGSIGHT_ARTIFACTS``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from gigsight.metrics.display import tone
from gigsight.metrics.registry import get
from gigsight.web.pages import PAGES
from tests.helpers.browser import Watched, wait_until


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_clean_with_charts(browser: Any, server: str, name: str) -> None:
    w = Watched(browser)
    page = w.open(f"{server}/" if name == "overview" else f"{server}/{name}")
    # every chart fits inside its card (charts drawn before the grid settled must be refitted)
    wait_until(page, """[...document.querySelectorAll('.js-plotly-plot')].every(
        (c) => c.querySelector('.main-svg') && c.querySelector('.main-svg').getBoundingClientRect().right
               <= c.closest('.card').getBoundingClientRect().right + 1)""", timeout=10)
    w.shot(f"{name}-laptop")
    charts = page.locator(".js-plotly-plot").count()
    drawn = page.locator(".js-plotly-plot .main-svg").count()
    errors = page.locator(".error").all_inner_texts()
    w.close()
    assert w.problems == []
    assert errors == []
    assert charts >= 1 and drawn >= charts  # Plotly drew an SVG for every chart


@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_a_phone(browser: Any, server: str, name: str) -> None:
    w = Watched(browser, width=390, height=844)
    page = w.open(f"{server}/" if name == "overview" else f"{server}/{name}")
    w.shot(f"{name}-phone")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    w.close()
    assert w.problems == []
    assert overflow <= 0  # wide tables scroll inside their card, not the page


@pytest.mark.parametrize("name", list(PAGES))
def test_tables_fit_a_laptop_without_sideways_scroll(browser: Any, server: str, name: str) -> None:
    w = Watched(browser, width=1440, height=900)
    page = w.open(f"{server}/" if name == "overview" else f"{server}/{name}")
    w.shot(f"{name}-laptop")
    wide = page.evaluate("""[...document.querySelectorAll('.scroll')].filter((s) => s.offsetParent
        && s.scrollWidth > s.clientWidth + 1).map((s) => s.closest('section').id)""")
    w.close()
    assert w.problems == []
    assert wide == []


def test_a_list_with_reasons_reads_as_cards_on_a_phone(browser: Any, server: str) -> None:
    w = Watched(browser, width=390, height=844)
    page = w.open(f"{server}/clients")
    wait_until(page, "document.querySelectorAll('#client-list tbody tr').length > 0", timeout=120)
    shown = page.evaluate("""(() => { const t = document.querySelector('#client-list table');
        const s = t.closest('.scroll'); const td = t.querySelector('tbody td.num');
        return [getComputedStyle(t.querySelector('thead')).display, getComputedStyle(td).display,
                getComputedStyle(td, '::before').content, s.scrollWidth - s.clientWidth]; })()""")
    w.shot("clients-phone-cards")
    w.close()
    assert w.problems == []
    assert shown[:3] == ["none", "block", '"expected GSV (365 d): "'] and shown[3] <= 1


def test_key_figures_read_in_words_with_coloured_growth_and_a_trend(browser: Any, server: str) -> None:
    w = Watched(browser)
    page = w.open(f"{server}/")
    names = page.locator(".kpi .name").all_inner_texts()
    tones = [page.locator(f'[data-metric="{m}"] .growth span').first.get_attribute("class")
             for m in ("gsv", "active_clients")]
    lines = page.locator(".kpi svg.spark polyline").count()
    w.close()
    assert w.problems == []
    assert "GSV per active client" in names and not any("_" in n for n in names)
    meta = httpx.get(f"{server}/api/meta").json()
    at = meta["default_period"]
    row = httpx.get(f"{server}/api/kpis", params={"metrics": "gsv,active_clients", "compare": "yoy", "start": at,
                                                  "end": at}).json()[0]
    assert tones == [tone(get(m), row[f"{m}_yoy"]) for m in ("gsv", "active_clients")]
    assert lines == len(names)  # every tile has a trend: the simulated story has quarters before


def test_segments_two_at_once_and_size_against_growth(browser: Any, server: str) -> None:
    w = Watched(browser)
    page = w.open(f"{server}/segments?by=category&and=ai")
    wait_until(page, "document.querySelectorAll('#segment-cross .main-svg, #segment-size-growth .main-svg')"
                     ".length >= 2")
    cells = page.locator("#segment-cross details tbody tr").count()
    rows = page.locator("#segment-size-growth tbody tr").count()
    w.shot("segments-cross")
    w.close()
    assert w.problems == []
    assert cells >= rows >= 2  # every category by AI-related or not; one row per category in the size view


def test_every_table_downloads_as_csv(browser: Any, server: str) -> None:
    w = Watched(browser)
    page = w.open(f"{server}/segments?by=category")
    tables = page.locator("table").count()
    links = page.locator("a.csv")
    n_links = links.count()
    heads = page.locator("table").first.locator("th").all_inner_texts()
    shown_rows = page.locator("table").first.locator("tbody tr").count()
    with page.expect_download() as got:
        links.first.click()
    lines = list(csv.reader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8"))))
    name = got.value.suggested_filename
    guarded = page.evaluate("""[csvCell('=HYPERLINK("x")'), csvCell('@SUM(A1)'), csvCell(-5), csvCell('a,b')]""")
    w.close()
    assert guarded == ["\"'=HYPERLINK(\"\"x\"\")\"", "'@SUM(A1)", "-5", '"a,b"']  # text, never a formula
    assert w.problems == []
    assert tables >= 1 and n_links == tables
    assert lines[0] == heads and len(lines) == 1 + shown_rows
    assert name.startswith("gigsight-segments-") and name.endswith(".csv")
    assert all(c == "" or float(c) == float(c) for c in lines[1][1:3])  # numbers as computed, not "$1.2M"


def test_period_filter_changes_the_numbers(browser: Any, server: str) -> None:
    w = Watched(browser)
    page = w.open(f"{server}/")
    gsv = page.locator('[data-metric="gsv"] .value')
    before, label = gsv.inner_text(), page.locator("#f-period").input_value()
    options = page.locator("#f-period option").all_inner_texts()
    page.select_option("#f-period", options[1])
    w.settle()
    after = gsv.inner_text()
    url = page.url
    w.close()
    assert w.problems == []
    assert options[0] == label and before != after
    assert f"period={options[1]}" in url  # the view is a link


def test_segment_filter_changes_the_breakdown(browser: Any, server: str) -> None:
    w = Watched(browser)
    page = w.open(f"{server}/segments?by=ai")
    ai_rows = page.locator("#segment-gsv tbody tr").count()
    page.select_option("#f-by", "category")
    w.settle()
    cat_rows = page.locator("#segment-gsv tbody tr").count()
    first = page.locator("#segment-gsv tbody tr td").first.inner_text()
    w.close()
    assert w.problems == []
    assert ai_rows == 2 and cat_rows > 2 and first not in ("true", "false")


def test_api_docs_page_needs_no_network(browser: Any, server: str) -> None:
    w = Watched(browser)
    w.page.goto(f"{server}/docs")
    text = w.page.locator("main").inner_text()
    w.close()
    assert w.problems == []
    assert "GET /api/kpis" in text and "POST /api/classify" in text

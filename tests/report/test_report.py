"""The quarterly report: every sentence's numbers equal the computed metrics, wording follows the data on two
scenarios, the HTML loads nothing from outside, and the files are valid JSON and Markdown."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.errors import ConfigError
from gigsight.metrics.display import money
from gigsight.model.exact import plain
from gigsight.report import build_report, write
from gigsight.report.charts import figure
from gigsight.report.model import Source, _Kpis, growth_words, pct, sentences
from tests.helpers.cli import run


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("report") / "seed.duckdb"
    with gigsight.connect(str(db)) as store:
        gigsight.simulate(store, "seed-q3", scale=0.01, validate=False)
        gigsight.enrich(store)
    return db


def _check_numbers(store: Store, period: str, text: str, src: Source) -> None:
    df = gigsight.compute(src.metric, period="quarter", compare=["yoy"], con=store)
    row = df[df.period == period].iloc[0]
    assert src.value == pytest.approx(float(row[src.metric]))
    if src.growth is not None:
        assert src.growth == pytest.approx(float(row[f"{src.metric}_yoy"]))
        assert pct(src.growth) in text, (pct(src.growth), text)


def test_sentences_state_the_computed_numbers(seed: Path, tmp_path: Path) -> None:
    with gigsight.connect(str(seed)) as store:
        r = build_report(store, "2025Q3")
        first = r.sentences[0]
        assert first.text.startswith("GSV rose") and "driven by" not in first.text  # the bridge says how much
        made = re.search(r"AI-related work made (\d+)% of the change", first.text)
        assert made is not None
        bridge = {s.component: s.share for s in gigsight.growth_bridge("2025Q3", con=store)
                  if s.bridge.startswith("gsv = AI")}
        assert int(made.group(1)) == round(100 * bridge["ai_related"])
        assert money(first.sources[0].value) in first.text
        for s in r.sentences:
            for src in s.sources:
                if src.segment == "all":
                    _check_numbers(store, "2025Q3", s.text, src)
        paths = write(r, tmp_path / "out")
    page = paths["html"].read_text()
    assert _external_references(page) == []
    assert "@import" not in page and "url(" not in page.split("<script>")[0]
    assert page.count("class=\"chart\"") >= 10 and "Plotly.newPlot" in page
    data = json.loads(paths["json"].read_text(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert data["period"] == "2025Q3" and {s["key"] for s in data["sections"]} >= {"overview", "bridge", "skills"}
    md = paths["md"].read_text()
    assert md.startswith("# gigsight quarterly report: 2025Q3")
    assert "| metric | value | year over year | quarter over quarter |" in md


def test_wording_follows_the_data_on_another_scenario(tmp_path: Path) -> None:
    with gigsight.connect(str(tmp_path / "steady.duckdb")) as store:
        gigsight.simulate(store, "steady", scale=0.002, validate=False)
        first_quarter = sorted(gigsight.compute("gsv", period="quarter", con=store).period)[0]
        r = build_report(store, first_quarter)
        assert "there is no year-earlier quarter to compare" in r.sentences[0].text
        assert not any(w in r.sentences[0].text for w in (" rose ", " fell "))
        skills = next(s for s in r.sections if s.key == "skills")
        assert "Run `gigsight enrich`" in skills.text[0]  # this store was not enriched: said, not failed


class _Refs(HTMLParser):
    """Every URL an element of the page would load or link to (inline scripts' own text is code, not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href", "data", "action", "poster") and v]


def _external_references(page: str) -> list[str]:
    p = _Refs()
    p.feed(page)
    return [u for u in p.urls if re.match(r"^(?:[a-z]+:)?//", u, re.I) or u.lower().startswith(("http", "data:"))]


class _FakeKpis(_Kpis):
    def __init__(self, rows: dict[str, float | None], prev: dict[str, float | None]) -> None:
        self.period, self.prev, self.row, self.prev_row = "2025Q3", "2024Q3", rows, prev


@pytest.mark.parametrize(("g", "words"), [(0.16, "rose 16%"), (-0.08, "fell 8%"), (0.001, "was flat"),
                                          (None, None)])
def test_growth_words(g: float | None, words: str | None) -> None:
    assert growth_words(g) == words


def test_falling_flat_and_small_bases() -> None:
    k = _FakeKpis({"gsv": 5e6, "gsv_yoy": -0.1, "ai_jobs": 30, "ai_jobs_yoy": 0.5, "active_clients": 900,
                   "active_clients_yoy": 0.002, "gsv_per_active_client": 5000, "gsv_per_active_client_yoy": -0.2},
                  {"gsv": 5.5e6, "ai_jobs": 12, "active_clients": 898})
    out = [s.text for s in sentences(k, [])]
    assert out[0] == "GSV fell 10% year over year to $5.0M in 2025Q3."  # 12 AI jobs a year earlier: no claim
    assert out[1] == "Active clients was flat to 900 while GSV per active client fell 20% to $5,000."


def test_report_cli_and_bad_input(seed: Path, tmp_path: Path) -> None:
    r = run("report", "--db", str(seed), "--period", "2025Q3", "--out", str(tmp_path / "r"))
    assert r.returncode == 0 and "report.html" in r.stdout and (tmp_path / "r" / "report.md").exists()
    r = run("report", "--db", str(seed), "--period", "2025-Q3", "--out", str(tmp_path / "r"))
    assert r.returncode == 1 and "not a quarter like 2025Q3" in r.stderr
    r = run("report", "--db", str(seed), "--period", "2031Q1", "--out", str(tmp_path / "r"))
    assert r.returncode == 1 and "no data for 2031Q1" in r.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with gigsight.connect(str(seed)) as store, pytest.raises(ConfigError, match="cannot write the report"):
        write(build_report(store, "2025Q3"), blocker / "sub")


def test_embedded_chart_data_cannot_end_or_escape_its_script() -> None:
    from gigsight.report.model import Chart, Report, Section
    from gigsight.report.render import to_html

    hostile = ["<!--<script>", "</script><script>alert(1)</script>", "<span style=\"font-size:300px\">x</span>"]
    r = Report("2025Q3", "test", [], [Section("s", "S", charts=[Chart("GSV", "bar", hostile, [1.0, 2.0, 3.0])])])
    page = to_html(r)
    script = page[page.rindex("<script>") + len("<script>"):page.rindex("</script>")]
    assert "<" not in script  # every "<" of the data is \\u003c: the parser cannot leave the script early
    assert "const FIGS=" in script and "\\u003c!--\\u003cscript>" in script


def test_the_report_reads_like_a_deck(seed: Path) -> None:
    """Key figures as tiles in words and units, growth coloured by whether up is good, bridges as waterfalls from
    one period's total to the next, headings in words, tiers from the smallest up."""
    from gigsight.metrics.display import shown, tone
    from gigsight.metrics.grains import tier_labels
    from gigsight.metrics.registry import get
    from gigsight.report.render import to_html

    with gigsight.connect(str(seed)) as store:
        r = build_report(store, "2025Q3")
        kpis = gigsight.compute(["gsv", "active_clients", "ttm_gsv"], period="quarter", compare=["yoy"], con=store)
    now = kpis[kpis.period == "2025Q3"].iloc[0]
    then = kpis[kpis.period == "2024Q3"].iloc[0]
    overview = next(s for s in r.sections if s.key == "overview")
    tiles = {t.metric: t for t in overview.tiles}
    assert tiles["gsv_per_active_client"].label == "GSV per active client"
    for m in ("gsv", "active_clients"):
        assert tiles[m].shown == shown(get(m), now[m]) and tiles[m].yoy_tone == tone(get(m), now[f"{m}_yoy"])
    assert tone(get("time_to_hire"), 0.2) == "bad" and tone(get("gsv"), 0.2) == "good"  # the metric decides
    bridge = next(s for s in r.sections if s.key == "bridge")
    ttm = next(c for c in bridge.charts if c.title.startswith("Trailing-twelve-month GSV = active clients"))
    assert ttm.measure == ["absolute", "relative", "relative", "total"] and ttm.x[0] == "2024Q3"
    assert ttm.y[0] == pytest.approx(float(then.ttm_gsv)) and ttm.y[-1] == pytest.approx(float(now.ttm_gsv))
    headings = [c for s in r.sections for t in s.tables for c in t.columns]
    assert not [h for h in headings if "_" in h], "headings in words"
    tiers = next(t for t in next(s for s in r.sections if s.key == "clients").tables if "spend tier" in t.title)
    order = tier_labels(gigsight.Settings.from_env().tier_bounds)
    assert [row[0] for row in tiers.rows] == [t for t in order if t in {row[0] for row in tiers.rows}]
    page = to_html(r)
    assert page.count('class="tile"') == len(overview.tiles) and "<polyline" in page
    text = re.sub(r"<[^>]+>", " ", page[page.index("<body>"):page.index('<section id="coverage"')])
    assert "gsv_per_active_client" not in text and "ttm_gsv" not in text  # ids only where the API names are given


def test_the_dashboard_draws_the_reports_charts_from_the_same_specification(seed: Path) -> None:
    """Every chart both faces show is one specification: what /api/charts serves equals the report's figure."""
    with gigsight.connect(str(seed)) as store:
        report = {c.title: plain(figure(c)) for s in build_report(store, "2025Q3").sections for c in s.charts}
        served = [f for name in gigsight.CHARTS for f in gigsight.charts(name, "2025Q3", by="category", second="ai",
                                                                        con=store)]
        # the Clients page draws the deciles the lists come with (/api/clients/top), as of the quarter's end
        served.append(gigsight.client_lists("at-risk", at="2025-09-30", con=store)["deciles_figure"])
    shared = [f for f in served if f["layout"]["title"]["text"] in report]
    assert len(shared) >= 9  # four bridges, size against growth, category x AI, tier mix, spend retention, deciles
    for f in shared:  # the same numbers up to the order floating-point sums were added in
        assert _alike(f, report[f["layout"]["title"]["text"]]), f["layout"]["title"]["text"]


def _alike(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_alike(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_alike(x, y) for x, y in zip(a, b, strict=True))
    return a == b

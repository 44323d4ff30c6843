"""Every API route, its answers checked against plain SQL on the same file, and every error path returning the
one envelope with a 4xx (a 500 only for a genuine fault, still in the envelope)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

import gigsight
from gigsight.insights.skill_demand import trends as trends_of
from gigsight.web.app import create_app
from gigsight.web.service import MAX_JOBS, Service
from tests.helpers.engines import BACKENDS

ENVELOPE = {"status", "type", "message", "detail"}


@pytest.fixture(scope="module")
def client(web_db: Path) -> TestClient:
    return TestClient(create_app(web_db))


def _oracle(db: Path, sql: str) -> Any:
    with duckdb.connect(str(db), read_only=True) as c:
        return c.execute(sql).fetchone()


def _error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == ENVELOPE
    assert body["error"]["status"] == status and body["error"]["message"]
    return dict(body["error"])


def test_health_and_meta(client: TestClient) -> None:
    h = client.get("/api/health").json()
    assert h["status"] == "ok" and h["store"] == "duckdb" and h["data_version"]
    m = client.get("/api/meta").json()
    # the data runs to 2025-12-31: 2025Q4 is complete, the default, and not partial
    assert m["default_period"] == "2025Q4" and m["partial_period"] is None and m["periods"]["quarter"][0] == "2022Q1"
    assert {"gsv", "ai_jobs", "active_clients"} <= {x["name"] for x in m["metrics"]}


def test_kpis_match_plain_sql(client: TestClient, web_db: Path) -> None:
    rows = client.get("/api/kpis", params={"metrics": "gsv,payments", "compare": ["yoy", "qoq"],
                                           "start": "2025Q3", "end": "2025Q3"}).json()
    assert [r["period"] for r in rows] == ["2025Q3"]
    gsv, n = _oracle(web_db, "SELECT sum(amount + client_fee), count(*) FROM payments "
                             "WHERE paid_at >= '2025-07-01' AND paid_at < '2025-10-01'")
    then = _oracle(web_db, "SELECT sum(amount + client_fee) FROM payments "
                           "WHERE paid_at >= '2024-07-01' AND paid_at < '2024-10-01'")[0]
    assert rows[0]["gsv"] == pytest.approx(float(gsv), abs=0.005) and rows[0]["payments"] == n
    assert rows[0]["gsv_yoy"] == pytest.approx(float(gsv) / float(then) - 1, abs=1e-9)
    assert set(rows[0]) == {"period", "gsv", "payments", "gsv_yoy", "payments_yoy", "gsv_qoq", "payments_qoq"}


def test_kpis_by_segment_add_up(client: TestClient) -> None:
    total = client.get("/api/kpis", params={"metrics": "gsv", "start": "2025Q2", "end": "2025Q2"}).json()
    split = client.get("/api/kpis", params={"metrics": "gsv", "by": "ai", "start": "2025Q2", "end": "2025Q2"}).json()
    assert sorted(r["ai"] for r in split) == [False, True]
    assert sum(r["gsv"] for r in split) == pytest.approx(total[0]["gsv"], abs=0.01)


def test_growth_drivers_skills_clients(client: TestClient, web_db: Path) -> None:
    bridge = client.get("/api/growth", params={"period": "2025Q3"}).json()
    ttm = [s for s in bridge if s["bridge"].startswith("ttm_gsv")]
    assert len(ttm) == 2 and sum(s["share"] for s in ttm) == pytest.approx(1.0)
    drivers = client.get("/api/drivers", params={"from": "2024Q3", "to": "2025Q3", "by": "ai"}).json()
    assert {d["segment"] for d in drivers} == {"True", "False"}
    gsv = client.get("/api/kpis", params={"metrics": "gsv", "start": "2024Q3", "end": "2025Q3"}).json()
    assert sum(d["change"] for d in drivers) == pytest.approx(gsv[-1]["gsv"] - gsv[0]["gsv"], abs=0.01)
    trends = client.get("/api/skills/trends", params={"at": "2025Q3", "top": 5, "ai_only": True}).json()
    assert len(trends) == 5 and all(t["is_ai"] for t in trends) and [t["rank"] for t in trends] == [1, 2, 3, 4, 5]
    with gigsight.connect(f"duckdb://{web_db}", read_only=True) as store:
        direct = trends_of(store, at="2025Q3", ai_only=True, top=5)
    assert [t["skill"] for t in trends] == list(direct.skill)
    assert client.get("/api/skills/promote", params={"top": 3}).json()[0]["reasons"]
    assert {e["trend"] for e in client.get("/api/skills/emerging").json()} <= {"emerging", "declining", "steady"}
    tiers = client.get("/api/clients/tiers", params={"at": "2025Q3"}).json()
    active = client.get("/api/kpis", params={"metrics": "active_clients", "start": "2025Q3", "end": "2025Q3"}).json()
    assert sum(t["clients_by_tier"] for t in tiers) == active[0]["active_clients"]
    cohorts = client.get("/api/clients/cohorts").json()
    assert all(c["logo_retention"] == 1.0 for c in cohorts if c["age"] == 0)


def test_learn_for_a_real_freelancer(client: TestClient, web_db: Path) -> None:
    fid = _oracle(web_db, "SELECT freelancer_id FROM freelancer_canonical_skills GROUP BY 1 "
                          "ORDER BY count(*) DESC, 1 LIMIT 1")[0]
    rows = client.get("/api/skills/learn", params={"freelancer_id": fid, "at": "2025Q3"})
    assert rows.status_code == 200 and all(r["reasons"] for r in rows.json())


def test_classify_posted_text(client: TestClient) -> None:
    r = client.post("/api/classify", json={"jobs": [
        {"title": "Build a RAG chatbot with LangChain", "description": "Use the OpenAI API."},
        {"title": "Logo design for a bakery", "tags": "Logo Design|Illustrator"},
        {"title": "React landing page", "description": "We use Copilot, but no AI features are needed."}]})
    out = r.json()
    assert r.status_code == 200 and [o["is_ai"] for o in out] == [True, False, False]
    assert out[0]["ai_kind"] == "llm_apps" and "LangChain" in out[0]["skills"] and out[0]["reason"]
    assert out[1]["category"] == "Design & Creative"


def test_segment_growth_is_the_library_answer(client: TestClient, web_db: Path) -> None:
    rows = client.get("/api/segments/growth", params={"period": "2025Q3", "by": "ai"}).json()
    with gigsight.connect(str(web_db), read_only=True) as store:
        want = gigsight.segment_growth("2025Q3", "ai", con=store)
    assert [r["segment"] for r in rows] == list(want.segment)
    assert [r["gsv"] for r in rows] == pytest.approx([float(v) for v in want.gsv])
    assert all(r["growth_low"] <= r["growth"] <= r["growth_high"] for r in rows)


BAD_GETS = [
    ("/api/kpis", {"metrics": "gvs"}, 400, "did you mean 'gsv'"),
    ("/api/kpis", {"metrics": "active_clients", "by": "category"}, 400, "no metric asked can be split by category"),
    ("/api/kpis", {"by": "weekday"}, 422, "query.by"),
    ("/api/kpis", {"period": "week"}, 422, "query.period"),
    ("/api/kpis", {"start": "1999Q1"}, 400, "outside the data"),
    ("/api/kpis", {"end": "2031Q1"}, 400, "outside the data"),
    ("/api/kpis", {"start": "2025Q5"}, 422, "query.start"),
    ("/api/kpis", {"start": "2025-07"}, 400, "2025-07"),
    ("/api/kpis", {"metrics": "gsv; DROP TABLE payments"}, 400, "unknown metric"),
    ("/api/kpis", {"metrics": "x" * 401}, 422, "query.metrics"),
    ("/api/growth", {}, 422, "query.period"),
    ("/api/growth", {"period": "1999Q1"}, 400, ""),
    ("/api/growth", {"period": "2025Q3", "compare": "mom"}, 422, "query.compare"),
    ("/api/drivers", {"from": "2025Q3", "to": "2024Q3"}, 400, "must come before"),
    ("/api/drivers", {"from": "2024Q3", "to": "2025-09"}, 400, "different lengths"),
    ("/api/drivers", {"from": "2024Q3", "to": "2025Q3", "metric": "active_clients"}, 422, "query.metric"),
    ("/api/segments/growth", {"period": "2025Q3", "by": "tier"}, 422, "query.by"),
    ("/api/segments/growth", {"period": "2031Q1"}, 400, "no payments in 2031Q1"),
    ("/api/segments/growth", {}, 422, "query.period"),
    ("/api/skills/trends", {"top": 0}, 422, "query.top"),
    ("/api/skills/trends", {"top": 10**6}, 422, "query.top"),
    ("/api/skills/trends", {"at": "1999Q1"}, 400, ""),
    ("/api/skills/trends", {"ai_only": "maybe"}, 422, "query.ai_only"),
    ("/api/skills/learn", {"freelancer_id": "' OR 1=1 --"}, 400, "no freelancer"),
    ("/api/skills/learn", {}, 422, "query.freelancer_id"),
    ("/api/skills/learn", {"freelancer_id": "f\x00x"}, 400, "no freelancer"),  # found by the fuzzer: was a 500
    ("/api/clients/tiers", {"at": "2030Q1"}, 400, "outside the data"),
    ("/api/clients/cohorts", {"period": "decade"}, 422, "query.period"),
    ("/api/nope", {}, 404, "Not Found"),
    ("/api/classify", {}, 405, "Method Not Allowed"),
]


@pytest.mark.parametrize(("path", "params", "status", "says"), BAD_GETS,
                         ids=[f"{p}-{json.dumps(q)[:40]}" for p, q, *_ in BAD_GETS])
def test_bad_requests_get_the_envelope(client: TestClient, web_db: Path, path: str, params: dict[str, Any],
                                       status: int, says: str) -> None:
    err = _error(client.get(path, params=params), status)
    assert says in err["message"]
    assert _oracle(web_db, "SELECT count(*) FROM payments")[0] > 0  # hostile text changed nothing


BAD_POSTS = [
    ({"jobs": []}, 422, "body.jobs"),
    ({"jobs": [{"title": "ok"}] * (MAX_JOBS + 1)}, 422, "body.jobs"),
    ({"jobs": [{"title": "t" * 501}]}, 422, "body.jobs.0.title"),
    ({"jobs": [{"description": "no title"}]}, 422, "body.jobs.0.title"),
    ({"jobs": [{"title": 5}]}, 422, "body.jobs.0.title"),
    ({"jobs": "not a list"}, 422, "body.jobs"),
]


@pytest.mark.parametrize(("body", "status", "says"), BAD_POSTS, ids=[s for *_, s in BAD_POSTS])
def test_bad_classify_bodies_get_the_envelope(client: TestClient, body: Any, status: int, says: str) -> None:
    assert says in _error(client.post("/api/classify", json=body), status)["message"]


def test_malformed_and_oversized_bodies(client: TestClient) -> None:
    _error(client.post("/api/classify", content=b"{not json", headers={"content-type": "application/json"}), 422)
    big = json.dumps({"jobs": [{"title": "x", "description": "y" * 3_000_000}]})
    assert "2 MB" in _error(client.post("/api/classify", content=big,
                                        headers={"content-type": "application/json"}), 413)["message"]


def test_an_unexpected_fault_is_a_500_in_the_envelope(web_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = Service(web_db)

    def broken(*a: Any, **k: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(svc, "meta", broken)
    c = TestClient(create_app(web_db, service=svc), raise_server_exceptions=False)
    err = _error(c.get("/api/meta"), 500)
    assert err["type"] == "internal_error" and "boom" not in err["message"]  # no internals leak to the client
    svc.close()


def test_cache_answers_once_per_data_version(tmp_path: Path, web_db: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(web_db.read_bytes())
    svc = Service(db)
    q = {"metrics": ["gsv"], "period": "quarter", "start": "2025Q3", "end": "2025Q3"}
    first = svc.kpis(**q)
    assert (svc.hits, svc.misses) == (0, 1)
    assert svc.kpis(**q) == first and (svc.hits, svc.misses) == (1, 1)
    st = db.stat()
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # what a new ingest does to the file
    assert svc.kpis(**q) == first and (svc.hits, svc.misses) == (1, 2)
    svc.close()


def test_a_slow_question_does_not_hold_up_unrelated_ones(web_db: Path) -> None:
    """Issue 18: 40 distinct skill-trend requests made an unrelated request wait 17.7 s behind one lock."""
    svc = Service(web_db, lanes=2)
    release, started = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        assert release.wait(60)
        return "slow"

    blocked = threading.Thread(target=svc.cached, args=(("slow",), slow))
    blocked.start()
    assert started.wait(30)
    got: list[bytes] = []
    answered = threading.Thread(target=lambda: got.append(svc.answer(svc.meta)))
    answered.start()
    answered.join(30)  # on the other connection, while the slow one still holds its own
    done = not answered.is_alive() and len(got) == 1 and b"default_period" in got[0]
    release.set()
    blocked.join(30)
    answered.join(30)
    svc.close()
    assert done


def test_a_flood_of_one_kind_of_question_waits_its_turn(web_db: Path) -> None:
    """With every connection busy, a freed one goes to the kind of question served longest ago."""
    svc = Service(web_db, lanes=1)
    order: list[str] = []

    def make(name: str) -> str:
        order.append(name)
        time.sleep(0.3)
        return name

    flood = [threading.Thread(target=svc.cached, args=(("trends", i), lambda i=i: make(f"trends{i}")))
             for i in range(4)]
    for t in flood:
        t.start()
        time.sleep(0.02)
    time.sleep(0.1)
    other = threading.Thread(target=svc.cached, args=(("kpis",), lambda: make("kpis")))
    other.start()
    for t in [*flood, other]:
        t.join(30)
    svc.close()
    assert order.index("kpis") == 1, order  # after the one running, before the three waiting


def test_one_question_asked_at_once_is_computed_once(web_db: Path) -> None:
    svc = Service(web_db, lanes=3)
    calls, release = [], threading.Event()

    def make() -> int:
        calls.append(1)
        release.wait(5)
        return 42

    threads = [threading.Thread(target=svc.cached, args=(("same",), make)) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    release.set()
    for t in threads:
        t.join(30)
    assert svc.cached(("same",), make) == 42 and len(calls) == 1
    svc.close()


def test_the_store_is_opened_read_only(web_db: Path) -> None:
    svc = Service(web_db)
    with pytest.raises(Exception, match="read-only"):
        svc.store.con.raw_sql("CREATE TABLE intruder (x INT)")
    svc.close()


def test_pages_and_assets_are_served_locally(client: TestClient) -> None:
    for path in ("/", "/growth", "/segments", "/skills", "/clients", "/docs"):
        r = client.get(path)
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
        assert "http://" not in r.text.replace("http://127.0.0.1", "") and "https://" not in r.text
    assert client.get("/static/plotly.min.js").text.startswith("/**\n* plotly.js")
    assert client.get("/static/dashboard.js").status_code == 200
    _error(client.get("/static/../../etc/passwd"), 404)


def test_warm_up_answers_the_overview_before_anyone_asks(web_db: Path) -> None:
    svc = Service(web_db)
    svc.warm()
    misses = svc.misses
    c = TestClient(create_app(web_db, service=svc))
    meta = c.get("/api/meta").json()
    row = c.get("/api/kpis", params={"metrics": ",".join(meta["headline"]), "period": "quarter",
                                     "compare": ["yoy", "qoq"], "end": meta["default_period"]}).json()[-1]
    assert svc.misses == misses  # both were cache hits
    assert set(meta["headline"]) <= set(row) and row["period"] == meta["default_period"]
    svc.close()


# the web service serves a DuckDB file or a Postgres URL; a Spark session is not a URL it can open
@pytest.mark.backend
@pytest.mark.parametrize("store", [b for b in BACKENDS if b != "spark"], indirect=True)
def test_the_service_on_every_sql_store(store: Any, tmp_path: Path) -> None:
    """The same questions over a Postgres URL (row counts as the data version) as over a DuckDB file."""
    from gigsight.ingest.pipeline import ingest
    from tests.helpers.files import write_records

    ingest(store, write_records(tmp_path))
    url = store.url
    store.close()  # the service opens its own connections (read-only ones on a DuckDB file)
    svc = Service(url)
    rows = svc.kpis(["gsv", "active_clients"], period="quarter", start="2025Q3", end="2025Q3")
    assert rows == [{"period": "2025Q3", "gsv": -50.0, "active_clients": 2}]  # the refund alone; c2 and c5
    version = svc.data_version()
    assert svc.data_version(refresh=False) == version and svc.kpis(["gsv", "active_clients"], period="quarter",
                                                                   start="2025Q3", end="2025Q3") == rows
    assert svc.hits == 1
    svc.close()

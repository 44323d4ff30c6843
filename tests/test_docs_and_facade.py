"""Documentation is generated from the code and complete; the facade exports what it says."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

import gigsight
from gigsight.config import DOCS, Settings
from gigsight.metrics.docs import metrics_markdown
from gigsight.model.docs import schema_markdown
from gigsight.model.schema import SCHEMA

ROOT = Path(__file__).resolve().parents[1]


def test_schema_doc_is_current() -> None:
    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == schema_markdown(), \
        "docs/schema.md is stale: run `gigsight docs`"


def test_metrics_doc_is_current_and_complete() -> None:
    from gigsight.metrics import REGISTRY

    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert text == metrics_markdown(), "docs/metrics.md is stale: run `gigsight docs`"
    assert all(f"| {name} |" in text and m.description for name, m in REGISTRY.items())


def test_every_column_and_setting_is_documented() -> None:
    assert all(c.doc for t in SCHEMA.values() for c in t.columns)
    assert {f.name for f in fields(Settings)} == set(DOCS)


def test_public_facade() -> None:
    for name in gigsight.__all__:
        assert hasattr(gigsight, name), name
    assert {"connect", "ingest", "export", "info", "demo", "compute"} <= set(gigsight.__all__)
    assert issubclass(gigsight.DataValidationError, ValueError)
    assert issubclass(gigsight.DataValidationError, gigsight.GigsightError)


def test_a_verb_given_a_url_opens_one_connection_and_closes_it(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: internals given a URL opened a fresh connection per lookup and never closed it (check-claims
    failed outright once internals refused URLs); now the facade opens the store once per verb and closes it."""
    from gigsight.backends.engines import DuckDBStore

    db = tmp_path / "s.duckdb"
    gigsight.simulate(str(db), "seed-q3", scale=0.002, validate=False)
    opened: list[DuckDBStore] = []
    real_open, real_close = DuckDBStore.open.__func__, DuckDBStore.close  # type: ignore[attr-defined]
    closed: list[DuckDBStore] = []
    monkeypatch.setattr(DuckDBStore, "open", classmethod(lambda cls, *a, **k: opened.append(
        real_open(cls, *a, **k)) or opened[-1]))
    monkeypatch.setattr(DuckDBStore, "close", lambda self: closed.append(self) or real_close(self))
    url = f"duckdb://{db}"
    verbs = [lambda: gigsight.check_claims(Path(__file__).parents[1] / "examples" / "seed_claims.yaml", con=url),
             lambda: gigsight.segment_growth("2025Q3", "ai", con=url), lambda: gigsight.compute("gsv", con=url),
             lambda: gigsight.growth_bridge("2025Q3", con=url), lambda: gigsight.coverage(con=url)]
    for verb in verbs:
        opened.clear()
        closed.clear()
        verb()
        assert len(opened) == 1 and closed == opened


def test_internals_refuse_a_url() -> None:
    from gigsight.backends import ibis_of

    with pytest.raises(gigsight.ConfigError, match="open store"):
        ibis_of("duckdb://:memory:")

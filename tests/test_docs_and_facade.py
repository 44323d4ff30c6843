"""Documentation is generated from the code and complete; the facade exports what it says."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

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

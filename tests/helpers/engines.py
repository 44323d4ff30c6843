"""The engines the suite runs on: GIGSIGHT_TEST_BACKENDS (``./run test`` sets duckdb,postgres,spark)."""

from __future__ import annotations

import os

BACKENDS = [b.strip() for b in os.environ.get("GIGSIGHT_TEST_BACKENDS", "duckdb").split(",") if b.strip()]

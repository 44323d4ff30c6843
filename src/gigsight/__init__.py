"""gigsight: growth intelligence for freelance and talent marketplaces.

The facade: every verb the CLI, the web app, the report and notebooks use, and the only door they use. A verb takes
``con``: an open :class:`Store` (used and left open), a URL (opened for the call and closed after it) or None
for the configured default.

>>> import gigsight
>>> store = gigsight.connect("duckdb://:memory:")
>>> gigsight.info(store)["tables"][0]["rows"]
0
"""

from __future__ import annotations

from gigsight.backends.base import Store
from gigsight.backends.shared import Shared
from gigsight.config import Settings
from gigsight.errors import BackendError, ConfigError, DataValidationError, GigsightError, Issue, SourceError
from gigsight.facade.analytics import (
    catalog,
    check_claims,
    cohorts,
    compute,
    coverage,
    explain_change,
    growth_bridge,
    report,
    segment_growth,
)
from gigsight.facade.charts import CHARTS, charts
from gigsight.facade.clients import client_backtest, client_history, client_lists, client_summary, client_value
from gigsight.facade.data import (
    DEMO_SCALE,
    check_targets,
    demo,
    enrich,
    export,
    info,
    ingest,
    reference,
    refresh,
    scenarios,
    simulate,
)
from gigsight.facade.opening import StoreLike, connect
from gigsight.facade.skills import (
    classify_file,
    classify_jobs,
    emerging_skills,
    skill_pairs,
    skill_supply,
    skill_trends,
    skills_to_learn,
    skills_to_promote,
)
from gigsight.ingest.mapping import Mapping
from gigsight.ingest.pipeline import IngestResult
from gigsight.metrics.display import readable
from gigsight.model.exact import plain, to_json
from gigsight.progress import Progress

__version__ = "0.1.0"
__all__ = [
    "CHARTS", "DEMO_SCALE", "BackendError", "ConfigError", "DataValidationError", "GigsightError", "IngestResult",
    "Issue", "Mapping", "Progress", "Settings", "Shared", "SourceError", "Store", "StoreLike", "catalog", "charts",
    "check_claims", "check_targets", "classify_file", "classify_jobs", "client_backtest", "client_history",
    "client_lists", "client_summary", "client_value", "cohorts", "compute", "connect", "coverage", "demo",
    "emerging_skills", "enrich", "explain_change", "export", "growth_bridge", "info", "ingest", "plain", "readable",
    "reference", "refresh", "report", "scenarios", "segment_growth", "simulate", "skill_pairs", "skill_supply",
    "skill_trends", "skills_to_learn", "skills_to_promote", "to_json",
]

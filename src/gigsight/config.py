"""Settings, each with its meaning and default in one place (a test checks they are all documented).

Values come from keyword arguments or ``GIGSIGHT_<NAME>`` environment variables.

>>> s = Settings()
>>> s.db_url, s.base_currency, s.tier_bounds[:2]
('duckdb://gigsight.duckdb', 'USD', (1000, 5000))
>>> Settings.from_env({"GIGSIGHT_BASE_CURRENCY": "eur"}).base_currency
'EUR'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from gigsight.errors import ConfigError
from gigsight.model.currencies import ISO_4217

DOCS: dict[str, str] = {
    "db_url": "Store URL: duckdb:///abs/path.duckdb or duckdb://relative.duckdb (default gigsight.duckdb in the "
              "working "
              "directory), "
              "postgres://user:pass@host:port/db, or pyspark://local.",
    "base_currency": "ISO 4217 code every amount is converted to on ingest (needs a rates file for others).",
    "fiscal_year_start_month": "First month of the fiscal year (1 = calendar years).",
    "ttm_months": "Trailing window, in months, for active clients and freelancers.",
    "tier_bounds": "Client tier lower bounds on trailing-12-month spend, in the base currency.",
    "core_client_lifetime_spend": "Lifetime spend that makes a client a core client.",
    "new_client_window_days": "Days of spend counted for GSV per new client.",
    "batch_rows": "Rows per ingestion batch: bounds memory while streaming big files.",
    "ingest_memory_limit": "Memory the ingestion engine (DuckDB) may use before it spills staged rows to disk.",
    "compute_memory_limit": "Memory a DuckDB store may use while computing metrics before intermediates spill.",
}


@dataclass(frozen=True)
class Settings:
    db_url: str = "duckdb://gigsight.duckdb"
    base_currency: str = "USD"
    fiscal_year_start_month: int = 1
    ttm_months: int = 12
    tier_bounds: tuple[int, ...] = (1_000, 5_000, 10_000, 50_000, 100_000)
    core_client_lifetime_spend: int = 5_000
    new_client_window_days: int = 90
    batch_rows: int = 1_000_000
    ingest_memory_limit: str = "1GB"
    compute_memory_limit: str = "3GB"

    def __post_init__(self) -> None:
        if self.base_currency.upper() not in ISO_4217:
            raise ConfigError(f"base_currency {self.base_currency!r} is not an ISO 4217 code (e.g. USD, EUR)")
        object.__setattr__(self, "base_currency", self.base_currency.upper())
        if not 1 <= self.fiscal_year_start_month <= 12:
            raise ConfigError(f"fiscal_year_start_month must be 1-12, got {self.fiscal_year_start_month}")
        if not 1 <= self.ttm_months <= 120:
            raise ConfigError(f"ttm_months must be 1-120, got {self.ttm_months}")
        if list(self.tier_bounds) != sorted(set(self.tier_bounds)) or any(b <= 0 for b in self.tier_bounds):
            raise ConfigError(f"tier_bounds must be increasing positive numbers, got {self.tier_bounds}")
        if not 1 <= self.new_client_window_days <= 3660:
            raise ConfigError(f"new_client_window_days must be 1-3660, got {self.new_client_window_days}")
        if not 1_000 <= self.batch_rows <= 50_000_000:
            raise ConfigError(f"batch_rows must be 1,000-50,000,000, got {self.batch_rows}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ``GIGSIGHT_*`` variables, then keyword overrides."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"GIGSIGHT_{f.name.upper()}")
            if raw is None:
                continue
            try:
                if f.name == "tier_bounds":
                    values[f.name] = tuple(int(x) for x in raw.split(","))
                elif f.type in ("int", int):
                    values[f.name] = int(raw)
                else:
                    values[f.name] = raw
            except ValueError as exc:
                raise ConfigError(f"GIGSIGHT_{f.name.upper()}={raw!r}: {exc}") from None
        return replace(cls(), **{**values, **overrides})  # type: ignore[arg-type]

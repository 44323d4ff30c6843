"""Column mappings as data: a small YAML file maps an export's names and values to the canonical model.

Without a mapping, source columns match canonical names ignoring case, spaces and punctuation.

>>> m = Mapping.from_dict({"money_locale": "de", "tables": {"payments": {
...     "file": "transactions", "columns": {"payment_id": "Txn ID"},
...     "values": {"kind": {"Fixed Price": "milestone"}}}}})
>>> m.money_locale, m.file_for("payments")
('de', 'transactions')
>>> m.resolve("clients", ["Client ID", "Signup At", "Extra"], "clients.csv")
({'client_id': 'Client ID', 'signup_at': 'Signup At'}, ['Extra'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gigsight.errors import ConfigError, SourceError, did_you_mean
from gigsight.model.schema import SCHEMA

LOCALES = ("en", "de")
SHIPPED = Path(__file__).parent / "mappings"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class TableMapping:
    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical column -> source value -> canonical


@dataclass(frozen=True)
class Mapping:
    name: str = "canonical"
    money_locale: str = "en"
    timestamp_formats: tuple[str, ...] = ()
    delimiter: str | None = None
    tables: dict[str, TableMapping] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Mapping:
        """Load a mapping file, or a shipped mapping by name (e.g. ``marketplace_admin_export``)."""
        p = Path(path)
        if not p.exists() and (SHIPPED / f"{path}.yaml").exists():
            p = SHIPPED / f"{path}.yaml"
        if not p.exists():
            shipped = [f.stem for f in SHIPPED.glob("*.yaml")]
            raise ConfigError(f"mapping {str(path)!r} not found (a YAML path, or one of: {', '.join(shipped)})")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{p}: invalid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{p}: a mapping file must be a YAML mapping with a 'tables' key")
        return cls.from_dict(data, str(p))

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "mapping") -> Mapping:
        unknown = set(data) - {"name", "description", "money_locale", "timestamp_formats", "delimiter", "tables"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        locale = str(data.get("money_locale", "en"))
        if locale not in LOCALES:
            raise ConfigError(f"{where}: money_locale {locale!r} must be one of {', '.join(LOCALES)}")
        tables: dict[str, TableMapping] = {}
        for tname, spec in (data.get("tables") or {}).items():
            if tname not in SCHEMA:
                raise ConfigError(f"{where}: {did_you_mean(tname, SCHEMA, 'table')}")
            spec = spec or {}
            cols = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
            for c in [*cols, *(spec.get("values") or {})]:
                if c not in SCHEMA[tname].names:
                    raise ConfigError(f"{where}: tables.{tname}: {did_you_mean(c, SCHEMA[tname].names, 'column')}")
            values = {str(c): {str(k): str(v) for k, v in m.items()} for c, m in (spec.get("values") or {}).items()}
            tables[tname] = TableMapping(spec.get("file"), cols, values)
        delim = data.get("delimiter")
        if delim is not None and (not isinstance(delim, str) or len(delim) != 1):
            raise ConfigError(f"{where}: delimiter must be one character, got {delim!r}")
        return cls(str(data.get("name", where)), locale, tuple(data.get("timestamp_formats") or ()), delim, tables)

    def table(self, name: str) -> TableMapping:
        return self.tables.get(name, TableMapping())

    def file_for(self, table: str) -> str:
        return self.table(table).file or table

    def resolve(self, table: str, source_columns: list[str], source: str) -> tuple[dict[str, str], list[str]]:
        """Canonical -> source column for ``table``, plus the source columns nobody uses.

        Raises SourceError naming every missing required column, with the closest source names.
        """
        explicit = self.table(table).columns
        by_norm = {_norm(c): c for c in source_columns}
        found: dict[str, str] = {}
        for col in SCHEMA[table].columns:
            wanted = explicit.get(col.name)
            if wanted is not None and wanted in source_columns:
                found[col.name] = wanted
            elif wanted is None and _norm(col.name) in by_norm:
                found[col.name] = by_norm[_norm(col.name)]
        missing = [c.name for c in SCHEMA[table].columns if c.required and c.name not in found]
        if missing:
            hints = []
            for m in missing:
                want = explicit.get(m, m)
                hints.append(did_you_mean(want, source_columns, f"column for {table}.{m}").replace("unknown ", ""))
            raise SourceError(f"{source}: missing required column(s) {', '.join(missing)}: " + "; ".join(hints))
        used = set(found.values())
        return found, [c for c in source_columns if c not in used]

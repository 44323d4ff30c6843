"""One ingest run: plan sources, stage and validate every batch, cross-check, then land all at once.

Valid rows of every table land in one transaction with the rejects of the run (one row per problem,
the raw record kept as JSON); nothing is half-written. ``read = loaded + rejected`` for every source.

>>> import tempfile, pathlib
>>> from gigsight.backends import connect
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "clients.csv").write_text("client_id,signup_at\\nc1,2024-01-02\\nc1,2024-01-03\\n,2024-01-04\\n")
>>> result = ingest(connect("duckdb://:memory:"), d)
>>> [(s.table, s.read, s.loaded, s.rejected) for s in result.sources]
[('clients', 3, 1, 2)]
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from gigsight.backends.base import Store, duckdb_settings
from gigsight.config import Settings
from gigsight.errors import DataValidationError, GigsightError, Issue, SourceError
from gigsight.ingest.crosscheck import check_run, staged
from gigsight.ingest.mapping import Mapping
from gigsight.ingest.parse import ISSUE_TYPE, ParseOptions, batch_sql, ident
from gigsight.ingest.rates import load_rates
from gigsight.ingest.readers import ROW, Source
from gigsight.ingest.sources import plan_sources
from gigsight.model.schema import SCHEMA
from gigsight.progress import Progress, task

SCAN_CHUNK = 65_536
SHOWN_ISSUES = 1000  # issues carried in a strict-mode error; all of them are counted


@dataclass
class SourceSummary:
    table: str
    source: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.inserted + self.updated

    @property
    def reconciled(self) -> bool:
        return self.read == self.loaded + self.rejected


@dataclass
class IngestResult:
    ingest_id: str
    sources: list[SourceSummary]
    issues: list[Issue]  # the first SHOWN_ISSUES problems, for display; the rejects table has all

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.sources)

    @property
    def loaded(self) -> int:
        return sum(s.loaded for s in self.sources)

    def to_dict(self) -> dict[str, object]:
        return {"ingest_id": self.ingest_id, "loaded": self.loaded, "rejected": self.rejected,
                "sources": [{"table": s.table, "source": s.source, "read": s.read, "inserted": s.inserted,
                             "updated": s.updated, "rejected": s.rejected, "warnings": s.warnings}
                            for s in self.sources],
                "issues": [i.__dict__ for i in self.issues[:100]]}


def ingest(store: Store, path: str | Path | None = None, *, table: str | None = None,
           source_url: str | None = None, mapping: Mapping | str | Path | None = None,
           rates: str | Path | None = None, strict: bool = False, settings: Settings | None = None,
           progress: Progress | None = None) -> IngestResult:
    """Load a directory of table files, one file (``table=``), or a Postgres database (``source_url``)."""
    settings = settings or Settings.from_env()
    mapping = mapping if isinstance(mapping, Mapping) else Mapping.load(mapping) if mapping else Mapping()
    planned = plan_sources(path, table, source_url, mapping, settings.base_currency)
    opt = ParseOptions(mapping.money_locale, mapping.timestamp_formats,
                       tuple((c, tuple(m.items())) for tm in mapping.tables.values() for c, m in tm.values.items()),
                       settings.base_currency, datetime.now(UTC).replace(tzinfo=None))
    with store.atomically():
        stage = store.stage()
        try:
            # Rows carry their own numbers, so insertion order is not needed (and keeping it costs memory).
            with duckdb_settings(stage, memory_limit=settings.ingest_memory_limit, preserve_insertion_order=False):
                return _run(store, stage, planned, mapping, opt, settings, rates, strict, progress)
        except duckdb.Error as exc:
            raise GigsightError(f"ingestion failed inside the staging engine: {exc}") from exc
        finally:
            for t in SCHEMA:
                stage.execute(f"DROP TABLE IF EXISTS {staged(t)}")
            stage.execute("DROP TABLE IF EXISTS run_rejects")
            stage.close()


def _run(store: Store, stage: duckdb.DuckDBPyConnection, planned: list[tuple[str, Source]], mapping: Mapping,
         opt: ParseOptions, settings: Settings, rates: str | Path | None, strict: bool,
         progress: Progress | None) -> IngestResult:
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    stage.register("fx_arrow", load_rates(rates, settings.base_currency))
    stage.execute("CREATE OR REPLACE TEMP TABLE fx AS SELECT currency AS fx_currency, rate FROM fx_arrow")
    summaries: list[SourceSummary] = []
    structural: list[Issue] = []
    for tname, source in planned:
        summary, found_issues = _stage_source(stage, tname, source, mapping, opt, settings, progress)
        summaries.append(summary)
        structural += found_issues
    tables = [s.table for s in summaries]
    for warning in check_run(stage, tables, lambda t, cols: store.expose(stage, t, cols)):
        next(s for s in summaries if s.table == "payments").warnings.append(warning)
    _make_rejects(stage, run_id, tables, structural)
    issues = _issues(stage)
    _count_rejects(stage, summaries, structural)
    if strict and any(s.rejected for s in summaries):
        total = sum(s.rejected for s in summaries)
        raise DataValidationError(issues, source=f"this input ({total} rejected row(s); --strict: nothing was loaded)")
    plan = [(t, f"(SELECT * FROM {staged(t)} WHERE len(_issues) = 0)") for t in tables]
    written = store.write(stage, plan, "run_rejects", [s.source for s in summaries])
    for s in summaries:
        s.inserted, s.updated = written[s.table].inserted, written[s.table].updated
    return IngestResult(run_id, summaries, issues)


def _stage_source(stage: duckdb.DuckDBPyConnection, tname: str, source: Source, mapping: Mapping,
                  opt: ParseOptions, settings: Settings,
                  progress: Progress | None) -> tuple[SourceSummary, list[Issue]]:
    found, unknown = mapping.resolve(tname, source.columns, source.label)
    summary = SourceSummary(tname, source.label)
    if unknown:
        summary.warnings.append(f"{source.label}: ignored column(s) not in the {tname} schema: {', '.join(unknown)}")
    t = SCHEMA[tname]
    cols = ", ".join(f"{ident(c.name)} {c.sql_type}" for c in t.columns)
    stage.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staged(tname)} ({cols}, _row BIGINT, _issues {ISSUE_TYPE}, "
                  f"_record VARCHAR, _source VARCHAR)")
    issues: list[Issue] = []
    direct = source.duckdb_relation()
    if direct is not None and source.columns and ROW not in source.columns:
        schema = stage.sql(f"SELECT * FROM {direct} LIMIT 0")
        types = {n: _arrow_name(t) for n, t in zip(schema.columns, schema.types, strict=True)}
        stage.execute(f"INSERT INTO {staged(tname)} SELECT *, ? AS _source FROM "
                      f"({batch_sql(t, found, types, opt, direct, 'fx')})", [source.label])
        row = stage.sql(f"SELECT count(*) FROM {staged(tname)} WHERE _source = ?", params=[source.label]).fetchone()
        summary.read = int(row[0]) if row else 0
        task(progress, source.label, source.size, "bytes")(source.size)
        return summary, issues
    read = 0
    for batch in source.batches(settings.batch_rows, task(progress, source.label, source.size, "bytes")):
        if batch.restart:
            stage.execute(f"DELETE FROM {staged(tname)} WHERE _source = ?", [source.label])
            issues, read = [], 0
            continue
        issues += [Issue(tname, i.row, i.column, i.value, i.rule, i.message, source.label) for i in batch.issues]
        read += batch.table.num_rows + len(batch.issues)
        if batch.table.num_rows == 0:
            continue
        types = {n: str(batch.table.schema.field(n).type) for n in batch.table.column_names}
        # DuckDB scans an Arrow table in parallel per chunk: one big chunk would use one core.
        stage.register("batch", pa.Table.from_batches(batch.table.to_batches(max_chunksize=SCAN_CHUNK)))
        try:
            stage.execute(f"INSERT INTO {staged(tname)} SELECT *, ? AS _source FROM "
                          f"({batch_sql(t, found, types, opt, 'batch', 'fx')})", [source.label])
        finally:
            stage.unregister("batch")
    summary.read = read
    return summary, issues


def _make_rejects(stage: duckdb.DuckDBPyConnection, run_id: str, tables: list[str], structural: list[Issue]) -> None:
    parts = []
    for t in dict.fromkeys(tables):
        record = ", ".join(f"'{c}': {ident(c)}" for c in SCHEMA[t].names)
        parts.append(f"SELECT '{t}' AS table_name, _source AS source, _row AS row_number, i.column_name, i.value, "
                     f"i.rule, i.message, COALESCE(_record, CAST(to_json({{{record}}}) AS VARCHAR)) AS record "
                     f"FROM (SELECT *, unnest(_issues) AS i FROM {staged(t)} WHERE len(_issues) > 0)")
    extra = pa.table({
        "table_name": [i.table for i in structural], "source": [i.source for i in structural],
        "row_number": pa.array([i.row for i in structural], pa.int64()),
        "column_name": [i.column for i in structural], "value": [i.value for i in structural],
        "rule": [i.rule for i in structural], "message": [i.message for i in structural],
        "record": [json.dumps({"raw": i.value}) for i in structural]}, schema=pa.schema(
        [(n, pa.int64() if n == "row_number" else pa.string()) for n in
         ("table_name", "source", "row_number", "column_name", "value", "rule", "message", "record")]))
    stage.register("structural", extra)
    parts.append("SELECT * FROM structural")
    stage.execute(f"CREATE OR REPLACE TEMP TABLE run_rejects AS SELECT '{run_id}' AS ingest_id, r.*, "
                  f"CAST(now() AS TIMESTAMP) AS rejected_at FROM ({' UNION ALL BY NAME '.join(parts)}) r "
                  f"ORDER BY source, row_number")
    stage.unregister("structural")


def _issues(stage: duckdb.DuckDBPyConnection) -> list[Issue]:
    rows = stage.sql(f"SELECT table_name, row_number, column_name, value, rule, message, source FROM run_rejects "
                     f"LIMIT {SHOWN_ISSUES}").fetchall()
    return [Issue(*r) for r in rows]


def _count_rejects(stage: duckdb.DuckDBPyConnection, summaries: list[SourceSummary], structural: list[Issue]) -> None:
    for s in summaries:
        row = stage.sql(f"SELECT count(*) FROM {staged(s.table)} WHERE _source = ? AND len(_issues) > 0",
                        params=[s.source]).fetchone()
        s.rejected = (int(row[0]) if row else 0) + len({i.row for i in structural if i.source == s.source})


def _arrow_name(duck_type: object) -> str:
    """The Arrow type name the parse builder expects, for a DuckDB column type."""
    t = str(duck_type).upper()
    if t.startswith("DECIMAL"):
        return "decimal128" + t[len("DECIMAL"):].lower()
    if t.startswith("TIMESTAMP WITH TIME ZONE"):
        return "timestamp[us, tz=UTC]"
    if t.startswith("TIMESTAMP"):
        return "timestamp[us]"
    simple = {"VARCHAR": "string", "BIGINT": "int64", "INTEGER": "int32", "SMALLINT": "int16", "TINYINT": "int8",
              "DOUBLE": "double", "FLOAT": "float", "BOOLEAN": "bool", "DATE": "date32[day]",
              "HUGEINT": "int128", "UBIGINT": "uint64", "UINTEGER": "uint32"}
    return simple.get(t, t.lower())


__all__ = ["IngestResult", "SourceError", "SourceSummary", "ingest"]

"""A simulated marketplace's last days held back as daily loads: the store gets every record before them, and a
folder per day gets that day's jobs, proposals, contracts and payments as Parquet files, ready for
``gigsight ingest FOLDER`` the way a marketplace loads yesterday's records every morning.

Clients and freelancers all go to the store (a day's records may name any of them), and so does the planted
truth. A record belongs to the day of its own time column (a payment to the day it was paid), so a day's folder
may hold payments of contracts stored long before; the last day's folder also holds what is dated after the
scenario's last day (proposals to its last jobs).

>>> from gigsight.simulate.scenario import load_scenario
>>> HoldBack.of(load_scenario("seed-q3"), 7, Path("days")).cut
datetime.datetime(2025, 12, 25, 0, 0)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gigsight.errors import ConfigError
from gigsight.model.schema import SCHEMA
from gigsight.simulate.scenario import Scenario

HELD = ("jobs", "proposals", "contracts", "payments")  # in load order within a day
MAX_DAYS = 366


@dataclass
class HoldBack:
    """Splits the records at ``cut``: earlier ones pass on to the store, later ones go to ``out``."""

    days: int
    out: Path
    cut: datetime
    _writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario, days: int, out: Path) -> HoldBack:
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise ConfigError(f"days to hold back must be a whole number from 1 to {MAX_DAYS}, got {days!r}")
        if out.exists() and any(out.iterdir()):
            raise ConfigError(f"{out} is not empty: choose another folder for the held-back days, or empty it")
        year, month = int(scenario.end[:4]), int(scenario.end[5:7])
        end = datetime(year + month // 12, month % 12 + 1, 1)  # the first moment after the scenario's records
        return cls(days, out, end - timedelta(days=days))

    def split(self, parts: Iterator[tuple[str, pa.Table]]) -> Iterator[tuple[str, pa.Table]]:
        """The records before the cut, in order; the later ones are written aside."""
        for name, table in parts:
            if name not in HELD:
                yield name, table
                continue
            when = table[SCHEMA[name].time_column]
            late = pc.greater_equal(when, pa.scalar(self.cut, type=when.type))
            self._write(name, table.filter(late))
            yield name, table.filter(pc.invert(late))

    def _write(self, name: str, rows: pa.Table) -> None:
        if not rows.num_rows:
            return
        if name not in self._writers:
            (self.out / "_held").mkdir(parents=True, exist_ok=True)
            self._writers[name] = pq.ParquetWriter(self.out / "_held" / f"{name}.parquet", rows.schema)
        self._writers[name].write_table(rows)

    def finish(self) -> list[Path]:
        """One folder per held-back day (``out/YYYY-MM-DD``), each with a Parquet file per table that has rows."""
        for w in self._writers.values():
            w.close()
        held = self.out / "_held"
        folders = [self.out / (self.cut + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(self.days)]
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            for day, folder in zip(range(self.days), folders, strict=True):
                folder.mkdir(parents=True, exist_ok=True)
                lo = self.cut + timedelta(days=day)
                for name in HELD:
                    if not (held / f"{name}.parquet").exists():
                        continue
                    col = SCHEMA[name].time_column
                    # the last day also takes what is dated after the scenario (proposals to its last jobs)
                    until = "" if day == self.days - 1 else f" AND {col} < TIMESTAMP '{lo + timedelta(days=1):%F}'"
                    con.execute(f"COPY (SELECT * FROM read_parquet('{held / name}.parquet') WHERE {col} >= "
                                f"TIMESTAMP '{lo:%F}'{until}) TO '{folder / name}.parquet' (FORMAT parquet)")
        finally:
            con.close()
        shutil.rmtree(held, ignore_errors=True)
        return folders


__all__ = ["HELD", "HoldBack"]

"""What a query builder is handed. gigsight's engines are Ibis backends; Ibis ships no type information, so to
mypy a backend is ``Any``, and these names say which of the things a connection could be is meant.

>>> import gigsight
>>> store = gigsight.connect("duckdb://:memory:")
>>> backend: Backend = store.con  # what Store.con holds: the Ibis backend every query is built on
>>> backend.name
'duckdb'
"""

from __future__ import annotations

from typing import Any, TypeAlias

Backend: TypeAlias = Any
"""An Ibis backend (DuckDB, Postgres or PySpark): what :attr:`gigsight.Store.con` holds."""

__all__ = ["Backend"]

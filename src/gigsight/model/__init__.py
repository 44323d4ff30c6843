"""Canonical schemas, validation rules and their generated documentation."""

from gigsight.model.currencies import ISO_4217
from gigsight.model.schema import LOAD_ORDER, SCHEMA, Check, Column, ForeignKey, Kind, Table

__all__ = ["ISO_4217", "LOAD_ORDER", "SCHEMA", "Check", "Column", "ForeignKey", "Kind", "Table"]

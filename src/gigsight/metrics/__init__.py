"""Metric definitions, the registry (did-you-mean on unknown names), periods and ``compute()``."""

from gigsight.metrics import definitions
from gigsight.metrics.compute import compute
from gigsight.metrics.registry import REGISTRY, SEGMENTS, Metric, get, register

__all__ = ["REGISTRY", "SEGMENTS", "Metric", "compute", "definitions", "get", "register"]

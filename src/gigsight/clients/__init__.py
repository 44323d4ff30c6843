"""Client analytics: acquisition cohorts and retention."""

from gigsight.clients.cohorts import cohorts

__all__ = ["cohorts"]

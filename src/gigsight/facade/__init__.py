"""The verbs of :mod:`gigsight`, by room; ``import gigsight`` re-exports every one (see its ``__all__``)."""

"""Growth bridge (KPI identities, Shapley splits) and drivers (segment mix vs rate effects)."""

from gigsight.growth.bridge import Step, growth_bridge, shapley
from gigsight.growth.drivers import explain_change, segment_effects
from gigsight.growth.segments import segment_growth

__all__ = ["Step", "explain_change", "growth_bridge", "segment_effects", "segment_growth", "shapley"]

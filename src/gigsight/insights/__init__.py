"""Insights built on the metrics: what changed and why (growth bridge, drivers, segment growth), who the clients
are and will be (cohorts, client summaries, value forecasts and lists to act on), and what the skills say
(demand, supply, what to promote and learn). Every function takes an open store or an Ibis backend."""

from gigsight.insights.cohorts import cohorts
from gigsight.insights.drivers import explain_change, segment_effects
from gigsight.insights.growth_bridge import Step, growth_bridge, shapley
from gigsight.insights.segment_growth import segment_growth
from gigsight.insights.skill_actions import learn, promote
from gigsight.insights.skill_demand import detect, emerging, rate_ratio_ci, trends
from gigsight.insights.skill_supply import cooccurrence, supply

__all__ = ["Step", "cohorts", "cooccurrence", "detect", "emerging", "explain_change", "growth_bridge", "learn",
           "promote", "rate_ratio_ci", "segment_effects", "segment_growth", "shapley", "supply", "trends"]

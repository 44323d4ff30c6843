"""Skills and AI-work intelligence: taxonomy, extraction, AI classifier, category inference and the enrich stage.

>>> from gigsight import skills
>>> import pandas as pd
>>> skills.classify(pd.DataFrame({"job_id": ["1"], "title": ["Midjourney artist for book covers"]})).ai_kind[0]
'generative_media'
"""
from gigsight.skills.classify import Classifier, Result, classify
from gigsight.skills.extract import Match, Matcher
from gigsight.skills.taxonomy import AI_KINDS, CATEGORIES, Skill, Taxonomy, load_taxonomy

__all__ = ["AI_KINDS", "CATEGORIES", "Classifier", "Match", "Matcher", "Result", "Skill", "Taxonomy", "classify",
           "load_taxonomy"]

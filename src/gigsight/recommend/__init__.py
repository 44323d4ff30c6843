"""Actions: skills an operator should promote, skills a freelancer should learn next."""
from gigsight.recommend.skills import learn, promote

__all__ = ["learn", "promote"]

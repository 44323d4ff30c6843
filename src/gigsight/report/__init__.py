"""Reports and claim checks over the library facade."""
from gigsight.report.claims import Claim, ClaimResult, check_claims, load_claims, parse_claims

__all__ = ["Claim", "ClaimResult", "check_claims", "load_claims", "parse_claims"]

"""Reports and claim checks over the library facade."""
from gigsight.report.build import build_report
from gigsight.report.claims import Claim, ClaimResult, check_claims, load_claims, parse_claims
from gigsight.report.model import Report
from gigsight.report.render import to_html, to_markdown, write

__all__ = ["Claim", "ClaimResult", "Report", "build_report", "check_claims", "load_claims", "parse_claims",
           "to_html", "to_markdown", "write"]

"""Generate ``docs/metrics.md`` from the registry, so every metric is documented where it is defined.

>>> "| gsv | GSV | usd | up |" in metrics_markdown()
True
"""

from __future__ import annotations

from gigsight.config import DOCS
from gigsight.metrics.registry import GRAINS, REGISTRY, SEGMENTS


def metrics_markdown() -> str:
    out = ["# gigsight metrics", "", "Generated from `src/gigsight/metrics/definitions.py`; do not edit by hand.",
           "", "Every metric is computed per period (`month`, `quarter`, `year`; fiscal years via the "
           "`fiscal_year_start_month` setting) and optionally per segment. Comparisons are a parameter, never a "
           "metric: `compare=[\"yoy\", \"qoq\"]` adds `<metric>_yoy` and `<metric>_qoq`, the relative change as "
           "a fraction (0.16 = +16%), null when the comparison period is missing or zero. Point-in-time metrics "
           "are snapshots at the period end, never averages. The trailing window is the 12 calendar months "
           "ending with the period's last month.", "",
           "The name is what reports and the dashboard show; *better* says which way a change is good news "
           "(growth is coloured by it).", "",
           "| metric | name | unit | better | grain | segments | definition |", "|---|---|---|---|---|---|---|"]
    for m in REGISTRY.values():
        how = f"{m.ratio[0]} / {m.ratio[1]}: " if m.ratio else ""
        pit = " Point in time." if m.point_in_time else ""
        close = m.closing_window
        wait = f" Null until its window ({close} days) has closed." if isinstance(close, int) else ""
        out.append(f"| {m.name} | {m.title} | {m.unit} | {m.better} | {m.grain} | {', '.join(m.segments) or '-'} | "
                   f"{how}{m.description}{pit}{wait} |")
    out += ["", "## Segments", "", "| segment | meaning |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in SEGMENTS.items()]
    out += ["", "## Grains", "", "| grain | rows |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in GRAINS.items()]
    out += ["", "## Settings", "", "| setting | meaning |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in DOCS.items()]
    return "\n".join(out) + "\n"

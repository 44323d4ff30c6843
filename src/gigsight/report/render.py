"""Render a :class:`~gigsight.report.model.Report` as one self-contained HTML file (Plotly from the installed
package, inline: it opens offline and loads nothing), Markdown, and JSON."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from gigsight.errors import ConfigError
from gigsight.metrics.display import cell
from gigsight.metrics.registry import get
from gigsight.model.exact import plain, to_json
from gigsight.report.charts import figure
from gigsight.report.model import Report, Sentence, Table, Tile

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1100px;padding:1rem;color:#1d2330}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
.headline li{margin:.4rem 0;font-size:1.05rem}.src{color:#667;font-size:.8rem}
table{border-collapse:collapse;width:100%;margin:.8rem 0;font-size:.85rem;display:block;overflow-x:auto}
th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th.text,td.text{text-align:left}
.caption{font-weight:600;font-size:.9rem;margin:1rem 0 0}
td.long{white-space:normal;min-width:16rem}
.note{color:#667;font-size:.8rem}.chart{width:100%;min-height:340px}
.chart-title{text-align:center;font-size:1rem;color:#2a3342;margin:1.4rem 0 0}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:.8rem;margin:1rem 0}
.tile{border:1px solid #e3e6ec;border-radius:8px;padding:.7rem .9rem}
.tile .label{color:#4a5263;font-size:.85rem}.tile .value{font-size:1.6rem;font-weight:650;margin:.15rem 0}
.tile{min-width:0}.tile .changes{font-size:.8rem;display:flex;gap:.2rem .8rem;flex-wrap:wrap}
.tile svg{display:block;margin-top:.4rem;width:100%;height:30px}
.good{color:#1a7f37}.bad{color:#c62828}.flat,.none{color:#667}
@media (max-width:600px){body{padding:.5rem}h1{font-size:1.3rem}
.tiles{grid-template-columns:repeat(2,minmax(0,1fr));gap:.5rem}.tile{padding:.5rem .6rem}
.tile .value{font-size:1.25rem}}
"""


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.4f}" if abs(v) < 10 else f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _cells(t: Table, row: list[Any]) -> list[str]:
    kinds = t.kinds or [""] * len(row)
    return [cell(v, k) if k else _fmt(v) for v, k in zip(row, kinds, strict=True)]


def _table_html(t: Table) -> str:
    cells = [_cells(t, r) for r in t.rows]
    # a column of words (names, reasons, definitions) reads left to right and its long sentences wrap; a column
    # of figures aligns right and stays on one line
    words = [all(v is None or isinstance(v, str) for v in col) and any(isinstance(v, str) for v in col)
             for col in zip(*t.rows, strict=True)] if t.rows else [False] * len(t.columns)
    long = [w and any(len(r[j]) > 40 for r in cells) for j, w in enumerate(words)]
    cls = [' class="text long"' if lg else ' class="text"' if w else "" for w, lg in zip(words, long, strict=True)]
    head = "".join(f"<th{cls[j]}>{html.escape(c[:1].upper() + c[1:])}</th>" for j, c in enumerate(t.columns))
    body = "".join("<tr>" + "".join(f"<td{cls[j]}>{html.escape(c)}</td>" for j, c in enumerate(r)) + "</tr>"
                   for r in cells)
    note = f'<p class="note">{html.escape(t.note)}</p>' if t.note else ""
    title = html.escape(t.title)
    # the title sits above the table, not in a <caption>: the table scrolls sideways on a phone and a caption
    # would be squeezed to the width of a narrow table
    return f'<p class="caption">{title}</p><table aria-label="{title}"><thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table>{note}"


def _sparkline(values: list[float | None], periods: list[str], width: int = 180, height: int = 30) -> str:
    """An inline SVG line of the quarters before (no script: it draws in any viewer, printed too)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    lo, hi = min(v for _, v in known), max(v for _, v in known)
    step = width / max(len(values) - 1, 1)
    points = " ".join(f"{i * step:.1f},{height - 3 - (v - lo) / ((hi - lo) or 1) * (height - 6):.1f}" for i, v in known)
    label = html.escape(f"{periods[0]} to {periods[-1]}")
    return (f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" aria-label="trend '
            f'{label}"><polyline vector-effect="non-scaling-stroke" fill="none" stroke="#3b6fb6" stroke-width="1.6" '
            f'points="{points}"/></svg>')


def _tiles_html(tiles: list[Tile]) -> str:
    def one(t: Tile) -> str:
        changes = "".join(f'<span class="{tone}">{html.escape(text)} {name}</span>'
                          for text, tone, name in ((t.yoy_shown, t.yoy_tone, "YoY"), (t.qoq_shown, t.qoq_tone, "QoQ")))
        return (f'<div class="tile" data-metric="{html.escape(t.metric)}"><div class="label">{html.escape(t.label)}'
                f'</div><div class="value">{html.escape(t.shown)}</div><div class="changes">{changes}</div>'
                f"{_sparkline(t.trend, t.trend_periods)}</div>")

    return '<div class="tiles">' + "".join(one(t) for t in tiles) + "</div>" if tiles else ""


def _sources(s: Sentence) -> str:
    """Where a sentence's figures come from, in words ("GSV, 2025Q3; AI-related jobs posted by skill, 2025Q3")."""
    return "; ".join(f"{get(x.metric).title}{'' if x.segment == 'all' else f' by {x.segment}'}, {x.period}"
                     for x in s.sources)


def _plotly_js() -> str:
    try:
        from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - plotly is a dependency
        raise ConfigError("the HTML report needs plotly (pip install plotly)") from exc
    return str(get_plotlyjs())


def to_html(r: Report) -> str:
    parts = [f"<h1>gigsight quarterly report: {html.escape(r.period)}</h1>",
             f'<p class="note">store: {html.escape(r.store)}</p><ul class="headline">']
    for s in r.sentences:
        parts.append(f'<li>{html.escape(s.text)} <span class="src">[{html.escape(_sources(s))}]</span></li>')
    parts.append("</ul>")
    figures = []
    for sec in r.sections:
        parts.append(f'<section id="{sec.key}"><h2>{html.escape(sec.title)}</h2>')
        parts += [f"<p>{html.escape(t)}</p>" for t in sec.text]
        parts.append(_tiles_html(sec.tiles))
        for c in sec.charts:
            figures.append(figure(c))
            # the title is HTML above the chart, where it wraps on a phone (Plotly cuts a long one off)
            parts.append(f'<p class="chart-title">{html.escape(c.title)}</p>'
                         f'<div class="chart" id="chart-{len(figures)}"></div>')
        parts += [_table_html(t) for t in sec.tables]
        parts.append("</section>")
    # every "<" escaped: "</" alone still lets "<!--<script" put the HTML parser in script-data-escaped state
    script = "const FIGS=" + to_json(plain(figures), compact=True).replace("<", "\\u003c") + ";" \
             "FIGS.forEach((f,i)=>Plotly.newPlot('chart-'+(i+1),f.data,{...f.layout,title:{text:''}," \
             "margin:{...f.layout.margin,t:f.layout.showlegend?40:16}}," \
             "{displaylogo:false,responsive:true,displayModeBar:false}));"
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>gigsight {html.escape(r.period)}</title><style>{CSS}</style>"
            f"<script>{_plotly_js()}</script></head><body>{''.join(parts)}<script>{script}</script></body></html>")


def to_markdown(r: Report) -> str:
    out = [f"# gigsight quarterly report: {r.period}", "", f"Store: {r.store}", ""]
    for s in r.sentences:
        out.append(f"- {s.text} _[{_sources(s)}]_")
    for sec in r.sections:
        out += ["", f"## {sec.title}", "", *sec.text]
        if sec.charts:
            out.append("Charts: " + "; ".join(c.title for c in sec.charts) + " (in report.html).")
        for t in sec.tables:
            out += ["", f"**{t.title}**", "", "| " + " | ".join(t.columns) + " |",
                    "|" + "---|" * len(t.columns)]
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(t, row)) + " |" for row in t.rows]
            if t.note:
                out.append(f"\n_{t.note}_")
    return "\n".join(out) + "\n"


def write(r: Report, out_dir: str | Path) -> dict[str, Path]:
    """Write report.html, report.md and report.json into ``out_dir`` (created when missing)."""
    d = Path(out_dir)
    try:
        d.mkdir(parents=True, exist_ok=True)
        paths = {"html": d / "report.html", "md": d / "report.md", "json": d / "report.json"}
        paths["html"].write_text(to_html(r), encoding="utf-8")
        paths["md"].write_text(to_markdown(r), encoding="utf-8")
        paths["json"].write_text(to_json(plain(r.to_dict()), indent=2), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the report into {d}: {exc.strerror or exc}") from exc
    return paths

"""Render a :class:`~gigsight.report.model.Report` as one self-contained HTML file (Plotly from the installed
package, inline: it opens offline and loads nothing), Markdown, and JSON."""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from gigsight.errors import ConfigError
from gigsight.model.exact import plain, to_json
from gigsight.report.model import Chart, Report, Table

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1100px;padding:1rem;color:#1d2330}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
.headline li{margin:.4rem 0;font-size:1.05rem}.src{color:#667;font-size:.8rem}
table{border-collapse:collapse;width:100%;margin:.8rem 0;font-size:.85rem;display:block;overflow-x:auto}
th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}caption{text-align:left;font-weight:600;padding:.3rem 0}
td.text{text-align:left;white-space:normal;min-width:16rem}
.note{color:#667;font-size:.8rem}.chart{width:100%;min-height:340px}
@media (max-width:600px){body{padding:.5rem}h1{font-size:1.3rem}}
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


def _table_html(t: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    def cell(v: Any) -> str:  # a sentence (a reason) wraps and reads left to right; figures stay on one line
        long = isinstance(v, str) and len(v) > 40
        return f"<td{' class=text' if long else ''}>{html.escape(_fmt(v))}</td>"

    body = "".join("<tr>" + "".join(cell(v) for v in r) + "</tr>" for r in t.rows)
    note = f'<p class="note">{html.escape(t.note)}</p>' if t.note else ""
    return f"<table><caption>{html.escape(t.title)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody>" \
           f"</table>{note}"


def _figure(c: Chart) -> dict[str, Any]:
    """A Plotly figure (data and layout) for one chart."""
    if c.kind == "waterfall":
        data: list[dict[str, Any]] = [{"type": "waterfall", "x": c.x, "y": c.y, "measure": ["relative"] * len(c.x)}]
    elif c.kind == "heatmap":
        data = [{"type": "heatmap", "x": c.x, "y": c.y_labels, "z": c.y, "colorscale": "Blues", "zmin": 0}]
    elif c.kind == "line" and c.series:
        data = [{"type": "scatter", "mode": "lines+markers", "x": c.x, "y": ys, "name": n}
                for n, ys in zip(c.series, c.y, strict=True)]
    else:
        data = [{"type": "bar" if c.kind == "bar" else "scatter", "x": c.x, "y": c.y}]
    layout = {"title": {"text": c.title}, "margin": {"l": 60, "r": 20, "t": 50, "b": 80},
              "yaxis": {"tickformat": c.y_format} if c.y_format and c.kind != "heatmap" else {},
              "autosize": True}
    return {"data": data, "layout": layout}


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
        src = "; ".join(f"{x.metric} {x.period} ({x.segment})" for x in s.sources)
        parts.append(f'<li>{html.escape(s.text)} <span class="src">[{html.escape(src)}]</span></li>')
    parts.append("</ul>")
    figures = []
    for sec in r.sections:
        parts.append(f'<section id="{sec.key}"><h2>{html.escape(sec.title)}</h2>')
        parts += [f"<p>{html.escape(t)}</p>" for t in sec.text]
        for c in sec.charts:
            figures.append(_figure(c))
            parts.append(f'<div class="chart" id="chart-{len(figures)}"></div>')
        parts += [_table_html(t) for t in sec.tables]
        parts.append("</section>")
    # every "<" escaped: "</" alone still lets "<!--<script" put the HTML parser in script-data-escaped state
    script = "const FIGS=" + to_json(plain(figures), compact=True).replace("<", "\\u003c") + ";" \
             "FIGS.forEach((f,i)=>Plotly.newPlot('chart-'+(i+1),f.data,f.layout," \
             "{displaylogo:false,responsive:true,displayModeBar:false}));"
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>gigsight {html.escape(r.period)}</title><style>{CSS}</style>"
            f"<script>{_plotly_js()}</script></head><body>{''.join(parts)}<script>{script}</script></body></html>")


def to_markdown(r: Report) -> str:
    out = [f"# gigsight quarterly report: {r.period}", "", f"Store: {r.store}", ""]
    for s in r.sentences:
        src = "; ".join(f"{x.metric} {x.period} ({x.segment})" for x in s.sources)
        out.append(f"- {s.text} _[{src}]_")
    for sec in r.sections:
        out += ["", f"## {sec.title}", "", *sec.text]
        if sec.charts:
            out.append("Charts: " + "; ".join(c.title for c in sec.charts) + " (in report.html).")
        for t in sec.tables:
            out += ["", f"**{t.title}**", "", "| " + " | ".join(t.columns) + " |",
                    "|" + "---|" * len(t.columns)]
            out += ["| " + " | ".join(_fmt(v).replace("|", "\\|") for v in row) + " |" for row in t.rows]
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

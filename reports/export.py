"""Exports of a report snapshot: Markdown, self-contained HTML (charts inline), a print-friendly HTML page,
CSV and JSON. Every one opens with the same verdict (``reports.summary``) and uses the same ranking columns,
names, units and rounding as the page (``reports.display.RANKING_COLUMNS``).

User-provided text is escaped for each target: HTML-escaped in HTML, pipe/markup-escaped in
Markdown, and spreadsheet formulas (cells starting with = + - @ tab or CR) are neutralized in
CSV with a leading apostrophe.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import Any

from reports.display import (
    EVIDENCE_COLUMNS,
    RANKING_COLUMNS,
    REJECTED_COLUMNS,
    display_rows,
    fmt_text,
    human_label,
    md_cell,
    md_table,
)
from reports.summary import Summary, summarize
from safeio.csvsafe import neutralize_cell, rows_to_csv

__all__ = [
    "neutralize_cell",
    "table_to_csv",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "to_print_html",
]

#: Input keys as the report shows them (the rest: ``human_label``).
INPUT_LABELS = {
    "hardware_name": "Hardware",
    "gpus": "GPUs",
    "model_name": "Model",
    "params_b": "Parameters (billions)",
    "profile": "Workload profile",
    "batch": "Batch / concurrency",
    "input_len": "Input tokens",
    "output_len": "Output tokens",
    "tolerance": "Quality tolerance",
    "engine": "Engine",
    "usd_per_device_hour": "Price per device-hour (USD)",
}
HIDDEN_INPUTS = {"hardware", "model", "speed_key", "probe", "custom_model"}


def table_to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    columns = columns or _columns(rows)
    return rows_to_csv(columns, ([_plain(row.get(k)) for k in columns] for row in rows))


def to_json(report: dict[str, Any]) -> str:
    out = dict(report)
    out["summary"] = asdict(summarize(report["snapshot"], report.get("catalog_version")))
    return json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False)


def to_csv(report: dict[str, Any]) -> str:
    """The ranking table as CSV, for spreadsheets and scripts: one row per ranked format, row 1 the recommended
    one (the verdict), every snapshot field under its stable machine name (as in the JSON export), unrounded."""
    return table_to_csv(report["snapshot"].get("ranking", []))


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for k in row:
            seen.setdefault(k, None)
    return list(seen)


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if value is None:
        return ""
    return value


def _md_cell(value: Any) -> str:
    return md_cell(_plain(value))


def _md_table(rows: list[dict[str, Any]]) -> str:
    return md_table([{k: _plain(v) for k, v in row.items()} for row in rows])


def input_rows(inputs: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"Input": INPUT_LABELS.get(k, human_label(k)), "Value": fmt_text(v)}
        for k, v in inputs.items()
        if k not in HIDDEN_INPUTS
    ]


def _tables(snap: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    return {
        "ranking": display_rows(snap.get("ranking", []), RANKING_COLUMNS),
        "rejected": display_rows(snap.get("rejected", []), REJECTED_COLUMNS),
        "evidence": display_rows(snap.get("evidence", []), EVIDENCE_COLUMNS),
        "inputs": input_rows(snap.get("inputs", {})),
    }


def _meta(report: dict[str, Any], summary: Summary) -> str:
    return f"Report {report['id']}, created {report['created_at'][:19].replace('T', ' ')} UTC, {summary.versions}."


def to_markdown(report: dict[str, Any], link: str = "") -> str:
    snap = report["snapshot"]
    s = summarize(snap, report.get("catalog_version"))
    t = _tables(snap)
    parts = [
        f"# {_md_cell(report.get('title') or 'Format Advisor report')}\n",
        f"## Verdict: {_md_cell(s.headline)}\n",
        *[f"- {_md_cell(line)}" for line in s.lines()],
        *([f"- Quality source: <{s.quality_source}>"] if s.quality_source.startswith("http") else []),
        "",
        *_md_deploy(s),
        _md_cell(_meta(report, s)) + (f" Link: <{link}>" if link else "") + "\n",
        "## Ranking\n",
        _md_table(t["ranking"]),
        "## Inputs\n",
        _md_table(t["inputs"]),
        "## Rejected formats (why not)\n",
        _md_table(t["rejected"]),
        "## Measured evidence\n",
        _md_table(t["evidence"]),
    ]
    notes = snap.get("notes", [])
    if notes:
        parts.append("## Notes\n")
        parts += [f"- {_md_cell(n)}" for n in notes]
        parts.append("")
    return "\n".join(parts)


def _md_deploy(s: Summary) -> list[str]:
    if not s.ok:
        return []
    parts = ["## Deploy\n", _md_cell(s.deploy_note), ""]
    for line in s.deploy:
        src = f" (source: <{line.source}>)" if line.source.startswith("http") else ""
        fence = "~~~~" if "```" in line.command else "```"
        parts += [f"{_md_cell(line.title)}{src}:\n", f"{fence}bash", line.command, fence, ""]
    return parts


def _html_deploy(s: Summary) -> str:
    if not s.ok:
        return ""
    esc = html.escape
    steps = "".join(
        f"<h3>{esc(line.title)}</h3><pre><code>{esc(line.command)}</code></pre>"
        + (
            f'<p class="meta">Source: <a href="{esc(line.source)}">{esc(line.source)}</a></p>'
            if line.source.startswith("http")
            else ""
        )
        for line in s.deploy
    )
    return f"<h2>Deploy</h2><p>{esc(s.deploy_note)}</p>{steps}"


def _html_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    cols = _columns(rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(_plain(r.get(c))))}</td>" for c in cols) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#111}"
    "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}"
    "th{background:#f3f3f3}pre{background:#f6f6f6;padding:0.5rem;white-space:pre-wrap}.verdict{border:2px solid #1a9850;border-radius:6px;padding:0.5rem 1rem;margin:1rem 0}"
    ".verdict h2{margin:0.3rem 0}.meta{color:#555;font-size:13px}"
    "@media print{body{margin:0.5cm;max-width:none}a{color:#000}.noprint{display:none}"
    "table{font-size:10px;page-break-inside:auto}tr{page-break-inside:avoid}}"
)


def _html_body(report: dict[str, Any], charts: str, link: str) -> str:
    snap = report["snapshot"]
    s = summarize(snap, report.get("catalog_version"))
    t = _tables(snap)
    esc = html.escape
    title = esc(report.get("title") or "Format Advisor report")
    lines = "".join(f"<li>{esc(line)}</li>" for line in s.lines())
    if s.quality_source.startswith("http"):
        lines += f'<li>Quality source: <a href="{esc(s.quality_source)}">{esc(s.quality_source)}</a></li>'
    link_html = f' Link: <a href="{esc(link)}">{esc(link)}</a>' if link else ""
    notes = "".join(f"<li>{esc(str(n))}</li>" for n in snap.get("notes", []))
    return f"""<h1>{title}</h1>
<div class="verdict"><h2>Verdict: {esc(s.headline)}</h2><ul>{lines}</ul></div>
{_html_deploy(s)}
<p class="meta">{esc(_meta(report, s))}{link_html}</p>
<h2>Ranking</h2>{_html_table(t["ranking"])}
{charts}
<h2>Inputs</h2>{_html_table(t["inputs"])}
<h2>Rejected formats (why not)</h2>{_html_table(t["rejected"])}
<h2>Measured evidence</h2>{_html_table(t["evidence"])}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}"""


def to_html(report: dict[str, Any], figures: list[Any] = (), link: str = "") -> str:
    """Self-contained HTML: verdict, tables, and plotly figures with plotly.js inlined (works offline)."""
    charts = []
    for i, fig in enumerate(figures):
        charts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    chart_html = "<h2>Charts</h2>" + ("".join(charts) or "<p><em>no charts</em></p>")
    title = html.escape(report.get("title") or "Format Advisor report")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<style>{_CSS}</style></head>
<body>{_html_body(report, chart_html, link)}
</body></html>"""


def to_print_html(report: dict[str, Any], link: str = "") -> str:
    """A print-friendly page (no scripts, no charts, print styles): the verdict and every table, for paper or PDF."""
    title = html.escape(report.get("title") or "Format Advisor report")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>{_CSS}</style></head>
<body>{_html_body(report, "", link)}
<p class="noprint meta">Use your browser's Print command (Ctrl+P) to print or save as PDF.</p>
</body></html>"""

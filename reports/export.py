"""Exports of a report snapshot: Markdown, self-contained HTML (charts inline), CSV, JSON.

User-provided text is escaped for each target: HTML-escaped in HTML, pipe/markup-escaped in
Markdown, and spreadsheet formulas (cells starting with = + - @ tab or CR) are neutralized in
CSV with a leading apostrophe.
"""

from __future__ import annotations

import html
import json
from typing import Any

from safeio.csvsafe import neutralize_cell, rows_to_csv

__all__ = ["neutralize_cell", "table_to_csv", "to_csv", "to_html", "to_json", "to_markdown"]


def table_to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    columns = columns or _columns(rows)
    return rows_to_csv(columns, ([_plain(row.get(k)) for k in columns] for row in rows))


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False)


def to_csv(report: dict[str, Any]) -> str:
    """The ranking table as CSV."""
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
    text = str(_plain(value))
    for ch in ("\\", "|", "*", "_", "`", "[", "]", "<", ">", "#"):
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _md_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    if not rows:
        return "_none_\n"
    columns = columns or _columns(rows)
    out = ["| " + " | ".join(_md_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(_md_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(out) + "\n"


def _inputs_rows(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"input": k, "value": v} for k, v in inputs.items()]


def to_markdown(report: dict[str, Any]) -> str:
    snap = report["snapshot"]
    parts = [
        f"# {_md_cell(report.get('title') or 'Format Advisor report')}\n",
        f"Report `{report['id']}` created {report['created_at']}, catalog `{report['catalog_version']}`.\n",
        "## Inputs\n",
        _md_table(_inputs_rows(snap.get("inputs", {}))),
        "## Ranking\n",
        _md_table(snap.get("ranking", [])),
        "## Rejected formats (why not)\n",
        _md_table(snap.get("rejected", [])),
        "## Measured evidence\n",
        _md_table(snap.get("evidence", [])),
    ]
    notes = snap.get("notes", [])
    if notes:
        parts.append("## Notes\n")
        parts += [f"- {_md_cell(n)}" for n in notes]
        parts.append("")
    return "\n".join(parts)


def _html_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    cols = _columns(rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(_plain(r.get(c))))}</td>" for c in cols) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: dict[str, Any], figures: list[Any] = ()) -> str:
    """Self-contained HTML: tables plus plotly figures with plotly.js inlined (works offline)."""
    snap = report["snapshot"]
    charts = []
    for i, fig in enumerate(figures):
        charts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    title = html.escape(report.get("title") or "Format Advisor report")
    notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in snap.get("notes", []))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}th{{background:#f3f3f3}}</style></head>
<body><h1>{title}</h1>
<p>Report <code>{html.escape(report["id"])}</code>, created {html.escape(report["created_at"])},
catalog <code>{html.escape(report["catalog_version"])}</code>.</p>
<h2>Inputs</h2>{_html_table(_inputs_rows(snap.get("inputs", {})))}
<h2>Ranking</h2>{_html_table(snap.get("ranking", []))}
<h2>Charts</h2>{"".join(charts) or "<p><em>no charts</em></p>"}
<h2>Rejected formats (why not)</h2>{_html_table(snap.get("rejected", []))}
<h2>Measured evidence</h2>{_html_table(snap.get("evidence", []))}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>"""

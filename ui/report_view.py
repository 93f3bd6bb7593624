"""Read-only view of a shared report (``?report=<id>``): the stored snapshot, its charts, exports."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports.export import to_csv, to_html, to_json, to_markdown
from reports.figures import report_figures
from reports.service import ReportError, ReportNotFound, get_report
from ui.format import md_code, md_text
from ui.resources import catalog, db_engine


def render_report(report: dict) -> None:
    snap = report["snapshot"]
    st.title(md_text(report["title"] or "Format Advisor report"))
    current = catalog().version
    st.info(
        f"Read-only snapshot taken {report['created_at'][:19].replace('T', ' ')} UTC with catalog "
        f"{md_code(report['catalog_version'])}"
        + ("" if report["catalog_version"] == current else f" (the live catalog is now {md_code(current)})")
        + ". Numbers marked *estimated* are model predictions; *measured* are uploaded results."
    )
    inputs = snap.get("inputs", {})
    if inputs:
        st.dataframe(pd.DataFrame([{"input": k, "value": str(v)} for k, v in inputs.items()]), hide_index=True)
    st.subheader("Ranking")
    st.dataframe(pd.DataFrame(snap.get("ranking", [])), hide_index=True, width="stretch")
    figures = report_figures(snap)
    for fig in figures:
        st.plotly_chart(fig, width="stretch")
    if snap.get("rejected"):
        st.subheader("Rejected formats (why not)")
        st.dataframe(pd.DataFrame(snap["rejected"]), hide_index=True, width="stretch")
    if snap.get("evidence"):
        st.subheader("Measured evidence")
        st.dataframe(pd.DataFrame(snap["evidence"]), hide_index=True, width="stretch")
    for note in snap.get("notes", []):
        st.caption(md_text(note))
    cols = st.columns(4)
    stem = f"format-advisor-{report['id'][:8]}"
    cols[0].download_button("Markdown", to_markdown(report), f"{stem}.md", "text/markdown")
    # Built on click only: the HTML inlines plotly.js (several MB), too much to build on every page load.
    cols[1].download_button("HTML (with charts)", lambda: to_html(report, figures), f"{stem}.html", "text/html")
    cols[2].download_button("CSV (ranking)", to_csv(report), f"{stem}.csv", "text/csv")
    cols[3].download_button("JSON", to_json(report), f"{stem}.json", "application/json")


def render() -> None:
    report_id = st.query_params.get("report", "")
    try:
        report = get_report(report_id, engine=db_engine())
    except ReportNotFound as exc:
        st.error(f"Report not found. {md_text(exc)}")
        return
    except ReportError as exc:
        st.error(f"This report link is not valid. {md_text(exc)}")
        return
    render_report(report)
    st.caption("Open the app without `?report=` to make your own recommendation.")

"""Read-only view of a shared report (``?report=<id>``), made for a stakeholder: the verdict first, then the
ranking with human names and units, then the charts; the full link with a copy button; the exports; the
catalog and estimator versions it was made with. Reports never change after they are stored."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from reports.display import EVIDENCE_COLUMNS, REJECTED_COLUMNS, display_rows, md_code, md_text
from reports.export import input_rows, to_csv, to_html, to_json, to_markdown, to_print_html
from reports.figures import report_figures
from reports.service import ReportError, ReportNotFound, get_report
from ui.resources import catalog, db_engine
from ui.state import PAGE_PATHS, PUBLIC_URL_ENV, public_base_url, report_link
from ui.verdict import show_verdict

BACK = "[← Open the Format Advisor](./advise)"


def _base_url() -> str:
    try:
        browser = st.context.url
    except (AttributeError, RuntimeError):
        browser = None
    return public_base_url(os.environ.get(PUBLIC_URL_ENV), browser, PAGE_PATHS)


def render_report(report: dict) -> None:
    snap = report["snapshot"]
    st.markdown(BACK)
    st.title(md_text(report["title"] or "Format Advisor report"))
    show_verdict(snap)
    versions = snap.get("versions") or {"catalog": report["catalog_version"]}
    current = catalog().version
    made = report["created_at"][:19].replace("T", " ")
    st.info(
        f"Read-only snapshot taken {made} UTC with catalog {md_code(versions.get('catalog', report['catalog_version']))}"
        + (f" and estimator {md_code(versions['estimator'])}" if versions.get("estimator") else "")
        + ("" if versions.get("catalog") == current else f" (the live catalog is now {md_code(current)})")
        + ". It never changes: numbers marked *estimated* are model predictions; *measured* are uploaded results."
    )
    link = report_link(_base_url(), report["id"])
    st.caption("Link to this report (copy button on the right):")
    st.code(link, language=None)
    st.subheader("Ranking")
    st.dataframe(pd.DataFrame(display_rows(snap.get("ranking", []))), hide_index=True, width="stretch")
    figures = report_figures(snap)
    if figures:
        st.subheader("Charts")
        for i, fig in enumerate(figures):
            st.plotly_chart(fig, width="content" if i == 0 else "stretch", key=f"report_fig_{i}")
    inputs = input_rows(snap.get("inputs", {}))
    if inputs:
        st.subheader("Inputs")
        st.dataframe(pd.DataFrame(inputs), hide_index=True)
    if snap.get("rejected"):
        st.subheader("Rejected formats (why not)")
        st.dataframe(pd.DataFrame(display_rows(snap["rejected"], REJECTED_COLUMNS)), hide_index=True, width="stretch")
    if snap.get("evidence"):
        st.subheader("Measured evidence")
        st.dataframe(pd.DataFrame(display_rows(snap["evidence"], EVIDENCE_COLUMNS)), hide_index=True, width="stretch")
    for note in snap.get("notes", []):
        st.caption(md_text(note))
    st.subheader("Export")
    cols = st.columns(5)
    stem = f"format-advisor-{report['id'][:8]}"
    cols[0].download_button("Markdown", to_markdown(report, link), f"{stem}.md", "text/markdown")
    # Built on click only: the HTML inlines plotly.js (several MB), too much to build on every page load.
    cols[1].download_button("HTML (with charts)", lambda: to_html(report, figures, link), f"{stem}.html", "text/html")
    cols[2].download_button("CSV (ranking)", to_csv(report), f"{stem}.csv", "text/csv")
    cols[3].download_button("JSON", to_json(report), f"{stem}.json", "application/json")
    cols[4].download_button("Print-friendly page", to_print_html(report, link), f"{stem}-print.html", "text/html")


def render() -> None:
    report_id = st.query_params.get("report", "")
    try:
        report = get_report(report_id, engine=db_engine())
    except ReportNotFound as exc:
        st.markdown(BACK)
        st.error(f"Report not found. {md_text(exc)}")
        return
    except ReportError as exc:
        st.markdown(BACK)
        st.error(f"This report link is not valid. {md_text(exc)}")
        return
    render_report(report)

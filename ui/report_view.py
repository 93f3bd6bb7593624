"""Read-only view of a shared report (``?report=<id>``), made for a stakeholder: the verdict first, then the
ranking with human names and units, then the charts (one click away; ``&charts=1`` in the link keeps them on);
the full link (a link at the top, a copy button at the end); the exports; the catalog and estimator versions it
was made with. Reports never change after they are stored."""

from __future__ import annotations

import os

import streamlit as st

from reports.display import EVIDENCE_COLUMNS, REJECTED_COLUMNS, display_rows, md_code, md_table, md_text
from reports.export import input_rows, to_csv, to_html, to_json, to_markdown, to_print_html
from reports.figures import report_figures
from reports.service import ReportError, ReportNotFound, get_report
from ui.ranking import show_ranking
from ui.resources import catalog, db_engine
from ui.state import PAGE_PATHS, PUBLIC_URL_ENV, public_base_url, report_link
from ui.verdict import show_verdict

BACK = "[← Open the Format Advisor](./advise)"
#: The toggle that draws the charts; seeded from ``?charts=1`` (the report link itself stays ``?report=<id>``).
CHARTS_KEY = "r_charts"


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
    # a link and inline code, not st.code: its highlighter script delays the first render (issue 17)
    st.markdown(f"Link to this report: [{md_text(link, link_text=True)}]({link}) {md_code(link)}")
    st.subheader("Ranking")
    show_ranking(snap.get("ranking", []), key="r_ranking")
    _charts(snap)
    # plain tables (no grid scripts on a stakeholder's first render); every export carries them too
    inputs = input_rows(snap.get("inputs", {}))
    if inputs:
        st.subheader("Inputs")
        st.markdown(md_table(inputs))
    if snap.get("rejected"):
        st.subheader("Rejected formats (why not)")
        st.markdown(md_table(display_rows(snap["rejected"], REJECTED_COLUMNS)))
    if snap.get("evidence"):
        st.subheader("Measured evidence")
        st.markdown(md_table(display_rows(snap["evidence"], EVIDENCE_COLUMNS)))
    for note in snap.get("notes", []):
        st.caption(md_text(note))
    st.subheader("Export")
    cols = st.columns(5)
    stem = f"format-advisor-{report['id'][:8]}"
    cols[0].download_button("Markdown", to_markdown(report, link), f"{stem}.md", "text/markdown")
    # Built on click only: the HTML inlines plotly.js (several MB), too much to build on every page load.
    cols[1].download_button(
        "HTML (with charts)", lambda: to_html(report, report_figures(snap), link), f"{stem}.html", "text/html"
    )
    cols[2].download_button("CSV (ranking)", to_csv(report), f"{stem}.csv", "text/csv")
    cols[3].download_button("JSON", to_json(report), f"{stem}.json", "application/json")
    cols[4].download_button("Print-friendly page", to_print_html(report, link), f"{stem}-print.html", "text/html")
    # the copy button, last on the page: its highlighter script then loads after the verdict and ranking are drawn
    st.caption("This report's link, with a copy button:")
    st.code(link, language=None)


def _charts(snap: dict) -> None:
    """The Pareto and roofline charts, drawn only when asked for: the chart library (plotly.js, ~4.7 MB) held
    the whole report's first render back by about a second (bench/RESULTS.md, issue 17)."""
    roof = snap.get("roofline") or {}
    if not snap.get("ranking") and not (roof.get("peaks_tflops") and roof.get("bandwidth_gbps")):
        return
    st.subheader("Charts")
    st.session_state.setdefault(CHARTS_KEY, st.query_params.get("charts") == "1")
    if not st.toggle("Show charts: speed vs memory, roofline", key=CHARTS_KEY):
        return
    for i, fig in enumerate(report_figures(snap)):
        st.plotly_chart(fig, width="content" if i == 0 else "stretch", key=f"report_fig_{i}")


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

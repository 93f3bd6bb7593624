"""The page list, in one place. Every page has its own path (/advise, /hardware, /probe, /benchmarks,
/reports, /about); the root URL shows Advise too. ``?report=<id>`` (on any path) opens the read-only report
view and nothing else."""

from __future__ import annotations

import streamlit as st

from ui import advise_page, benchmarks_page, hardware_page, overview_page, probe_page, report_view, reports_page
from ui.state import PAGE_PATHS


def build_navigation():
    if "report" in st.query_params:
        # One page, served at every path, so a link opened from /reports?report=... works too.
        pages = [st.Page(report_view.render, title="Shared report", icon=":material/description:", default=True)]
        pages += [
            st.Page(report_view.render, title="Shared report", url_path=p, visibility="hidden") for p in PAGE_PATHS
        ]
        return st.navigation(pages, position="hidden")
    pages = [
        # The root URL: the Advise page itself (not a redirect), hidden from the menu, which lists /advise.
        st.Page(
            advise_page.render,
            title="Advise",
            icon=":material/recommend:",
            url_path="home",
            default=True,
            visibility="hidden",
        ),
        st.Page(advise_page.render, title="Advise", icon=":material/recommend:", url_path="advise"),
        st.Page(hardware_page.render, title="Hardware", icon=":material/memory:", url_path="hardware"),
        st.Page(probe_page.render, title="Probe", icon=":material/speed:", url_path="probe"),
        st.Page(benchmarks_page.render, title="Benchmarks", icon=":material/monitoring:", url_path="benchmarks"),
        st.Page(reports_page.render, title="Reports", icon=":material/share:", url_path="reports"),
        st.Page(overview_page.render, title="About", icon=":material/info:", url_path="about"),
    ]
    return st.navigation(pages)

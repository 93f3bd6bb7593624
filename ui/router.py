"""The page list, in one place. ``?report=<id>`` opens the read-only report view and nothing else."""

from __future__ import annotations

import streamlit as st

from ui import advise_page, benchmarks_page, hardware_page, overview_page, probe_page, report_view, reports_page


def build_navigation():
    if "report" in st.query_params:
        page = st.Page(report_view.render, title="Shared report", icon=":material/description:", default=True)
        return st.navigation([page], position="hidden")
    pages = [
        st.Page(advise_page.render, title="Advise", icon=":material/recommend:", url_path="advise", default=True),
        st.Page(hardware_page.render, title="Hardware", icon=":material/memory:", url_path="hardware"),
        st.Page(probe_page.render, title="Probe", icon=":material/speed:", url_path="probe"),
        st.Page(benchmarks_page.render, title="Benchmarks", icon=":material/monitoring:", url_path="benchmarks"),
        st.Page(reports_page.render, title="Reports", icon=":material/share:", url_path="reports"),
        st.Page(overview_page.render, title="About", icon=":material/info:", url_path="about"),
    ]
    return st.navigation(pages)

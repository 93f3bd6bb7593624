"""The page list, in one place."""

from __future__ import annotations

import streamlit as st

from ui import overview_page


def build_navigation():
    pages = [
        st.Page(overview_page.render, title="Overview", icon=":material/home:", url_path="overview", default=True),
    ]
    return st.navigation(pages)

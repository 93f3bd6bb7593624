"""Format Advisor: router only (page config + navigation). Pages live in ui/."""

import streamlit as st

from ui.router import build_navigation

st.set_page_config(page_title="Format Advisor", page_icon=":material/memory:", layout="wide")
build_navigation().run()

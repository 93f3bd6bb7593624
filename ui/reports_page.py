"""Shared reports: the links this browser session created (newest first) and opening a link.

Report ids are unguessable and never listed to other visitors: the table of all reports shows
titles and times only; a link is known to whoever shared it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports.service import list_reports
from ui.format import md_text
from ui.resources import db_engine


def render() -> None:
    st.title("Reports")
    mine = st.session_state.get("shared_reports", [])
    st.subheader("Shared from this session")
    if mine:
        for rep in reversed(mine):
            title = md_text(rep["title"], link_text=True)
            st.markdown(f"- [{title}](?report={rep['id']}) · {rep['created_at'][:19].replace('T', ' ')} UTC")
    else:
        st.caption("Nothing shared yet: use **Share** on the Advise page.")
    st.subheader("Open a report link")
    link = st.text_input("Paste a report link or id", key="open_report_link")
    if link:
        rid = link.strip().split("report=")[-1].split("&")[0]
        st.query_params.clear()
        st.query_params["report"] = rid
        st.rerun()
    st.subheader("All shared reports")
    rows = list_reports(engine=db_engine())
    if rows:
        st.dataframe(
            pd.DataFrame([{k: r[k] for k in ("created_at", "title", "catalog_version")} for r in rows]),
            hide_index=True,
            width="stretch",
        )
        st.caption("Links are private to whoever shared them; ids are not listed here.")
    else:
        st.caption("No reports have been shared yet.")

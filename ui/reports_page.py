"""Shared reports: the links this browser session created (newest first) and opening a link.

Report ids are unguessable and never listed to other visitors: the table of all reports shows
titles and times only; a link is known to whoever shared it.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from reports.display import md_text
from reports.service import ReportError, list_reports, validate_report_id
from ui.resources import db_engine
from ui.state import PAGE_PATHS, PUBLIC_URL_ENV, public_base_url, report_link


def _base_url() -> str:
    try:
        browser = st.context.url
    except (AttributeError, RuntimeError):
        browser = None
    return public_base_url(os.environ.get(PUBLIC_URL_ENV), browser, PAGE_PATHS)


def render() -> None:
    st.title("Reports")
    base = _base_url()
    mine = st.session_state.get("shared_reports", [])
    st.subheader("Shared from this session")
    if mine:
        for rep in reversed(mine):
            title = md_text(rep["title"], link_text=True)
            link = report_link(base, rep["id"])
            st.markdown(f"- [{title}]({link}) · {rep['created_at'][:19].replace('T', ' ')} UTC")
    else:
        st.caption("Nothing shared yet: use **Share** on the Advise page.")
    st.subheader("Open a report link")
    text = st.text_input("Paste a report link or id", key="open_report_link")
    if text:
        rid = text.strip().split("report=")[-1].split("&")[0].strip()
        try:
            validate_report_id(rid)
        except ReportError as exc:
            st.error(md_text(exc))
        else:
            st.link_button("Open the report", report_link(base, rid), type="primary")
    st.subheader("All shared reports")
    rows = list_reports(engine=db_engine())
    if rows:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Created (UTC)": r["created_at"][:19].replace("T", " "),
                        "Title": r["title"],
                        "Catalog version": r["catalog_version"],
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption("Links are private to whoever shared them; ids are not listed here.")
    else:
        st.caption("No reports have been shared yet.")

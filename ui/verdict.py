"""The verdict block, shared by the Advise page and the shared report: the same sentences as every export
(``reports.summary``)."""

from __future__ import annotations

import streamlit as st

from reports.display import md_text
from reports.summary import summarize


def show_verdict(snapshot: dict) -> None:
    summary = summarize(snapshot)
    if not summary.ok:
        st.error(f"**{summary.headline}.** {summary.why}")
        return
    lines = "\n".join(f"- {md_text(line)}" for line in summary.lines())
    src = summary.quality_source
    if src.startswith(("https://", "http://")):
        lines += f"\n- Quality source: [{md_text(src, link_text=True)}]({src})"
    st.success(f"**Best for this workload: {md_text(summary.headline.removeprefix('Use '))}**\n\n{lines}")
    show_deploy(summary)


def show_deploy(summary) -> None:
    """The commands that produce and serve the recommended format, each with the page it was taken from."""
    st.markdown("**Deploy it**")
    st.caption(md_text(summary.deploy_note))
    for line in summary.deploy:
        src = f" ([source]({line.source}))" if line.source.startswith(("https://", "http://")) else ""
        st.markdown(f"{md_text(line.title)}{src}:")
        st.code(line.command, language="bash")

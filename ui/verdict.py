"""The verdict block, shared by the Advise page and the shared report: the same sentences as every export
(``reports.summary``)."""

from __future__ import annotations

import streamlit as st

from reports.display import md_code, md_text
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
    """The commands that produce and serve the recommended format, each with the page it was taken from.

    As inline code in one markdown block, not ``st.code``: the code block's syntax highlighter is a 1.5 MB
    script whose loading held the page's first render back by ~0.5-0.8 s (bench/RESULTS.md, issue 17). The
    Advise page's deploy expander shows them as copyable code blocks, and every export carries them."""
    st.markdown("**Deploy it**")
    st.caption(md_text(summary.deploy_note))
    steps = []
    for line in summary.deploy:
        src = f" ([source]({line.source}))" if line.source.startswith(("https://", "http://")) else ""
        steps.append(f"- {md_text(line.title)}{src}: {md_code(line.command)}")
    if steps:
        st.markdown("\n".join(steps))

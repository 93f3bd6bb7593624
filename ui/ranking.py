"""The ranking table, shared by the Advise page and the shared report: the best-ranked formats with the columns
a reader decides on as a plain table, every ranked format with every column as a sortable grid one click away.

The first table is markdown, not ``st.dataframe``: the grid's scripts (~1.2 MB) load only when a grid first
appears and held the page's first render back by ~0.3-0.4 s on a 2-core host (bench/RESULTS.md, "Page render
times"). Names from the snapshot are escaped (``reports.display.md_table``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports.display import RANKING_COLUMNS, SUMMARY_COLUMNS, SUMMARY_ROWS, display_rows, md_table

#: Streamlit dataframe row height (px) and the tallest ranking grid drawn without its own scroll bar.
ROW_PX = 35
MAX_GRID_PX = 1400


def show_ranking(ranking: list[dict], key: str) -> None:
    """The summary table, then a lazy expander (``key``: its open state) holding the full grid."""
    st.markdown(md_table(display_rows(ranking[:SUMMARY_ROWS], SUMMARY_COLUMNS)))
    full = display_rows(ranking, RANKING_COLUMNS)
    n_cols = len(full[0]) if full else 0
    shown = f"the top {SUMMARY_ROWS} of {len(ranking)} ranked formats" if len(ranking) > SUMMARY_ROWS else ""
    label = f"All {len(ranking)} formats, all {n_cols} columns: sort, search, download"
    if shown:
        st.caption(f"Showing {shown}; every one of them is in the grid below and in every export.")
    grid = st.expander(label, key=f"{key}_open", on_change="rerun")
    if grid.open:
        with grid:
            # tall enough for every ranked row: a scrolled grid hides the formats the user came to compare
            height = min(ROW_PX * (len(full) + 1) + 3, MAX_GRID_PX)
            st.dataframe(pd.DataFrame(full), hide_index=True, width="stretch", height=height, key=key)

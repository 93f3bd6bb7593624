"""Overview: what the app is, and what the database holds (catalog version, stored items)."""

from __future__ import annotations

import streamlit as st

from store.migrate import database_state
from ui.resources import catalog, db_engine


def render() -> None:
    st.title("Format Advisor")
    st.write(
        "Which quantization format and bit width does your hardware run **natively**, and what does each "
        "choice cost in speed, memory and quality? Answers come from a curated accelerator database, live "
        "hardware probes and your own measured benchmarks."
    )
    cat = catalog()
    state = database_state(db_engine())
    st.markdown(f"Catalog version **`{cat.version}`**")
    cols = st.columns(4)
    cols[0].metric("Accelerators", len(cat.skus))
    cols[1].metric("Stored measurements", state.measurements)
    cols[2].metric("Probe reports", state.probe_reports)
    cols[3].metric("Shared reports", state.shared_reports)
    st.caption(f"Database schema revision {state.revision}; catalog stored in the database: {state.catalog_version}.")

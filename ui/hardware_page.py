"""Hardware: browse and filter the catalog, compare devices, support heatmap, format timeline, sources."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hardware_db.export import export_csv, export_rows
from hardware_db.schema import SUPPORT_KEYS, MathFormat
from ui.format import support_badge
from ui.resources import catalog
from viz.figures import format_timeline, support_heatmap

MATH_KEYS = [m.value for m in MathFormat]


@st.cache_data(show_spinner=False)
def _rows(version: str) -> list[dict]:
    return export_rows(catalog())


def render() -> None:
    cat = catalog()
    st.title("Hardware catalog")
    st.caption(
        f"Catalog `{cat.version}` · {len(cat.skus)} accelerators · dense peaks (no sparsity), TFLOPS for floats and "
        "TOPS for integers; an empty cell is unknown or not native. Every figure links to its source."
    )
    rows = _rows(cat.version)
    df = pd.DataFrame(rows)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
    vendors = c1.multiselect("Vendor", sorted(df["vendor"].unique()), key="hw_vendor")
    kinds = c2.multiselect("Kind", sorted(df["kind"].unique()), key="hw_kind")
    native = c3.multiselect("Runs natively", list(SUPPORT_KEYS), key="hw_native")
    text = c4.text_input("Search name", key="hw_search")
    mask = pd.Series(True, index=df.index)
    if vendors:
        mask &= df["vendor"].isin(vendors)
    if kinds:
        mask &= df["kind"].isin(kinds)
    for key in native:
        mask &= df[f"support_{key}"] == "native"
    if text:
        mask &= df["name"].str.contains(text, case=False, regex=False)
    view = df[mask]
    shown = ["name", "vendor", "architecture", "compute_capability", "memory_gb", "memory_bandwidth_gbps"]
    shown += [f"dense_tflops_{k}" for k in MATH_KEYS] + ["release_year", "source"]
    st.dataframe(
        view[[c for c in shown if c in view.columns]],
        hide_index=True,
        width="stretch",
        column_config={"source": st.column_config.LinkColumn("source")},
    )
    st.download_button("Download catalog CSV", export_csv(cat), f"format-advisor-catalog-{cat.version}.csv", "text/csv")

    st.subheader("Compare devices")
    names = dict(zip(df["name"], df["id"], strict=True))
    picked = st.multiselect("Up to four devices", list(names), max_selections=4, key="hw_compare")
    if picked:
        _compare([names[n] for n in picked])

    tab1, tab2 = st.tabs(["Support heatmap", "Timeline"])
    with tab1:
        st.plotly_chart(support_heatmap(view.to_dict("records"), list(SUPPORT_KEYS)), width="stretch")
    with tab2:
        archs = [
            {
                "vendor": a.vendor,
                "name": a.name,
                "release_year": a.release_year,
                "support": {k: c.level.value for k, c in a.support.items()},
            }
            for a in cat.architectures.values()
        ]
        st.plotly_chart(format_timeline(archs, list(SUPPORT_KEYS)), width="stretch")


def _compare(sku_ids: list[str]) -> None:
    cat = catalog()
    table: dict[str, dict[str, str]] = {}
    for sid in sku_ids:
        sku = cat.skus[sid]
        col: dict[str, str] = {
            "architecture": cat.architectures[sku.architecture].name,
            "compute capability": cat.compute_capability(sid) or "",
            "memory (GB)": f"{sku.memory_gb:g}" if sku.memory_gb else "unknown",
            "bandwidth (GB/s)": f"{sku.memory_bandwidth_gbps:g}" if sku.memory_bandwidth_gbps else "unknown",
            "TDP (W)": f"{sku.tdp_w:g}" if sku.tdp_w else "unknown",
        }
        for key in SUPPORT_KEYS:
            claim = cat.support(sid, key)
            peak = sku.dense_tflops.get(key)
            col[key] = support_badge(claim.level.value if claim else "unknown") + (f" · {peak:g}" if peak else "")
        table[sku.name] = col
    st.dataframe(pd.DataFrame(table), width="stretch")
    with st.expander("Sources for these devices"):
        for sid in sku_ids:
            sku = cat.skus[sid]
            st.markdown(f"**{sku.name}**: [datasheet]({sku.source}) (checked {sku.checked})")
            for key in SUPPORT_KEYS:
                claim = cat.support(sid, key)
                if claim:
                    note = f" {claim.notes}" if claim.notes else ""
                    st.markdown(f"- `{key}` {claim.level.value}: [source]({claim.source}) ({claim.checked}).{note}")

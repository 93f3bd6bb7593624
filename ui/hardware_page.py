"""Hardware: browse and filter the catalog, compare several devices chosen in one step, support heatmap and
charts that follow the comparison, format timeline, sources.

The comparison is a form: picking devices costs nothing until **Compare** (one rerun for any number of
devices); the picked ids go into the URL (``?compare=h100_sxm5_80gb,b200``) so a comparison can be shared.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hardware_db.export import export_csv, export_rows
from hardware_db.prices import default_prices
from hardware_db.schema import SUPPORT_KEYS, MathFormat
from reports.display import fmt_num, fmt_usd, md_table, support_label
from ui.resources import catalog
from viz.figures import device_bars, format_timeline, support_heatmap

MATH_KEYS = [m.value for m in MathFormat]
MAX_COMPARE = 8
#: Catalog columns shown in the table, with their headers (units included).
CATALOG_COLUMNS = {
    "name": "Device",
    "vendor": "Vendor",
    "architecture": "Architecture",
    "compute_capability": "Compute capability",
    "memory_gb": "Memory (GB)",
    "memory_bandwidth_gbps": "Bandwidth (GB/s)",
    **{f"dense_tflops_{k}": f"{k.upper()} dense (TFLOPS/TOPS)" for k in MATH_KEYS},
    "release_year": "Released",
    "source": "Source",
}


#: The catalog's "Sort by" choices: label -> (column of the export rows, descending).
CATALOG_SORT = {
    "Released (newest first)": ("release_year", True),
    "Device": ("name", False),
    "Memory (GB)": ("memory_gb", True),
    "Bandwidth (GB/s)": ("memory_bandwidth_gbps", True),
    "BF16 dense (TFLOPS)": ("dense_tflops_bf16", True),
    "FP8 dense (TFLOPS)": ("dense_tflops_fp8", True),
}
CATALOG_PX = 560
#: Rows of the plain catalog table before "Show all" (the filters, the search and Sort by pick which).
PLAIN_ROWS = 25
#: The plain catalog table: the columns one reads across devices (header of ``CATALOG_COLUMNS`` -> short header;
#: the caption says the peaks are dense). Every column is in the grid below it and in the CSV.
PLAIN_COLUMNS = {
    "Device": "Device",
    "Vendor": "Vendor",
    "Memory (GB)": "Memory (GB)",
    "Bandwidth (GB/s)": "Bandwidth (GB/s)",
    "BF16 dense (TFLOPS/TOPS)": "BF16 (TFLOPS)",
    "FP8 dense (TFLOPS/TOPS)": "FP8 (TFLOPS)",
    "INT8 dense (TFLOPS/TOPS)": "INT8 (TOPS)",
    "FP4 dense (TFLOPS/TOPS)": "FP4 (TFLOPS)",
    "Released": "Released",
    "Source": "Source",
}


@st.cache_data(show_spinner=False)
def _rows(version: str) -> list[dict]:
    return export_rows(catalog())


VENDOR_NAMES = {"amd": "AMD", "nvidia": "NVIDIA", "intel": "Intel", "apple": "Apple", "google": "Google",
                "aws": "AWS", "arm": "Arm"}  # fmt: skip


def catalog_table(view: pd.DataFrame) -> pd.DataFrame:
    """The catalog for display: human headers, numbers as text with the app's rounding ("-" when unknown).
    Sorted by the caller (filters and the name search)."""
    out = pd.DataFrame(index=view.index)
    for key, label in CATALOG_COLUMNS.items():
        if key not in view.columns:
            continue
        col = view[key]
        if key.startswith("dense_tflops_") or key in ("memory_gb", "memory_bandwidth_gbps"):
            out[label] = [fmt_num(v) if pd.notna(v) else "-" for v in col]
        elif key == "vendor":
            out[label] = [VENDOR_NAMES.get(str(v), str(v).title()) for v in col]
        elif key == "architecture":
            archs = catalog().architectures
            out[label] = [archs[v].name if v in archs else str(v) for v in col]
        elif key == "release_year":
            out[label] = [str(int(v)) if pd.notna(v) else "-" for v in col]
        else:
            out[label] = [
                str(v) if v not in (None, "") and not (isinstance(v, float) and pd.isna(v)) else "-" for v in col
            ]
    return out


def compare_frame(sku_ids: list[str], sort_by: str = "Memory (GB)") -> pd.DataFrame:
    """One row per device, one column per property: numeric columns stay numbers (the table sorts them by value
    when a header is clicked), unknown is NaN shown as blank; support levels as words."""
    cat = catalog()
    prices = default_prices()
    rows = []
    for sid in sku_ids:
        sku = cat.skus[sid]
        price = prices.get(sid)
        row: dict = {
            "Device": sku.name,
            "Architecture": cat.architectures[sku.architecture].name,
            "Compute capability": cat.compute_capability(sid) or "-",
            "Memory (GB)": sku.memory_gb,
            "Bandwidth (GB/s)": sku.memory_bandwidth_gbps,
            "TDP (W)": sku.tdp_w,
            "List price (USD per hour)": fmt_usd(price.usd_per_device_hour) if price else "-",
        }
        for key in MATH_KEYS:
            row[f"{key.upper()} dense (TFLOPS/TOPS)"] = sku.dense_tflops.get(key)
        for key in SUPPORT_KEYS:
            claim = cat.support(sid, key)
            row[f"{key.upper()} support"] = support_label(claim.level.value if claim else "unknown")
        rows.append(row)
    df = pd.DataFrame(rows)
    df = df.dropna(axis=1, how="all")
    if sort_by in df.columns:
        df = df.sort_values(sort_by, ascending=sort_by in ("Device", "Architecture"), na_position="last")
    return df.reset_index(drop=True)


def _picked_from_url(names_by_id: dict[str, str]) -> list[str]:
    raw = st.query_params.get("compare", "")
    ids = [x for x in raw.split(",") if x]
    bad = [x for x in ids if x not in names_by_id]
    if bad:
        st.warning(
            f"Query parameter compare names {len(bad)} unknown device id(s) ({', '.join(b[:40] for b in bad[:4])}); "
            "they were ignored. Ids are the catalog's (python -m advisor list hardware)."
        )
    return [x for x in ids if x in names_by_id][:MAX_COMPARE]


def render() -> None:
    cat = catalog()
    st.title("Hardware catalog")
    st.caption(
        f"Catalog `{cat.version}` · {len(cat.skus)} accelerators · dense peaks (no sparsity), TFLOPS for floats and "
        "TOPS for integers; `-` is unknown or not native. Every figure links to its source."
    )
    rows = _rows(cat.version)
    df = pd.DataFrame(rows)
    names_by_id = dict(zip(df["id"], df["name"], strict=True))

    st.subheader("Compare devices")
    if "hw_compare_ids" not in st.session_state:
        st.session_state["hw_compare_ids"] = _picked_from_url(names_by_id)
        st.session_state["hw_compare"] = list(st.session_state["hw_compare_ids"])
    with st.form("hw_compare_form", border=True):
        c1, c2 = st.columns([4, 1])
        c1.multiselect(
            f"Devices to compare (up to {MAX_COMPARE}; pick them all, then Compare)",
            sorted(names_by_id, key=lambda s: names_by_id[s]),
            format_func=names_by_id.get,
            max_selections=MAX_COMPARE,
            key="hw_compare",
            placeholder="type to search, e.g. H100, MI300X, 4090",
        )
        c2.selectbox(
            "Sort by",
            ["Memory (GB)", "Bandwidth (GB/s)", "BF16 dense (TFLOPS/TOPS)", "FP8 dense (TFLOPS/TOPS)", "Device"],
            key="hw_sort",
        )
        if st.form_submit_button("Compare", type="primary"):
            st.session_state["hw_compare_ids"] = list(st.session_state["hw_compare"])
            if st.session_state["hw_compare_ids"]:
                st.query_params["compare"] = ",".join(st.session_state["hw_compare_ids"])
            else:
                st.query_params.pop("compare", None)
    picked = st.session_state["hw_compare_ids"]
    if picked:
        _compare(picked, st.session_state.get("hw_sort", "Memory (GB)"))
    else:
        st.caption("Pick devices above and press **Compare**: a side-by-side table, support heatmap and charts.")

    st.subheader("Catalog")
    c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1.5, 1.2])
    vendors = c1.multiselect("Vendor", sorted(df["vendor"].unique()), key="hw_vendor")
    kinds = c2.multiselect("Kind", sorted(df["kind"].unique()), key="hw_kind")
    native = c3.multiselect("Runs natively", list(SUPPORT_KEYS), format_func=str.upper, key="hw_native")
    text = c4.text_input("Search name", key="hw_search")
    order = c5.selectbox("Sort by", list(CATALOG_SORT), key="hw_catalog_sort")
    mask = pd.Series(True, index=df.index)
    if vendors:
        mask &= df["vendor"].isin(vendors)
    if kinds:
        mask &= df["kind"].isin(kinds)
    for key in native:
        mask &= df[f"support_{key}"] == "native"
    if text:
        mask &= df["name"].str.contains(text, case=False, regex=False)
    key, descending = CATALOG_SORT[order]
    view = df[mask].sort_values(key, ascending=not descending, na_position="last", kind="stable")
    shown = view
    if len(view) > PLAIN_ROWS and not st.toggle(f"Show all {len(view)} devices here", key="hw_show_all"):
        shown = view.head(PLAIN_ROWS)  # a 100-row table takes ~0.25 s more to draw (bench/RESULTS.md)
    st.caption(
        f"{len(view)} of {len(df)} devices match"
        + (f"; the first {len(shown)} in this order are shown" if len(shown) < len(view) else "")
    )
    # a plain table in a scroll box, not st.dataframe: the grid's scripts held the page's first render back by
    # ~0.5 s (bench/RESULTS.md, "Page render times"); sorting is the Sort by box; every column is in the grid
    # one click away (a lazy expander: it runs only when opened) and in the CSV
    table = catalog_table(view)
    plain = catalog_table(shown)
    plain = plain[[c for c in PLAIN_COLUMNS if c in plain.columns]].rename(columns=PLAIN_COLUMNS)
    with st.container(height=CATALOG_PX):
        st.markdown(md_table(plain.to_dict("records"), links={"Source": "datasheet"}))
    grid = st.expander(
        "Every column (architecture, every math format): sortable grid", key="hw_grid_open", on_change="rerun"
    )
    if grid.open:
        with grid:
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                height=CATALOG_PX,
                column_config={"Source": st.column_config.LinkColumn("Source")},
            )
    st.download_button("Download catalog CSV", export_csv(cat), f"format-advisor-catalog-{cat.version}.csv", "text/csv")

    # The charts load plotly.js (~3.5 MB), which delays the first render by seconds on a busy host: they come
    # with a comparison (the user asked for charts), or one click away (bench/RESULTS.md, "Page render").
    if not picked and not st.toggle("Show support heatmap and timeline for the filtered catalog", key="hw_charts"):
        return
    heat_rows = [r for r in rows if r["id"] in picked] if picked else view.to_dict("records")
    heat_rows.sort(key=lambda r: picked.index(r["id"]) if r["id"] in picked else 0)
    tab1, tab2 = st.tabs(["Support heatmap", "Timeline"])
    with tab1:
        scope = "the compared devices" if picked else f"the {len(heat_rows)} devices in the filtered catalog"
        st.caption(f"Native support by format for {scope}.")
        st.plotly_chart(support_heatmap(heat_rows, list(SUPPORT_KEYS)), width="stretch", key="hw_heatmap")
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
        st.plotly_chart(format_timeline(archs, list(SUPPORT_KEYS)), width="stretch", key="hw_timeline")


def _compare(sku_ids: list[str], sort_by: str) -> None:
    cat = catalog()
    table = compare_frame(sku_ids, sort_by)
    numeric = {
        c: st.column_config.NumberColumn(c, format="localized") for c in table.columns if table[c].dtype.kind in "fi"
    }
    st.dataframe(table, hide_index=True, width="stretch", column_config=numeric, key="hw_compare_table")
    st.plotly_chart(device_bars(table), width="stretch", key="hw_compare_bars")
    with st.expander("Sources for these devices"):
        for sid in sku_ids:
            sku = cat.skus[sid]
            st.markdown(f"**{sku.name}**: [datasheet]({sku.source}) (checked {sku.checked})")
            price = default_prices().get(sid)
            if price:
                st.markdown(
                    f"- list price {fmt_usd(price.usd_per_device_hour)} per hour: [{price.provider}]({price.url}) "
                    f"({price.offer}), as of {price.as_of}, checked {price.checked}"
                )
            for key in SUPPORT_KEYS:
                claim = cat.support(sid, key)
                if claim:
                    note = f" {claim.notes}" if claim.notes else ""
                    st.markdown(
                        f"- {key.upper()} {support_label(claim.level.value)}: [source]({claim.source}) "
                        f"({claim.checked}).{note}"
                    )

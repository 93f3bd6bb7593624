"""Benchmarks: upload measured results, see what was imported or rejected, browse them, compare with estimates.

The widgets stay thin: ``handle_upload`` (bytes in, ``ImportResult`` out, never raises) and
``compare_rows`` (measured vs estimated, pure) carry the logic and are tested directly.
Numbers from uploads are labelled *measured*; the advisor's numbers are labelled *estimated*.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from measurements import generic_csv
from measurements.compare import Predictor, compare_with_predictions, default_predictor
from measurements.detect import ACCEPTED
from measurements.service import (
    ImportResult,
    get_upload,
    import_file,
    list_results,
    list_uploads,
    max_upload_bytes,
    rejected_csv,
)
from store.db import DatabaseUnavailable
from store.migrate import results_token
from ui.format import fmt_num, md_text
from ui.resources import catalog, db_engine
from viz.figures import measured_vs_predicted

UPLOAD_TYPES = ["csv", "json", "jsonl", "md", "sql", "txt", "log"]
#: The browse table reads at most this many stored rows (newest uploads are at the end).
MAX_BROWSE_ROWS = 20_000
#: Measured vs estimated runs the estimator once per row (0.08 ms a row over 5,000 rows on the 2-CPU dev VM,
#: measured 2026-11-27); more rows than this are cut.
MAX_COMPARE_ROWS = 5_000
METRICS = {
    "decode_tok_s": "decode tok/s",
    "prefill_tok_s": "prefill tok/s",
    "ttft_ms": "TTFT ms",
    "tpot_ms": "TPOT ms",
}
NOT_IN_CATALOG = " (not in catalog)"


# ---------------------------------------------------------------- logic (no widgets)


def handle_upload(
    data: bytes, file_name: str, *, label: str = "", hardware_hint: str | None = None, engine: Engine | None = None
) -> ImportResult:
    """Import one uploaded file; a database failure becomes a failed result with a message, never an exception."""
    try:
        return import_file(data, file_name, label=label.strip(), hardware_hint=hardware_hint or None, engine=engine)
    except (DatabaseUnavailable, SQLAlchemyError) as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = first[0] if first else type(exc).__name__
        return ImportResult("", 0, 0, [], [], None, f"nothing stored: the database failed ({reason})", file_name)


def _label(value: Any, raw: Any) -> str:
    if isinstance(value, str) and value:
        return value
    raw = raw if isinstance(raw, str) and raw else "?"
    return raw + NOT_IN_CATALOG


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Stored rows with one readable column per catalog id (the raw text where it could not be mapped)."""
    out = df.copy()
    out["hardware"] = [_label(v, r) for v, r in zip(out["hardware_sku"], out["hardware_raw"], strict=True)]
    out["model"] = [_label(v, r) for v, r in zip(out["model_id"], out["model_raw"], strict=True)]
    out["format"] = [_label(v, r) for v, r in zip(out["format_id"], out["format_raw"], strict=True)]
    out["engine"] = out["engine"].fillna("")
    out["notes_and_flags"] = [
        "; ".join(x for x in [n if isinstance(n, str) else "", *(f if isinstance(f, list) else [])] if x)
        for n, f in zip(out.get("notes", pd.Series("", index=out.index)), out["flags"], strict=True)
    ]
    return out


def filter_frame(df: pd.DataFrame, **choices: str | None) -> pd.DataFrame:
    """Rows whose display columns (hardware, model, format, engine) equal every choice that is not None."""
    mask = pd.Series(True, index=df.index)
    for column, value in choices.items():
        if value is not None:
            mask &= df[column] == value
    return df[mask]


def comparison_table(view: pd.DataFrame, predict: Predictor, metric: str) -> pd.DataFrame:
    """Measured vs estimated ``metric`` for the rows of ``view`` (from ``display_frame``) that measured it.

    Columns: the row's identity, ``measured_<metric>``, ``predicted_<metric>`` (NaN when the estimator
    could not say; ``note`` says why) and ``error_pct`` = (estimated - measured) / measured x 100.
    """
    columns = ["label", "upload_id", "hardware", "model", "format", "engine", "test", "batch"]
    columns += [f"measured_{metric}", f"predicted_{metric}", "error_pct", "note"]
    if metric not in view.columns:
        return pd.DataFrame(columns=columns)
    measured = view[pd.to_numeric(view[metric], errors="coerce") > 0]
    if measured.empty:
        return pd.DataFrame(columns=columns)
    raw = measured[[c for c in measured.columns if c not in ("hardware", "model", "format", "notes_and_flags")]]
    compared = compare_with_predictions(raw, predict)
    predicted = compared[f"predicted_{metric}"]
    out = pd.DataFrame(
        {
            "label": measured["hardware"]
            + " · "
            + measured["model"]
            + " · "
            + measured["format"]
            + " · "
            + measured["test"].fillna(""),
            "upload_id": measured["upload_id"],
            "hardware": measured["hardware"],
            "model": measured["model"],
            "format": measured["format"],
            "engine": measured["engine"],
            "test": measured["test"],
            "batch": measured["batch"],
            f"measured_{metric}": pd.to_numeric(measured[metric]).astype("float64"),
            f"predicted_{metric}": predicted,
            "error_pct": compared[f"error_{metric}_pct"].round(1),
            "note": [
                n or ("" if pd.notna(p) else "no estimate for this row")
                for n, p in zip(compared["prediction_note"], predicted, strict=True)
            ],
        },
        index=measured.index,
    )
    return out[columns].reset_index(drop=True)


def chart_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for ``viz.figures.measured_vs_predicted``; NaN becomes None, so rows without an estimate drop out."""
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        for rec in table.to_dict("records")
    ]


# ---------------------------------------------------------------- widgets


def _upload_section(engine: Engine) -> None:
    limit = max_upload_bytes()
    limit_mb = max(1, math.ceil(limit / (1024 * 1024)))
    st.subheader("Upload results")
    st.caption(f"Accepted: {ACCEPTED}. Up to {limit_mb} MB per file.")
    cat = catalog()
    sku_ids = sorted(cat.skus, key=lambda s: cat.skus[s].name.lower())
    with st.form("bench_upload", clear_on_submit=False):
        uploaded = st.file_uploader("Benchmark file", type=UPLOAD_TYPES, max_upload_size=limit_mb, key="bench_file")
        c1, c2 = st.columns(2)
        label = c1.text_input("Label (optional)", max_chars=255, key="bench_label")
        hint = c2.selectbox(
            "Hardware override (optional)",
            sku_ids,
            index=None,
            format_func=lambda s: f"{cat.skus[s].name} ({s})",
            placeholder="detect from the file",
            help="Use when the file does not name the device, or names it in a way the catalog doesn't know.",
            key="bench_hint",
        )
        submitted = st.form_submit_button("Import", type="primary")
    if submitted:
        if uploaded is None:
            st.warning("Choose a file first.")
        else:
            data = uploaded.getvalue()
            started = time.perf_counter()
            shown = md_text(uploaded.name)
            with st.status(f"Importing {shown} ({len(data) / 1e6:.2f} MB)...", expanded=False) as status:
                st.write("reading, detecting the format, validating every row, storing in one transaction")
                result = handle_upload(data, uploaded.name, label=label, hardware_hint=hint, engine=engine)
                ok = result.upload_id is not None
                status.update(
                    label=f"Import of {shown} {'finished' if ok else 'failed'} after "
                    f"{time.perf_counter() - started:.1f} s",
                    state="complete" if ok else "error",
                )
            st.session_state["bench_last_import"] = {
                "result": result.to_dict(with_rows=True),
                "rejected_csv": rejected_csv(result) if result.rejected else "",
            }
    last = st.session_state.get("bench_last_import")
    if last:
        show_import_result(last["result"], last["rejected_csv"])
    with st.expander("Generic CSV: template and columns"):
        st.download_button(
            "Download the generic CSV template",
            generic_csv.TEMPLATE_CSV,
            "format-advisor-benchmarks-template.csv",
            "text/csv",
            key="bench_template",
        )
        st.markdown(generic_csv.__doc__ or "")


def show_import_result(result: dict[str, Any], rejected_text: str) -> None:
    """Feedback for the last upload: detected format, counts, rejected rows (with a download)."""
    name = md_text(result.get("file_name") or "the file")  # user text: shown as text, never as markdown
    message = md_text(result["message"])
    if result["imported"]:
        st.success(f"{name}: {message}")
    elif result["duplicates"]:
        st.info(f"{name}: {message}")
    else:
        st.error(f"Nothing stored from {name}: {message}")
    if not result["detected_format"]:
        return  # nothing was read: the message says why
    st.markdown(f"Detected format: **{result['detected_format']}**")
    c1, c2, c3 = st.columns(3)
    c1.metric("Imported rows", result["imported"])
    c2.metric("Already stored (duplicates)", result["duplicates"])
    c3.metric("Rejected rows", len(result["rejected"]))
    if result["rejected"]:
        st.markdown("**Rejected rows** (row = line or record number in the file)")
        st.dataframe(pd.DataFrame(result["rejected"], columns=["row", "column", "reason"]), hide_index=True)
        st.download_button(
            "Download the rejected rows (CSV)", rejected_text, "rejected-rows.csv", "text/csv", key="bench_rejected"
        )
    rows = result.get("rows") or []
    if rows:
        st.markdown("**Imported rows (measured)**")
        df = pd.DataFrame(rows)
        shown = [
            "row_number",
            "hardware_sku",
            "model_id",
            "format_id",
            "engine",
            "test",
            "batch",
            "prefill_tok_s",
            "decode_tok_s",
            "ttft_ms",
            "tpot_ms",
            "memory_gb",
            "quality_metric",
            "quality_value",
            "flags",
        ]
        df["flags"] = ["; ".join(f) for f in df["flags"]]
        st.dataframe(df[[c for c in shown if c in df.columns]], hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=4)
def _stored_frame(_engine: Engine, url: str, token: tuple[int, str]) -> pd.DataFrame:
    """The stored rows for display, read again only when ``results_token`` changes: every filter or
    metric change reruns the page, and reading up to ``MAX_BROWSE_ROWS`` rows is its slowest step."""
    stored = list_results(_engine, limit=MAX_BROWSE_ROWS)
    return stored if stored.empty else display_frame(stored)


def _browse_section(engine: Engine) -> pd.DataFrame:
    st.subheader("Stored results (measured)")
    df = _stored_frame(engine, str(engine.url), results_token(engine))
    if df.empty:
        st.caption("No results stored yet: upload a file above.")
        return df
    cols = st.columns(4)
    choices = {}
    for col, name in zip(cols, ("hardware", "model", "format", "engine"), strict=True):
        choices[name] = col.selectbox(
            name.capitalize(),
            sorted(df[name].unique()),
            index=None,
            format_func=lambda v: v or "(not given)",
            placeholder="all",
            key=f"bench_f_{name}",
        )
    view = filter_frame(df, **choices)
    shown = [
        "upload_id",
        "label",
        "hardware",
        "model",
        "format",
        "engine",
        "engine_version",
        "test",
        "gpus",
        "batch",
        "input_len",
        "output_len",
        "prefill_tok_s",
        "decode_tok_s",
        "ttft_ms",
        "tpot_ms",
        "memory_gb",
        "quality_metric",
        "quality_value",
        "measured_at",
        "notes_and_flags",
    ]
    st.dataframe(
        view[shown],
        hide_index=True,
        width="stretch",
        column_config={
            "prefill_tok_s": st.column_config.NumberColumn("prefill tok/s (measured)", format="%.1f"),
            "decode_tok_s": st.column_config.NumberColumn("decode tok/s (measured)", format="%.1f"),
            "ttft_ms": st.column_config.NumberColumn("TTFT ms (measured)"),
            "tpot_ms": st.column_config.NumberColumn("TPOT ms (measured)"),
            "memory_gb": st.column_config.NumberColumn("memory GB (measured)"),
        },
    )
    st.caption(
        f"{len(view)} of {len(df)} stored row(s)" + (" (read limit reached)" if len(df) >= MAX_BROWSE_ROWS else "")
    )
    return view


def _uploads_section(engine: Engine) -> None:
    st.subheader("Uploads")
    uploads = list_uploads(engine)
    if uploads.empty:
        st.caption("No uploads yet.")
        return
    st.dataframe(uploads.drop(columns=["content_sha256"]), hide_index=True, width="stretch")
    with_rejects = uploads[uploads["n_rejected"] > 0]
    if not with_rejects.empty:
        pick = st.selectbox(
            "Rejected rows of an earlier upload",
            with_rejects["id"].tolist(),
            index=None,
            format_func=lambda i: f"upload {i}: {uploads.set_index('id').loc[i, 'file_name']}",
            placeholder="choose an upload",
            key="bench_old_rejects",
        )
        if pick is not None:
            upload = get_upload(int(pick), engine)
            if upload is not None and upload.rejected:
                st.dataframe(pd.DataFrame(upload.rejected, columns=["row", "column", "reason"]), hide_index=True)
                st.download_button(
                    "Download these rejected rows (CSV)",
                    rejected_csv(upload.rejected),
                    f"upload-{pick}-rejected.csv",
                    "text/csv",
                    key="bench_old_rejects_dl",
                )


def _compare_section(view: pd.DataFrame) -> None:
    st.subheader("Measured vs estimated")
    if view.empty:
        st.caption("Nothing to compare yet.")
        return
    present = [m for m in METRICS if view[m].notna().any()]
    if not present:
        st.caption("The selected rows hold no throughput or latency measurement to compare.")
        return
    metric = st.radio("Metric", present, format_func=lambda m: METRICS[m], horizontal=True, key="bench_metric")
    predict = default_predictor()
    if predict is None:
        st.info(
            "No estimates to compare with: the advisor's estimator can't be imported in this build. "
            "The measured values are in the table above."
        )
        return
    if len(view) > MAX_COMPARE_ROWS:
        st.caption(f"Comparing the first {MAX_COMPARE_ROWS:,} of {len(view):,} rows: narrow the filters to see others.")
    table = comparison_table(view.head(MAX_COMPARE_ROWS), predict, metric)
    if table.empty:
        st.caption("No selected row measured this metric.")
        return
    name = METRICS[metric]
    st.dataframe(
        table.drop(columns=["label"]),
        hide_index=True,
        width="stretch",
        column_config={
            f"measured_{metric}": st.column_config.NumberColumn(f"{name} (measured)", format="%.1f"),
            f"predicted_{metric}": st.column_config.NumberColumn(f"{name} (estimated)", format="%.1f"),
            "error_pct": st.column_config.NumberColumn("error % (estimated vs measured)", format="%+.1f"),
        },
    )
    errors = table["error_pct"].dropna().abs()
    if errors.empty:
        st.caption("The estimator gave no estimate for these rows (see the note column).")
        return
    st.caption(
        f"{len(errors)} of {len(table)} row(s) have an estimate; median absolute error "
        f"{fmt_num(float(errors.median()))} %. Measured = uploaded results; estimated = the advisor's estimate "
        "for the same hardware, model, format, engine and shape, without calibration from these measurements."
    )
    fig = measured_vs_predicted(chart_rows(table), metric=metric)
    fig.update_layout(xaxis_title=f"estimated {name}", yaxis_title=f"measured {name}")
    st.plotly_chart(fig, width="stretch")


def render() -> None:
    st.title("Benchmarks")
    st.caption(
        "Measured results uploaded by users (llama-bench, vLLM, lm-eval or the generic CSV), checked row by row. "
        "Numbers here are *measured* unless a column says *estimated*."
    )
    engine = db_engine()
    _upload_section(engine)
    view = _browse_section(engine)
    _compare_section(view)
    _uploads_section(engine)

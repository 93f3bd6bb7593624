"""Benchmarks: upload measured results, see what was imported or rejected, browse them, compare with estimates.

The widgets stay thin: ``handle_upload`` (bytes in, ``ImportResult`` out, never raises) and
``compare_rows`` (measured vs estimated, pure) carry the logic and are tested directly.
Numbers from uploads are labelled *measured*; the advisor's numbers are labelled *estimated*.
"""

from __future__ import annotations

import difflib
import inspect
import math
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from advisor.comparison import Comparison, compare
from advisor.measurement import METRIC_LABELS, Measurement, Metric, conditions_text
from measurements import generic_csv
from measurements.detect import ACCEPTED
from measurements.service import (
    ImportResult,
    get_upload,
    import_file,
    list_measurements,
    list_uploads,
    max_upload_bytes,
    rejected_csv,
)
from reports.display import fmt_num, md_code, md_text
from store.db import DatabaseUnavailable
from store.migrate import results_token
from ui.resources import catalog, context, db_engine
from viz.figures import measured_vs_predicted

UPLOAD_TYPES = ["csv", "json", "jsonl", "md", "sql", "txt", "log"]
#: An import's result shows at most this many of its measurements (and the first of every series after them).
MAX_SHOWN_IMPORTED = 2_000
#: The browse table reads at most this many stored measurements (newest uploads are at the end).
MAX_BROWSE_ROWS = 20_000
#: Measured vs estimated runs the estimator once per measurement; more than this are cut.
MAX_COMPARE_ROWS = 5_000
NOT_IN_CATALOG = " (not in catalog)"


# ---------------------------------------------------------------- logic (no widgets)


def handle_upload(
    data: bytes,
    file_name: str,
    *,
    label: str = "",
    hardware_hint: str | None = None,
    engine: Engine | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import one uploaded file; a database failure becomes a failed result with a message, never an exception.
    ``progress(done_rows, total_rows)`` is passed on when ``import_file`` takes it."""
    kwargs: dict[str, Any] = {}
    if progress is not None and "progress" in inspect.signature(import_file).parameters:
        kwargs["progress"] = progress
    try:
        return import_file(
            data, file_name, label=label.strip(), hardware_hint=hardware_hint or None, engine=engine, **kwargs
        )
    except (DatabaseUnavailable, SQLAlchemyError) as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = first[0] if first else type(exc).__name__
        return ImportResult("", 0, 0, [], [], None, f"nothing stored: the database failed ({reason})", file_name)


def progress_supported() -> bool:
    return "progress" in inspect.signature(import_file).parameters


def unknown_names(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Raw device and model names of imported rows that the catalog could not map, in file order."""
    out: dict[str, list[str]] = {"hardware": [], "model": []}
    for r in rows:
        for kind, mapped, raw in (("hardware", "hardware_sku", "hardware_raw"), ("model", "model_id", "model_raw")):
            name = (r.get(raw) or "").strip()
            if name and not r.get(mapped) and name not in out[kind]:
                out[kind].append(name)
    return out


def closest(name: str, choices: dict[str, str], n: int = 3) -> list[str]:
    """Ids whose display name (or id) is closest to ``name``: the suggestions offered for mapping."""
    by_text = {v.lower(): k for k, v in choices.items()} | {k.lower(): k for k in choices}
    hits = difflib.get_close_matches(name.lower(), list(by_text), n=n * 2, cutoff=0.3)
    out: list[str] = []
    for h in hits:
        if by_text[h] not in out:
            out.append(by_text[h])
    return out[:n]


def _label(value: str | None, raw: str) -> str:
    if value:
        return value
    return (raw or "?") + NOT_IN_CATALOG


def metric_label(m: Measurement) -> str:
    if m.metric is Metric.QUALITY:
        return f"quality: {m.quality_task}"
    stat = f", {m.statistic.value}" if m.statistic.value else ""
    scope = {"per_gpu": " per GPU", "per_seq": " per sequence"}.get(m.scope.value, "")
    return f"{METRIC_LABELS[m.metric]}{scope}{stat}"


def display_frame(measurements: list[Measurement]) -> pd.DataFrame:
    """Stored measurements for display: one readable column per catalog id (the raw text where unmapped)."""
    records = [
        {
            "upload": m.source,
            "row": m.row,
            "label": m.label,
            "hardware": _label(m.hardware_sku, m.hardware_raw),
            "model": _label(m.model_id, m.model_raw),
            "format": _label(m.format_id, m.format_raw),
            "engine": m.engine + (f" ({m.backend})" if m.backend else ""),
            "engine_version": m.engine_version,
            "metric": metric_label(m),
            "value": m.value,
            "conditions": conditions_text(m),
            "measured_at": m.measured_at,
            "notes_and_flags": "; ".join(x for x in (m.notes, *m.flags) if x),
        }
        for m in measurements
    ]
    return pd.DataFrame.from_records(
        records,
        columns=[
            "upload",
            "row",
            "label",
            "hardware",
            "model",
            "format",
            "engine",
            "engine_version",
            "metric",
            "value",
            "conditions",
            "measured_at",
            "notes_and_flags",
        ],
    )


def filter_measurements(measurements: list[Measurement], frame: pd.DataFrame, **choices: str | None) -> list[int]:
    """Positions of the measurements whose display columns equal every choice that is not None."""
    mask = pd.Series(True, index=frame.index)
    for column, value in choices.items():
        if value is not None:
            mask &= frame[column] == value
    return [int(i) for i in frame.index[mask]]


def comparison_table(comparisons: list[Comparison]) -> pd.DataFrame:
    """Measured next to estimated, one line per measurement: the error is ``Comparison.error_pct``, the same
    figure calibration corrects (``advisor.calibration``)."""
    rows = []
    for c in comparisons:
        m = c.measurement
        rows.append(
            {
                "label": f"{_label(m.hardware_sku, m.hardware_raw)} · {_label(m.model_id, m.model_raw)} · "
                f"{_label(m.format_id, m.format_raw)}",
                "upload": m.source,
                "row": m.row,
                "metric": metric_label(m),
                "conditions": conditions_text(m),
                "measured": m.value,
                "estimated": c.predicted,
                "error_pct": None if c.error_pct is None else round(c.error_pct, 1),
                "note": c.note or ("" if c.predicted is not None else "no estimate for this measurement"),
            }
        )
    columns = ["label", "upload", "row", "metric", "conditions", "measured", "estimated", "error_pct", "note"]
    return pd.DataFrame.from_records(rows, columns=columns)


def observed_band(table: pd.DataFrame) -> tuple[float, float] | None:
    """The 10th and 90th percentile of estimated / measured over the rows with an estimate: the band the chart
    shades (None under 5 rows). The per-estimate 80% band is on the Advise page."""
    both = table.dropna(subset=["measured", "estimated"])
    both = both[(both["measured"] > 0) & (both["estimated"] > 0)]
    if len(both) < 5:
        return None
    ratio = both["estimated"] / both["measured"]
    return float(ratio.quantile(0.1)), float(ratio.quantile(0.9))


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
            with st.status(f"Importing {shown} ({len(data) / 1e6:.2f} MB)...", expanded=True) as status:
                st.write("reading, detecting the format, validating every row, storing in one transaction")
                bar = st.progress(0.0, text="starting") if progress_supported() else None

                def _progress(done: int, total: int) -> None:
                    if bar is not None and total:
                        bar.progress(min(1.0, done / total), text=f"{done:,} of {total:,} rows")

                result = handle_upload(
                    data, uploaded.name, label=label, hardware_hint=hint, engine=engine, progress=_progress
                )
                ok = result.upload_id is not None
                status.update(
                    label=f"Import of {shown} {'finished' if ok else 'failed'} after "
                    f"{time.perf_counter() - started:.1f} s",
                    state="complete" if ok else "error",
                )
            st.session_state["bench_last_import"] = {
                "result": result.to_dict(with_rows=True, max_rows=MAX_SHOWN_IMPORTED),
                "rejected_csv": rejected_csv(result) if result.rejected else "",
            }
    last = st.session_state.get("bench_last_import")
    if last:
        show_import_result(last["result"], last["rejected_csv"])
        _mapping_section(last["result"])
    with st.expander("Generic CSV: template and columns"):
        st.download_button(
            "Download the generic CSV template",
            generic_csv.TEMPLATE_CSV,
            "format-advisor-benchmarks-template.csv",
            "text/csv",
            key="bench_template",
        )
        st.markdown(generic_csv.__doc__ or "")


def _mapping_section(result: dict[str, Any]) -> None:
    """Names the catalog did not know, with the closest catalog entries and how to map them. (Re-mapping rows
    already stored needs a measurements-side function; the importer keeps a device the file names.)"""
    names = unknown_names(result.get("measurements") or [])
    if not names["hardware"] and not names["model"]:
        return
    cat = catalog()
    sku_names = {s: cat.skus[s].name for s in cat.skus}
    st.markdown("**Names the catalog does not know**")
    if names["model"]:
        models = {m.id: m.name for m in context().models.values()}
        for raw in names["model"]:
            near = [models[m] for m in closest(raw, models)]
            st.markdown(
                f"- model {md_code(raw)}: stored as given; closest catalog models: "
                + (", ".join(md_text(n) for n in near) or "none")
                + ". Estimates and calibration use only mapped models: rename it in the file to one of these "
                "(or its Hugging Face id) and import again."
            )
    if not names["hardware"]:
        return
    files = getattr(cat, "files", {})
    for raw in names["hardware"]:
        near = closest(raw, sku_names)
        st.markdown(
            f"- device {md_code(raw)}: stored as given; closest catalog devices: "
            + (", ".join(md_text(sku_names[s]) for s in near) or "none")
        )
        if near:
            path = files.get(f"sku:{near[0]}")
            where = md_code(path.relative_to(path.parents[3]) if path else f"{near[0]}.toml")
            st.caption(
                f"To map {md_text(raw[:80])} to {md_text(sku_names[near[0]])} for every later import, add the name "
                f"to `aliases` in {where} (a catalog edit, reviewed like any other). A file that names no device "
                "takes the *Hardware override* above instead."
            )


def show_import_result(result: dict[str, Any], rejected_text: str) -> None:
    """Feedback for the last upload: detected format, counts, rejected records (with a download), and which
    measurements were flagged and why."""
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
    st.markdown(f"Detected format: **{md_text(result['detected_format'])}**")
    c1, c2, c3 = st.columns(3)
    c1.metric("Imported measurements", result["imported"])
    c2.metric("Already stored (duplicates)", result["duplicates"])
    c3.metric("Rejected records", len(result["rejected"]))
    if result["rejected"]:
        st.markdown("**Rejected records** (row = line or record number in the file)")
        st.dataframe(
            pd.DataFrame(result["rejected"], columns=["row", "column", "reason"]).rename(
                columns={"row": "Row", "column": "Column", "reason": "Reason"}
            ),
            hide_index=True,
        )
        st.download_button(
            "Download the rejected records (CSV)", rejected_text, "rejected-rows.csv", "text/csv", key="bench_rejected"
        )
    rows = result.get("measurements") or []
    if rows:
        df = pd.DataFrame(rows)
        df["flags"] = ["; ".join(f) for f in df["flags"]]
        flagged = df[df["flags"] != ""]
        if not flagged.empty:
            st.markdown(f"**{len(flagged)} flagged measurement(s)**: kept as given where they could not be mapped")
            st.dataframe(
                flagged[["row_number", "metric", "hardware_raw", "model_raw", "format_raw", "flags"]].rename(
                    columns={
                        "row_number": "Row",
                        "metric": "Metric",
                        "hardware_raw": "Hardware (as given)",
                        "model_raw": "Model (as given)",
                        "format_raw": "Format (as given)",
                        "flags": "Why flagged",
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        total = result.get("measurements_total") or len(rows)
        st.markdown(
            "**Imported measurements**"
            + (
                f" (the first {MAX_SHOWN_IMPORTED:,} of {total:,}, and the first of every series after them; all are "
                "stored and listed under Stored measurements)"
                if total > len(rows)
                else ""
            )
        )
        shown = {
            "row_number": "Row",
            "metric": "Metric",
            "statistic": "Statistic",
            "value": "Value",
            "hardware_sku": "Hardware",
            "model_id": "Model",
            "format_id": "Format",
            "engine": "Engine",
            "batch": "Batch",
            "input_len": "Input tokens",
            "output_len": "Output tokens",
        }
        st.dataframe(df[[c for c in shown if c in df.columns]].rename(columns=shown), hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=4)
def _stored(_engine: Engine, url: str, token: tuple[int, str]) -> tuple[list[Measurement], pd.DataFrame]:
    """The stored measurements and their display frame, read again only when ``results_token`` changes: every
    filter or metric change reruns the page, and reading up to ``MAX_BROWSE_ROWS`` rows is its slowest step."""
    stored = list_measurements(_engine, limit=MAX_BROWSE_ROWS)
    return stored, display_frame(stored)


BROWSE_COLUMNS = {
    "upload": "Upload",
    "label": "Label",
    "hardware": "Hardware",
    "model": "Model",
    "format": "Format",
    "engine": "Engine",
    "engine_version": "Engine version",
    "metric": "Metric",
    "value": "Measured",
    "conditions": "Conditions",
    "measured_at": "Measured at",
    "notes_and_flags": "Notes and flags",
}


def _browse_section(engine: Engine) -> list[Measurement]:
    st.subheader("Stored measurements")
    stored, df = _stored(engine, str(engine.url), results_token(engine))
    if df.empty:
        st.caption("No results stored yet: upload a file above.")
        return []
    cols = st.columns(5)
    choices = {}
    for col, name in zip(cols, ("hardware", "model", "format", "engine", "metric"), strict=True):
        choices[name] = col.selectbox(
            name.capitalize(),
            sorted(df[name].unique()),
            index=None,
            format_func=lambda v: v or "(not given)",
            placeholder="all",
            key=f"bench_f_{name}",
        )
    picked = filter_measurements(stored, df, **choices)
    view = df.loc[picked]
    st.dataframe(
        view[list(BROWSE_COLUMNS)].rename(columns=BROWSE_COLUMNS),
        hide_index=True,
        width="stretch",
        column_config={"Measured": st.column_config.NumberColumn("Measured", format="%.4g")},
    )
    st.caption(
        f"{len(view):,} of {len(df):,} stored measurement(s)"
        + (" (read limit reached)" if len(df) >= MAX_BROWSE_ROWS else "")
    )
    return [stored[i] for i in picked]


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


def _compare_section(view: list[Measurement]) -> None:
    st.subheader("Measured vs estimated")
    speed = [m for m in view if m.metric not in (Metric.QUALITY,)]
    if not speed:
        st.caption("The selected measurements hold no throughput, latency or memory figure to compare.")
        return
    if len(speed) > MAX_COMPARE_ROWS:
        st.caption(f"Comparing the first {MAX_COMPARE_ROWS:,} of {len(speed):,}: narrow the filters to see others.")
    labels = sorted({metric_label(m) for m in speed})
    chosen = st.selectbox("Metric", labels, key="bench_metric")
    speed = [m for m in speed if metric_label(m) == chosen]
    ctx = context()
    table = comparison_table([compare(m, ctx) for m in speed[:MAX_COMPARE_ROWS]])
    st.dataframe(
        table.drop(columns=["label"]).rename(
            columns={
                "upload": "Upload",
                "row": "Row",
                "metric": "Metric",
                "conditions": "Conditions",
                "measured": "Measured",
                "estimated": "Estimated",
                "error_pct": "Error % (estimated vs measured)",
                "note": "Note",
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Measured": st.column_config.NumberColumn("Measured", format="%.4g"),
            "Estimated": st.column_config.NumberColumn("Estimated", format="%.4g"),
            "Error % (estimated vs measured)": st.column_config.NumberColumn(format="%+.1f"),
        },
    )
    errors = table["error_pct"].dropna().abs()
    if errors.empty:
        st.caption("The estimator gave no estimate for these measurements (see the note column).")
        return
    st.caption(
        f"{len(errors)} of {len(table)} measurement(s) have an estimate; median absolute error "
        f"{fmt_num(float(errors.median()))} %. Measured = uploaded results; estimated = the advisor's estimate of "
        "exactly what was measured (same hardware, model, format, engine and conditions), without calibration from "
        "these measurements. Calibration on the Advise page corrects exactly these errors."
    )
    fig = measured_vs_predicted(
        chart_rows(table), metric=chosen, band=observed_band(table), band_label="80% of these rows"
    )
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

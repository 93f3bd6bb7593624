"""Probe: what the SERVER running this app can do (CPU features, GPUs, torch, per-format verdicts).

The probe describes the machine that hosts the app, never the visitor's computer: to describe your
own machine, run ``python -m probes --bench --out report.json`` there and upload the file here.
One probe at a time per server process (a lock), and the micro-benchmarks are time-boxed, so a run
doesn't stall other visitors for long (``probes.runner.run_probe``); ``store_uploaded_report`` is the upload path.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from probes.report import MAX_REPORT_BYTES, DeviceReport, Outcome, ProbeReport, ProbeReportError, load_report
from probes.runner import BENCH_BUDGET_S, ProbeBusy, ProbeFailed, ProbeTimedOut, run_probe
from probes.store import ProbeStoreError, get_report, list_reports, save_report
from reports.display import fmt_num, md_code, md_text
from ui.resources import catalog, db_engine
from ui.state import SESSION_HARDWARE_KEY

VERDICT_LABELS = {
    Outcome.MEASURED_NATIVE.value: "✅ measured native",
    Outcome.RUNS_NO_SPEEDUP.value: "🟠 runs, no speed-up",
    Outcome.NOT_AVAILABLE.value: "⛔ not available",
    Outcome.NOT_MEASURED.value: "❔ not measured",
}


# ---------------------------------------------------------------- logic (no widgets)


def store_uploaded_report(data: bytes, *, label: str = "", engine: Engine | None = None) -> tuple[ProbeReport, str]:
    """Validate an uploaded report and store it; raises ``ProbeReportError`` (nothing stored) or ``ProbeStoreError``."""
    if not data or not data.strip():
        raise ProbeReportError("the file is empty: expected the JSON written by python -m probes --out FILE")
    report = load_report(data)
    return report, save_report(report, origin="upload", label=label.strip(), engine=engine)


def _gb(value: int | None) -> str:
    return "unknown" if value is None else f"{value / 1e9:,.1f} GB"


def _match_text(device: DeviceReport) -> str:
    m = device.match
    if m is None:
        return "not matched against the catalog"
    if m.sku_id:
        text = f"catalog SKU {md_code(m.sku_id)} (matched by {md_text(m.method)})"
    elif m.architecture_id:
        text = f"not a catalog SKU; inferred architecture {md_code(m.architecture_id)} ({md_text(m.method)})"
    else:
        text = "not in the catalog"
    return text + (f": {md_text(m.note)}" if m.note else "")


def format_rows(device: DeviceReport) -> list[dict[str, Any]]:
    """One row per probed format: functional check, verdict, achieved and catalog-peak throughput."""
    rows = []
    for fmt in list(dict.fromkeys([*device.checks, *device.formats])):
        check = device.checks.get(fmt)
        res = device.formats.get(fmt)
        fraction = res.fraction_of_peak if res else None
        rows.append(
            {
                "format": fmt.value,
                "functional check": check.result.value if check else "",
                "verdict": VERDICT_LABELS.get(res.verdict.value, res.verdict.value) if res else "",
                "achieved TFLOPS (TOPS int8)": res.achieved_tflops if res else None,
                "catalog peak": res.peak_tflops if res else None,
                "fraction of peak": None if fraction is None else f"{fraction * 100:.0f} %",
                "shape": (res.shape or "") if res else "",
                "op": (res.method if res and res.method else (check.op if check else "")),
                "reason": "; ".join(x for x in ((res.reason if res else ""), (check.reason if check else "")) if x),
            }
        )
    return rows


# ---------------------------------------------------------------- widgets


def render_probe_report(report: ProbeReport, *, key: str) -> None:
    """Everything the report says, device by device."""
    host = report.host
    bench = report.bench
    st.caption(
        f"Probed {report.created_at:%Y-%m-%d %H:%M:%S} UTC on host {md_code(host.hostname or '?')} · probe "
        f"{md_text(report.probe_version)} · catalog {md_code(report.catalog_version or 'unknown')} · took "
        f"{fmt_num(report.elapsed_s)} s · micro-benchmarks: "
        + (f"{md_text(bench.status)} in {fmt_num(bench.elapsed_s)} s" if bench.requested else "not run (quick probe)")
        + (f" ({md_text(bench.reason)})" if bench.reason else "")
    )
    st.markdown("#### Host CPU")
    if host.status != "ok":
        st.warning(f"Host probe {md_text(host.status)}: {md_text(host.reason)}")
    st.dataframe(
        pd.DataFrame(
            [
                ("CPU", host.cpu_model or "unknown"),
                ("vendor", host.cpu_vendor or "unknown"),
                ("machine", host.machine or "unknown"),
                ("sockets / cores / threads", f"{host.sockets or '?'} / {host.cores or '?'} / {host.threads or '?'}"),
                ("memory total / available", f"{_gb(host.memory_total_bytes)} / {_gb(host.memory_available_bytes)}"),
                ("OS / kernel", f"{host.os or '?'} / {host.kernel or '?'}"),
            ],
            columns=["field", "value"],
        ),
        hide_index=True,
    )
    if host.cpu_flags:
        present = [f for f, on in host.cpu_flags.items() if on]
        absent = [f for f, on in host.cpu_flags.items() if not on]
        st.markdown(
            "CPU features that decide native formats: present "
            + (", ".join(md_code(f) for f in present) or "none")
            + (" · absent " + ", ".join(md_code(f) for f in absent) if absent else "")
        )

    st.markdown("#### GPUs (NVML)")
    nvml = report.nvml
    if nvml.status != "ok":
        st.info(f"NVML {md_text(nvml.status)}: {md_text(nvml.reason)}")
    else:
        st.caption(
            f"driver {md_text(nvml.driver_version)} · CUDA driver {md_text(nvml.cuda_driver_version)} · "
            f"{nvml.device_count} GPU(s)"
        )
        if nvml.devices:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "index": d.index,
                            "name": d.name,
                            "memory": _gb(d.memory_total_bytes),
                            "compute capability": d.compute_capability,
                            "max SM MHz": d.max_sm_clock_mhz,
                            "power limit W": d.power_limit_w,
                            "MIG": d.mig_mode_current,
                            "PCI device": d.pci_device_id,
                            "catalog match": (d.match.sku_id or d.match.architecture_id or "") if d.match else "",
                            "status": d.status + (f": {d.reason}" if d.reason else ""),
                        }
                        for d in nvml.devices
                    ]
                ),
                hide_index=True,
            )

    st.markdown("#### PyTorch's view")
    tv = report.torch
    if tv.status != "ok":
        st.info(f"torch {md_text(tv.status)}: {md_text(tv.reason)}")
    else:
        backends = [
            n
            for n, on in (
                ("CUDA", tv.cuda_available),
                ("ROCm", tv.rocm_available),
                ("MPS", tv.mps_available),
                ("XPU", tv.xpu_available),
            )
            if on
        ]
        st.caption(
            f"torch {md_text(tv.torch_version)} · CUDA runtime {md_text(tv.cuda_runtime_version or '-')} · "
            f"HIP {md_text(tv.hip_version or '-')} · CPU kernels {md_text(tv.cpu_capability or '?')} · "
            f"{tv.num_threads or '?'} threads · accelerators: " + (", ".join(backends) or "none")
        )

    st.markdown("#### Devices and format verdicts")
    st.caption(
        "measured native = timed with a real speed-up over the wider format; runs, no speed-up = it runs "
        "(often emulated or upcast); not available = the functional check failed on this stack; not measured = "
        "quick probe or out of time. Throughput is TFLOPS (TOPS for int8), best of the shapes timed."
    )
    for device in report.devices:
        st.markdown(
            f"**{md_text(device.id)}: {md_text(device.name or 'unknown device')}** "
            f"({md_text(device.backend or device.kind)})"
        )
        st.caption(
            f"{_match_text(device)} · memory {_gb(device.memory_total_bytes)} · measured copy bandwidth "
            + (f"{fmt_num(device.memory_bandwidth_gbps)} GB/s" if device.memory_bandwidth_gbps else "not measured")
            + (f" ({md_text(device.bench_reason)})" if device.bench_reason else "")
        )
        rows = format_rows(device)
        if rows:
            st.dataframe(
                pd.DataFrame(rows),
                hide_index=True,
                width="stretch",
                column_config={
                    "achieved TFLOPS (TOPS int8)": st.column_config.NumberColumn(format="%.3f"),
                    "catalog peak": st.column_config.NumberColumn("catalog peak TFLOPS (dense)", format="%.1f"),
                },
            )
    st.download_button(
        "Download this report (JSON)",
        report.to_json(),
        f"probe-{host.hostname or 'host'}-{report.created_at:%Y%m%d-%H%M%S}.json",
        "application/json",
        key=f"{key}_download",
    )


def _run_tab(engine: Engine) -> None:
    st.info(
        "The probe runs **on the server that hosts this app** and describes that machine: its CPU, its GPUs, "
        "its PyTorch. It says nothing about the computer you are browsing from. To probe your own machine, run "
        "`python -m probes --bench --out report.json` there and upload the file in the next tab.",
        icon=":material/dns:",
    )
    c1, c2 = st.columns(2)
    quick = c1.button("Run the quick probe (a few seconds)", type="primary", key="probe_run_quick")
    bench = c2.button(
        f"Run with micro-benchmarks (up to {BENCH_BUDGET_S:g} s)",
        key="probe_run_bench",
        help="Times matrix multiplies per format and the memory bandwidth. Uses the server's CPU/GPU for up to "
        f"{BENCH_BUDGET_S:g} s; one probe runs at a time.",
    )
    if quick or bench:
        _run(bench=bool(bench))
    report = st.session_state.get("probe_server_report")
    if report is None:
        return
    render_probe_report(report, key="probe_server")
    saved = st.session_state.get("probe_server_saved_id")
    if saved:
        st.success(f"Stored as probe report `{saved}`; select it under **Stored reports** to use it as hardware.")
        return
    with st.form("probe_save"):
        label = st.text_input("Label", value=f"server {report.host.hostname}".strip(), max_chars=255)
        if st.form_submit_button("Save this report to the database"):
            try:
                rid = save_report(report, origin="server", label=label.strip(), engine=engine)
            except ProbeStoreError as exc:
                st.error(f"Could not store the report: {md_text(exc)}")
            else:
                st.session_state["probe_server_saved_id"] = rid
                st.rerun()


def _run(*, bench: bool) -> None:
    started = time.perf_counter()
    budget = BENCH_BUDGET_S if bench else 10.0
    with st.status("Probing the server" + (" with micro-benchmarks" if bench else ""), expanded=bench) as status:
        bar = st.progress(0.0, text="starting")
        log = st.empty()
        lines: list[str] = []

        def progress(message: str) -> None:
            lines.append(message)
            elapsed = time.perf_counter() - started
            bar.progress(min(elapsed / budget, 0.99), text=f"{elapsed:.0f} s · {message.strip()[:120]}")
            log.code("\n".join(lines[-12:]), language=None)

        try:
            report = run_probe(bench=bench, catalog=catalog(), progress=progress)
        except ProbeBusy as exc:
            status.update(label=f"Not started: {exc}", state="error")
            return
        except (ProbeTimedOut, ProbeFailed) as exc:
            status.update(label="The probe failed", state="error", expanded=True)
            st.error(f"The probe did not complete: {md_text(exc)}")
            return
        bar.progress(1.0, text=f"done in {report.elapsed_s:.1f} s")
        status.update(label=f"Probe finished in {report.elapsed_s:.1f} s", state="complete", expanded=False)
    st.session_state["probe_server_report"] = report
    st.session_state.pop("probe_server_saved_id", None)


def _upload_tab(engine: Engine) -> None:
    st.markdown(
        "Upload a report written elsewhere by `python -m probes [--bench] --out report.json` "
        f"(JSON, at most {MAX_REPORT_BYTES / 1e6:g} MB). It is checked field by field before anything is stored."
    )
    with st.form("probe_upload"):
        uploaded = st.file_uploader("Probe report JSON", type=["json"], max_upload_size=1, key="probe_file")
        label = st.text_input("Label (optional)", max_chars=255, key="probe_upload_label")
        submitted = st.form_submit_button("Check and store", type="primary")
    if submitted:
        if uploaded is None:
            st.warning("Choose a file first.")
        else:
            try:
                report, rid = store_uploaded_report(uploaded.getvalue(), label=label, engine=engine)
            except ProbeReportError as exc:
                st.session_state.pop("probe_uploaded", None)
                st.error(f"Not stored: {md_text(uploaded.name)} is not a valid probe report. {md_text(exc)}")
            except ProbeStoreError as exc:
                st.error(f"Not stored: the database failed. {md_text(exc)}")
            else:
                st.session_state["probe_uploaded"] = (report, rid)
    done = st.session_state.get("probe_uploaded")
    if done:
        report, rid = done
        st.success(f"Stored as probe report `{rid}`; select it under **Stored reports** to use it as hardware.")
        render_probe_report(report, key="probe_uploaded")


def _stored_tab(engine: Engine) -> None:
    try:
        stored = list_reports(engine)
    except ProbeStoreError as exc:
        st.error(f"Could not list the stored probe reports: {md_text(exc)}")
        return
    if not stored:
        st.caption("No probe reports stored yet: run one on the server or upload one.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "created (UTC)": s.created_at.strftime("%Y-%m-%d %H:%M"),
                    "label": s.label,
                    "origin": s.origin,
                    "host": s.hostname,
                    "devices": " | ".join(s.devices),
                }
                for s in stored
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    by_id = {s.id: s for s in stored}
    current = st.session_state.get(SESSION_HARDWARE_KEY)
    options = list(by_id)
    pick = st.selectbox(
        "Use a stored report as hardware",
        options,
        index=options.index(current) if current in by_id else None,
        format_func=lambda i: (
            f"{by_id[i].created_at:%Y-%m-%d %H:%M} · {by_id[i].label or '(no label)'} · "
            f"{by_id[i].hostname} · {by_id[i].origin}"
        ),
        placeholder="choose a report",
        key="probe_pick",
    )
    if pick is None:
        return
    st.session_state[SESSION_HARDWARE_KEY] = pick
    st.success("Selected: the Advise page offers this report's devices as hardware.")
    try:
        report = get_report(pick, engine)
    except (ProbeStoreError, ProbeReportError) as exc:
        st.error(f"Could not read this report: {md_text(exc)}")
        return
    if report is not None:
        render_probe_report(report, key="probe_stored")


def render() -> None:
    st.title("Probe")
    st.caption(
        "Measured facts about a machine: CPU features, GPUs, PyTorch's view, and per math format whether it runs "
        "and whether it is faster than the wider format (measured, not from the catalog)."
    )
    engine = db_engine()
    run, upload, stored = st.tabs(["Run on the server", "Upload a report", "Stored reports"])
    with run:
        _run_tab(engine)
    with upload:
        _upload_tab(engine)
    with stored:
        _stored_tab(engine)

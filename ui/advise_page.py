"""Advise: hardware + model + workload -> ranked formats with native status, fit, speed, quality, cost, why.

Every input is mirrored in the URL's query parameters, so a refresh, a bookmark or a copied link restores the
view; the inputs also survive a visit to another page (``ui.state``). "Share" stores an immutable snapshot and
gives its full link (public base URL: ``FORMAT_ADVISOR_PUBLIC_URL``).
"""

from __future__ import annotations

import os
import time

import pandas as pd
import streamlit as st

from advisor.calibration import Calibration, calibrate
from advisor.comparison import compare
from advisor.from_probe import target_from_probe
from advisor.hardware import HardwareTarget
from advisor.measurement import Measurement, Metric, conditions_text
from advisor.models import custom_model, default_models
from advisor.recommend import TIE_SCORE_RATIO, Recommendation, Request, recommend
from advisor.workload import PROFILE_DEFAULTS, Profile, Workload
from hardware_db.prices import default_prices
from hardware_db.schema import MathFormat
from reports.display import EVIDENCE_COLUMNS, REJECTED_COLUMNS, display_rows, md_text
from reports.export import to_csv, to_html, to_json, to_markdown, to_print_html
from reports.figures import report_figures
from reports.service import ReportError, create_report
from reports.snapshot import PROFILE_SPEED, build_snapshot
from reports.summary import deploy_lines
from store.custom_models import REF_KEY, report_model_ref
from store.migrate import probe_reports_token, results_token
from ui.model_input import SELECTED_KEY, is_custom_model_id, model_input
from ui.params import Param, parse_params
from ui.ranking import show_ranking
from ui.resources import catalog, context, db_engine
from ui.state import (
    ADVISE_VALUES_KEY,
    PAGE_PATHS,
    PUBLIC_URL_ENV,
    SESSION_HARDWARE_KEY,
    public_base_url,
    report_link,
    restore_widgets,
)
from ui.verdict import show_verdict

CUSTOM = "custom"
HF_CONFIG = "hf_config"  # a model from a Hugging Face repo or a config.json (ui.model_input)
TOLERANCES = ("strict", "moderate", "relaxed")
#: The deploy format the user picked (or the link named), "" for none: kept apart from the widget's own state,
#: which Streamlit drops while the (lazy) expander is closed; only a pick is part of the link.
DEPLOY_PICK_KEY = "a_deploy_pick"
PROFILE_LABELS = {
    "interactive": "Interactive chat (batch 1, time per token)",
    "serving": "High-throughput serving (aggregate tokens/s)",
    "long_context": "Long context (prefill / time to first token)",
    "memory_constrained": "Memory-constrained (smallest that keeps quality)",
    "finetune_qlora": "QLoRA fine-tuning on a quantized base",
}


def _spec() -> list[Param]:
    cat = catalog()
    models = tuple(sorted(default_models())) + (CUSTOM, HF_CONFIG)
    engines = ("any", *sorted(cat.engines))
    return [
        Param("hw", "choice", "h100_sxm5_80gb", choices=tuple(sorted(cat.skus))),
        Param("probe", "str", ""),
        Param("device", "int", 0, minimum=0, maximum=64),
        Param("gpus", "int", 1, minimum=1, maximum=64),
        Param("model", "choice", "llama-3.1-70b", choices=models),
        Param("params_b", "float", 8.0, minimum=0.1, maximum=5000),
        Param("cmodel", "str", ""),
        Param("profile", "choice", "serving", choices=tuple(p.value for p in Profile)),
        Param("batch", "int", 0, minimum=0, maximum=4096),
        Param("in", "int", 0, minimum=0, maximum=1_048_576),
        Param("out", "int", 0, minimum=0, maximum=131_072),
        Param("tol", "choice", "moderate", choices=TOLERANCES),
        Param("engine", "choice", "any", choices=engines),
        Param("price", "float", None, minimum=0.0, maximum=10_000.0),
        Param("charts", "choice", "0", choices=("0", "1")),
        Param("mem", "choice", "per_gpu", choices=("per_gpu", "total")),
        # the format whose deploy commands the expander shows ("" = the best-ranked one)
        Param("deploy_format", "choice", "", choices=tuple(sorted(context().formats))),
    ]


def _init_state() -> None:
    """Seed widget state: from the inputs kept in this session (back from another page), else, once per session,
    from the URL (a bookmark or a shared link), reporting bad parameters."""
    saved = st.session_state.get(ADVISE_VALUES_KEY)
    if st.session_state.get("_advise_seeded"):
        if saved:
            restore_widgets(st.session_state, saved, skip=("charts", "mem", "price"))
            for key, value in (("a_charts", saved.get("charts") == "1"), ("a_mem", saved.get("mem") or "per_gpu")):
                st.session_state.setdefault(key, value)
            st.session_state.setdefault("a_price", saved.get("price"))
            st.session_state.setdefault("a_hw_source", "Stored probe report" if saved.get("probe") else "Catalog")
        return
    values, errors = parse_params(dict(st.query_params), _spec())
    for key, value in values.items():
        st.session_state[f"a_{key}"] = value
    st.session_state["a_charts"] = values["charts"] == "1"
    st.session_state["a_hw_source"] = "Stored probe report" if values["probe"] else "Catalog"
    st.session_state["a_price_custom"] = values["price"] is not None
    st.session_state[DEPLOY_PICK_KEY] = values["deploy_format"]
    if values["price"] is None:
        st.session_state["a_price"] = _default_price(values["hw"])
    st.session_state["_advise_param_errors"] = errors
    st.session_state["_advise_seeded"] = True


def _default_price(sku: str | None) -> float | None:
    price = default_prices().get(sku or "")
    return price.usd_per_device_hour if price else None


def _on_hardware_change() -> None:
    """A new SKU brings its own default price, unless the user typed one."""
    if not st.session_state.get("a_price_custom"):
        st.session_state["a_price"] = _default_price(st.session_state.get("a_hw"))


def _on_price_change() -> None:
    st.session_state["a_price_custom"] = True


def _on_deploy_pick() -> None:
    st.session_state[DEPLOY_PICK_KEY] = st.session_state.get("a_deploy_format") or ""


def _sync_query_params(values: dict) -> None:
    wanted = {k: str(v) for k, v in values.items() if v not in (None, "", 0) or k in ("device",)}
    if values.get("probe") in (None, ""):
        wanted.pop("device", None)
    if wanted.get("mem") == "per_gpu":
        wanted.pop("mem")
    if not st.session_state.get("a_price_custom"):
        wanted.pop("price", None)  # the SKU's default list price: not part of the link
    current = dict(st.query_params)
    if current != wanted:
        st.query_params.from_dict(wanted)


@st.cache_data(show_spinner=False, ttl=30)
def _probe_reports(url: str, token: tuple[int, str]) -> list[dict]:
    """Keyed on the stored reports' ``probe_reports_token``: a report just stored on the Probe page is listed."""
    from probes.store import list_reports

    return [
        {"id": r.id, "label": f"{r.created_at:%Y-%m-%d %H:%M} · {r.label or r.hostname} · {', '.join(r.devices)}"}
        for r in list_reports(engine=db_engine())
    ]


def _probe_target(report_id: str, device: int) -> HardwareTarget | None:
    from probes.report import ProbeReportError
    from probes.store import ProbeStoreError, get_report
    from probes.target import report_to_targets

    try:
        report = get_report(report_id, engine=db_engine())
    except (ProbeReportError, ProbeStoreError) as exc:
        st.error(f"The stored probe report {md_text(repr(report_id))} cannot be read: {md_text(exc)}")
        return None
    if report is None:
        st.error(f"No stored probe report with id {md_text(repr(report_id))}; pick another or use the catalog.")
        return None
    devices = report_to_targets(report)
    if not 0 <= device < len(devices):
        st.error(f"The probe report has {len(devices)} device(s); device {device} does not exist.")
        return None
    return target_from_probe(devices[device], catalog())


@st.cache_data(show_spinner=False, ttl=60)
def _measured(url: str, token: tuple[int, str]) -> tuple[tuple[Measurement, ...], Calibration | None]:
    """The stored measurements, and the calibration fitted on their comparisons with the estimates (the same
    comparisons the Benchmarks page shows); keyed on ``results_token``."""
    from measurements.service import list_measurements

    measurements = tuple(list_measurements(engine=db_engine()))
    if not measurements:
        return (), None
    ctx = context()
    return measurements, calibrate(compare(m, ctx) for m in measurements)


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs={Request: repr})
def _recommend(request: Request) -> Recommendation:
    """The recommendation for these exact inputs (a pure function of the request and the process's catalog):
    keyed on the request's full repr (every field, the calibration and measurements included), so a new visitor
    with the same inputs, or a rerun that changed nothing the engine reads, skips the ~50 ms of ranking."""
    return recommend(request)


def _hardware_inputs() -> tuple[HardwareTarget | None, dict]:
    cat = catalog()
    source = st.radio("Hardware from", ["Catalog", "Stored probe report"], horizontal=True, key="a_hw_source")
    info: dict = {}
    if source == "Catalog":
        sku_ids = sorted(cat.skus, key=lambda s: (cat.skus[s].vendor, cat.skus[s].name))
        sku = st.selectbox(
            "Accelerator",
            sku_ids,
            format_func=lambda s: cat.skus[s].name,
            key="a_hw",
            help="From the curated catalog",
            on_change=_on_hardware_change,
        )
        st.session_state["a_probe"] = ""
        target = HardwareTarget.from_catalog(cat, sku)
        info = {"hardware": sku, "hardware_name": target.name}
    else:
        engine = db_engine()
        reports = _probe_reports(str(engine.url), probe_reports_token(engine))
        if not reports:
            st.info("No probe reports are stored yet: run or upload one on the Probe page.")
            return None, {}
        ids = [r["id"] for r in reports]
        labels = {r["id"]: r["label"] for r in reports}
        if st.session_state.get("a_probe") not in ids:
            picked = st.session_state.get(SESSION_HARDWARE_KEY)  # chosen on the Probe page
            st.session_state["a_probe"] = picked if picked in ids else ids[0]
        rid = st.selectbox("Probe report", ids, format_func=labels.get, key="a_probe")
        device = st.number_input("Device index in the report (0 = first)", 0, 64, key="a_device")
        target = _probe_target(rid, int(device))
        if target is None:
            return None, {}
        info = {"hardware": target.sku_id or target.architecture, "hardware_name": target.name, "probe": rid}
        st.caption("Measured throughputs from this probe take precedence over datasheet peaks.")
    return target, info


def render() -> None:
    started = time.perf_counter()
    _render()
    _log_run_time(time.perf_counter() - started)


def _log_run_time(seconds: float) -> None:
    """With FORMAT_ADVISOR_RUN_LOG set, append each script run's server-side time (bench/load_advise.py)."""
    path = os.environ.get("FORMAT_ADVISOR_RUN_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{time.time():.3f} advise {seconds:.6f}\n")


def _render() -> None:
    st.title("Advise")
    _init_state()
    for msg in st.session_state.get("_advise_param_errors", []):
        st.warning(md_text(msg))  # the message quotes the URL's text: shown as text
    models = default_models()
    cat = catalog()
    c1, c2, c3 = st.columns(3)
    with c1:
        st.subheader("Hardware")
        target, hw_info = _hardware_inputs()
        gpus = st.number_input("GPUs (tensor parallel)", 1, 64, key="a_gpus")
        st.session_state.setdefault("a_price", None)
        price = st.number_input(
            "Price per device-hour (USD)",
            min_value=0.0,
            max_value=10_000.0,
            step=0.1,
            format="%.2f",
            key="a_price",
            on_change=_on_price_change,
            placeholder="no public list price known: type yours",
            help="Turned into cost per million output tokens. Defaults are public on-demand list prices, with "
            "their source and date; edit for your own contract price.",
        )
        listed = default_prices().get(hw_info.get("hardware") or "")
        if listed and price == listed.usd_per_device_hour:
            st.caption(
                f"Default: [{md_text(listed.provider, link_text=True)} list price]({listed.url}) "
                f"({md_text(listed.offer)}), as of {listed.as_of}, checked {listed.checked}."
            )
        elif price is None:
            st.caption("No public list price is recorded for this device: type one to see the cost per token.")
    with c2:
        st.subheader("Model")
        model_id = st.selectbox(
            "Model",
            [*sorted(models), CUSTOM, HF_CONFIG],
            format_func=lambda m: {
                CUSTOM: "Custom (from parameter count)",
                HF_CONFIG: "From Hugging Face / config.json",
            }.get(m, models[m].name if m in models else m),
            key="a_model",
        )
        choice = None
        if model_id == CUSTOM:
            params_b = st.number_input("Parameters (billions)", 0.1, 5000.0, step=1.0, key="a_params_b")
            model = custom_model(float(params_b))
        elif model_id == HF_CONFIG:
            wanted = st.session_state.get("a_cmodel") or ""
            if is_custom_model_id(wanted) and st.session_state.get(SELECTED_KEY) != wanted:
                st.session_state[SELECTED_KEY] = wanted  # from the URL or a report: the stored model, no fetch
            choice = model_input(db_engine(), key="a_mi")
            model = choice.spec if choice else None
            st.session_state["a_cmodel"] = choice.model_id if choice else ""
        else:
            model = models[model_id]
            kind = f"MoE, {model.active_params_b:g}B active" if model.n_experts else "dense"
            st.caption(f"{model.params_b:g}B parameters ({kind}), {model.n_layers} layers, {model.n_kv_heads} KV heads")
    with c3:
        st.subheader("Workload")
        profile = st.selectbox("Profile", [p.value for p in Profile], format_func=PROFILE_LABELS.get, key="a_profile")
        defaults = PROFILE_DEFAULTS[Profile(profile)]
        batch = st.number_input("Batch / concurrency (0 = profile default)", 0, 4096, key="a_batch")
        in_len = st.number_input("Input tokens (0 = default)", 0, 1_048_576, key="a_in")
        out_len = st.number_input("Output tokens (0 = default)", 0, 131_072, key="a_out")
        tol = st.select_slider("Quality tolerance", TOLERANCES, key="a_tol")
        engine_names = {e: cat.engines[e].name for e in cat.engines}
        engine_id = st.selectbox(
            "Engine",
            ["any", *sorted(cat.engines)],
            format_func=lambda e: "Any engine" if e == "any" else engine_names.get(e, e),
            key="a_engine",
        )

    values = {
        "hw": st.session_state.get("a_hw"),
        "probe": st.session_state.get("a_probe", ""),
        "device": st.session_state.get("a_device", 0),
        "gpus": gpus,
        "model": model_id,
        "params_b": st.session_state.get("a_params_b") if model_id == CUSTOM else None,
        "cmodel": st.session_state.get("a_cmodel") if model_id == HF_CONFIG else None,
        "profile": profile,
        "batch": batch,
        "in": in_len,
        "out": out_len,
        "tol": tol,
        "engine": engine_id,
        "price": price,
        "charts": "1" if st.session_state.get("a_charts") else None,
        "mem": st.session_state.get("a_mem") or "per_gpu",
        # only a format the user picked (or the link named) goes into the URL; "" follows the best-ranked one
        "deploy_format": st.session_state.get(DEPLOY_PICK_KEY) or "",
    }
    _sync_query_params(values)
    st.session_state[ADVISE_VALUES_KEY] = {**values, "params_b": st.session_state.get("a_params_b")}
    if target is None or model is None:
        return

    workload = Workload(
        batch=int(batch) or defaults["batch"],
        input_len=int(in_len) or defaults["input_len"],
        output_len=int(out_len) or defaults["output_len"],
        gpus=int(gpus),
    )
    engine = db_engine()
    measurements, calibration = _measured(str(engine.url), results_token(engine))
    request = Request(
        model=model,
        hardware=target,
        profile=Profile(profile),
        workload=workload,
        engine=None if engine_id == "any" else engine_id,
        tolerance=tol,
        calibration=calibration,
        measurements=measurements,
    )
    rec = _recommend(request)
    inputs = {
        **hw_info,
        "gpus": workload.gpus,
        "model": model.id,
        "model_name": model.name,
        "params_b": model.params_b,
        "profile": profile,
        "batch": workload.batch,
        "input_len": workload.input_len,
        "output_len": workload.output_len,
        "tolerance": tol,
        "engine": engine_id,
        "usd_per_device_hour": price,
        "speed_key": PROFILE_SPEED.get(profile, ("decode_tok_s", ""))[0],
    }
    if choice is not None:  # the config travels with the report: it reopens without the Hub
        inputs["model_source"] = model.source
        inputs[REF_KEY] = report_model_ref(choice.entry)
    evidence = _evidence_rows(measurements, target, model.id)
    price_info = None
    if price:
        price_info = {"usd_per_device_hour": float(price), "source": "price entered by the user", "url": ""}
        if listed and price == listed.usd_per_device_hour:
            price_info = {
                "usd_per_device_hour": listed.usd_per_device_hour,
                "source": f"{listed.provider} list price, {listed.offer}, as of {listed.as_of}",
                "url": listed.url,
            }
    snapshot = build_snapshot(
        rec,
        inputs=inputs,
        catalog_version=cat.version,
        peaks_tflops={m.value: target.peak_tflops(m.value) for m in MathFormat if target.peak_tflops(m.value)},
        bandwidth_gbps=target.bandwidth_gbps,
        model_active_params_b=model.active_params_b,
        evidence=evidence,
        engine_names=engine_names,
        price=price_info,
    )
    _show(rec, snapshot, f"{model.name} on {workload.gpus}x {target.name}")


def _evidence_rows(measurements, target: HardwareTarget, model_id: str) -> list[dict]:
    rows = []
    ctx = context()
    for m in measurements:
        if m.hardware_sku != target.sku_id or (m.model_id and m.model_id != model_id):
            continue
        if m.metric is Metric.QUALITY:
            continue
        fmt = ctx.formats.get(m.format_id) if m.format_id else None
        rows.append(
            {
                "measured": "measured",
                "format_id": m.format_id,
                "format": fmt.name if fmt is not None else (m.format_id or "unknown"),
                "engine": m.engine,
                "metric": m.metric.value.replace("_tok_s", " (tok/s)").replace("_ms", " (ms)").replace("_", " "),
                "value": m.value,
                "conditions": conditions_text(m),
                "source": m.where,
            }
        )
    return rows[:200]


def _show(rec, snapshot: dict, setup: str) -> None:
    best = rec.best
    st.markdown(f"#### {md_text(setup)}")  # names can come from an uploaded probe report
    show_verdict(snapshot)
    second = rec.ranked[1] if best is not None and len(rec.ranked) > 1 else None
    if second is not None and min(best.score, second.score) >= TIE_SCORE_RATIO * max(best.score, second.score):
        gap = 100 * (1 - min(best.score, second.score) / max(best.score, second.score))
        st.info(
            f"{best.format_name} and {second.format_name} score within {gap:.0f}% of each other, well inside the "
            "estimates' uncertainty: treat them as tied and choose on quality risk "
            f"({best.estimate.quality.level.replace('_', ' ')} vs {second.estimate.quality.level.replace('_', ' ')}) "
            "and on which checkpoints you have."
        )
    versions = snapshot["versions"]
    st.caption(
        f"Catalog `{versions['catalog']}`, estimator `{versions['estimator']}`. Speeds are **estimated** from a "
        "roofline model (band = 80% uncertainty) unless the basis says *calibrated* or *measured*. Support levels "
        "come from the catalog, with their sources."
    )
    if snapshot["ranking"]:
        show_ranking(snapshot["ranking"], key="advise_ranking")
        # lazy expanders (content runs only when opened): ~50 paragraphs and a second grid less on the first render
        why = st.expander("Why each format ranks where it does", key="a_why_open", on_change="rerun")
        if why.open:
            with why:
                for c in rec.ranked:
                    st.markdown(f"**{c.format_name}**: " + md_text(" ".join(c.reasons)))
        _deploy_commands(snapshot["ranking"])
    if rec.mixed_precision is not None:
        mp = rec.mixed_precision
        st.info(f"Mixed precision suggestion: {mp.description}. {mp.reason}")
    if snapshot["rejected"]:
        why_not = st.expander(
            f"Rejected formats: why not ({len(snapshot['rejected'])})", key="a_rejected_open", on_change="rerun"
        )
        if why_not.open:
            with why_not:
                st.dataframe(
                    pd.DataFrame(display_rows(snapshot["rejected"], REJECTED_COLUMNS)), hide_index=True, width="stretch"
                )
    # Charts load plotly.js (~3.5 MB) in the browser, which delays the whole first render by about a
    # second; they are one click away so the ranking itself appears fast (bench/RESULTS.md).
    if st.toggle("Show charts: speed vs memory, roofline", key="a_charts"):
        mem = st.radio(
            "Memory axis",
            ["per_gpu", "total"],
            format_func={"per_gpu": "per GPU", "total": "total, all GPUs"}.get,
            horizontal=True,
            key="a_mem",
        )
        figs = report_figures(snapshot, memory_key="memory_per_gpu_gb" if mem == "per_gpu" else "memory_gb")
        tabs = st.tabs(["Speed vs memory", "Roofline"][: len(figs)] or ["Charts"])
        for i, (tab, fig) in enumerate(zip(tabs, figs, strict=False)):
            with tab:
                # the Pareto chart keeps its own size: its labels are placed for that plot area
                st.plotly_chart(fig, width="content" if i == 0 else "stretch")
    if snapshot["evidence"]:
        st.subheader("Measured evidence on this hardware")
        st.dataframe(
            pd.DataFrame(display_rows(snapshot["evidence"], EVIDENCE_COLUMNS)), hide_index=True, width="stretch"
        )
    for note in rec.notes:
        st.caption(md_text(note))
    _share(snapshot)


def _deploy_commands(ranking: list[dict]) -> None:
    """One ranked format's deploy commands, picked by format id (``deploy_format`` in the URL)."""
    rows = {row["format_id"]: row for row in ranking}
    pick = st.session_state.get(DEPLOY_PICK_KEY) or ""
    if pick and pick not in rows:
        # the picked format is not ranked for these inputs (any more): back to the best-ranked one
        pick = st.session_state[DEPLOY_PICK_KEY] = ""
        if "deploy_format" in st.query_params:
            del st.query_params["deploy_format"]
    # the box shows what the user picked, else the best-ranked format of THESE inputs (not of earlier ones)
    st.session_state["a_deploy_format"] = pick or next(iter(rows))
    # Lazy: the content runs only while the expander is open (code blocks load a 1.5 MB highlighter script,
    # which held the first render back; issue 17). A link that names a format opens it on that format.
    box = st.expander(
        "Deploy commands for any ranked format", expanded=bool(pick), key="a_deploy_open", on_change="rerun"
    )
    if not box.open:
        return
    with box:
        # one format at a time: a code block per step of every format slowed the page's first render
        pick = st.selectbox(
            "Format",
            list(rows),
            format_func=lambda f: rows[f].get("format") or f,
            key="a_deploy_format",
            on_change=_on_deploy_pick,
        )
        lines, note = deploy_lines(rows[pick].get("deploy") if pick else None)
        st.caption(md_text(note))
        if lines:
            st.code("\n".join(f"# {line.title}\n{line.command}" for line in lines), language="bash")


def base_url() -> str:
    """The app's public base URL: ``FORMAT_ADVISOR_PUBLIC_URL`` if set, else what the browser shows."""
    try:
        browser = st.context.url
    except (AttributeError, RuntimeError):
        browser = None
    return public_base_url(os.environ.get(PUBLIC_URL_ENV), browser, PAGE_PATHS)


def _share(snapshot: dict) -> None:
    st.divider()
    inputs = snapshot["inputs"]
    profile = PROFILE_LABELS.get(inputs.get("profile"), inputs.get("profile"))
    title = f"{inputs.get('model_name')} on {inputs.get('gpus')}x {inputs.get('hardware_name')} ({profile})"
    c1, c2 = st.columns([1, 3])
    if c1.button("Share", type="primary", key="share_button", help="Store a read-only snapshot and get a link"):
        try:
            rid = create_report(snapshot, title=title, catalog_version=snapshot["catalog_version"], engine=db_engine())
        except ReportError as exc:
            st.error(str(exc))
            return
        shared = st.session_state.setdefault("shared_reports", [])
        shared.append({"id": rid, "title": title, "created_at": snapshot["created_at"]})
        st.session_state["last_shared"] = rid
    rid = st.session_state.get("last_shared")
    if rid:
        link = report_link(base_url(), rid)
        c2.success(f"Read-only link (anyone with it can open the report): [{link}]({link})")
        c2.code(link, language=None)  # the code block has a copy button
        if not link.startswith("http"):
            c2.caption(f"Set {PUBLIC_URL_ENV} to the app's public address to get a full link.")
    preview = {
        "id": "unshared",
        "title": title,
        "created_at": snapshot["created_at"],
        "catalog_version": snapshot["catalog_version"],
        "snapshot": snapshot,
    }
    cols = st.columns(5)
    cols[0].download_button("Markdown", to_markdown(preview), "format-advisor.md", "text/markdown", key="dl_md")
    cols[1].download_button("CSV", to_csv(preview), "format-advisor.csv", "text/csv", key="dl_csv")
    cols[2].download_button("JSON", to_json(preview), "format-advisor.json", "application/json", key="dl_json")
    # Built on click only (plotly.js inlined, several MB), always from the snapshot on screen.
    cols[3].download_button(
        "HTML (with charts)",
        lambda: to_html(preview, report_figures(snapshot)),
        "format-advisor.html",
        "text/html",
        key="dl_html",
    )
    cols[4].download_button(
        "Print-friendly page", to_print_html(preview), "format-advisor-print.html", "text/html", key="dl_print"
    )

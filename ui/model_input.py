"""Model input component: a Hugging Face repo id (Fetch), an uploaded or pasted config.json, or a model stored
earlier; shows the parsed shape, the quantization the checkpoint already has, and any error in words.

Every model taken here is stored (``store.custom_models``: one row per distinct config) so the Advise URL
(``?model=cm-<id>``) and a shared report reopen it without fetching again. The page decides what to do with
the result; this module holds no advice logic.

    choice = model_input(engine)           # None until a model is fetched, uploaded or picked
    if choice: spec, quant = choice.spec, choice.quant
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from advisor.hub import DEFAULT_MAX_BYTES, HubError, fetch_config_file, fetch_quant_config, read_config_bytes
from advisor.model_config import ModelConfigError, QuantizationInfo, missing_shape_fields
from advisor.models import ModelSpec
from reports.display import md_text
from store.custom_models import (
    MODEL_ID_PREFIX,
    CustomModelEntry,
    CustomModelError,
    list_custom_models,
    load_custom_model,
    model_of,
    save_custom_model,
    save_fetched,
)
from store.db import DatabaseUnavailable

SELECTED_KEY = "model_input_selected"  # session state: the cm-<id> of the model taken here


@dataclass(frozen=True)
class ModelChoice:
    entry: CustomModelEntry
    spec: ModelSpec
    quant: QuantizationInfo

    @property
    def model_id(self) -> str:
        return self.entry.model_id


def is_custom_model_id(value: object) -> bool:
    return isinstance(value, str) and value.startswith(MODEL_ID_PREFIX)


def load_choice(model_id: str, engine: Engine) -> ModelChoice:
    """The stored model behind ``cm-<id>`` (a URL or a session), without any fetch; CustomModelError if none."""
    entry = load_custom_model(model_id, engine)
    spec, quant = model_of(entry)
    return ModelChoice(entry, spec, quant)


def describe_shape(spec: ModelSpec) -> str:
    """One line of the parsed shape, as the page shows it."""
    parts = [f"{spec.params_b:g}B parameters"]
    if spec.n_experts:
        parts.append(
            f"MoE {spec.n_experts} experts, {spec.n_active_experts} per token, {spec.active_params_b:g}B active"
        )
    else:
        parts.append("dense")
    parts.append(f"{spec.n_layers} layers, hidden {spec.hidden_size}")
    attn = f"{spec.n_heads} heads / {spec.n_kv_heads} KV heads, head dim {spec.head_dim}"
    if spec.kv_lora_rank:
        attn = f"MLA (kv_lora_rank {spec.kv_lora_rank}, rope dim {spec.qk_rope_head_dim})"
    parts.append(attn)
    if spec.sliding_window:
        parts.append(f"sliding window {spec.sliding_window} on {spec.sliding_window_layers} layers")
    if getattr(spec, "linear_attention_layers", None):
        parts.append(f"{spec.linear_attention_layers} linear-attention layers")
    parts.append(f"context {spec.max_context:,}")
    return "; ".join(parts)


def describe_quant(quant: QuantizationInfo, spec: ModelSpec) -> str:
    if quant.format_id:
        return f"Checkpoint is already quantized: {quant.description} (format {quant.format_id})"
    if quant.method:
        return f"Quantization config found but not mapped to a format: {quant.description}"
    return f"Not quantized (weights in {spec.native_dtype})"


def _show(choice: ModelChoice) -> None:
    e = choice.entry
    where = f"[{md_text(e.hf_repo, link_text=True)}](https://huggingface.co/{e.hf_repo})" if e.hf_repo else "upload"
    commit = f" at `{e.commit_hash[:12]}`" if e.commit_hash else ""
    st.success(f"**{md_text(choice.spec.name)}** ({where}{commit}): {md_text(describe_shape(choice.spec))}")
    st.caption(md_text(describe_quant(choice.quant, choice.spec)) + f" · stored as `{choice.model_id}`")


def _take(entry: CustomModelEntry) -> ModelChoice:
    spec, quant = model_of(entry)
    choice = ModelChoice(entry, spec, quant)
    st.session_state[SELECTED_KEY] = choice.model_id
    return choice


def _error(exc: Exception) -> None:
    if isinstance(exc, ModelConfigError):
        st.error(
            f"{md_text(exc)}\n\nThe advisor could not read this architecture's shape. "
            "Use *Custom (from parameter count)* instead, or a config.json that has these fields."
        )
    else:
        st.error(md_text(exc))


def _fetch_tab(engine: Engine, key: str) -> ModelChoice | None:
    c1, c2 = st.columns([3, 1])
    repo = c1.text_input("Hugging Face repo id", placeholder="Qwen/Qwen3-8B", key=f"{key}_repo")
    revision = c2.text_input("Revision", placeholder="main", key=f"{key}_rev")
    token = st.text_input(
        "Access token (gated repos only; used for this fetch, never stored)",
        type="password",
        key=f"{key}_token",
        help="Accept the model's license on its Hugging Face page first. The server's HF_TOKEN is used when empty.",
    )
    if not st.button("Fetch config.json", key=f"{key}_fetch"):
        return None
    if not repo.strip():
        st.error("Type a Hugging Face repo id first, such as Qwen/Qwen3-8B (owner/name).")
        return None
    try:
        with st.spinner(f"Fetching {repo.strip()}/config.json"):
            fetched = fetch_config_file(repo, revision=revision.strip() or None, token=token or None)
            quant = None
            if not fetched.config.get("quantization_config"):
                quant = fetch_quant_config(fetched.repo_id, revision=fetched.commit_hash, token=token or None)
        return _take(save_fetched(fetched, quant_config=quant, engine=engine))
    except (HubError, ModelConfigError, CustomModelError, DatabaseUnavailable) as exc:
        _error(exc)
        return None


def _upload_tab(engine: Engine, key: str) -> ModelChoice | None:
    up = st.file_uploader("config.json", type=["json"], key=f"{key}_file")
    pasted = st.text_area("…or paste its contents", height=120, key=f"{key}_paste")
    name = st.text_input("Name for this model", placeholder="my fine-tune", key=f"{key}_name")
    if not st.button("Use this config", key=f"{key}_use"):
        return None
    if up is None and not pasted.strip():
        st.error("Upload a config.json or paste its contents first.")
        return None
    try:
        if up is not None:
            if up.size > DEFAULT_MAX_BYTES:
                raise HubError(f"{up.name} is {up.size:,} bytes, over the {DEFAULT_MAX_BYTES:,}-byte limit")
            cfg = read_config_bytes(up.getvalue(), what=up.name)
        else:
            cfg = read_config_bytes(pasted, what="the pasted config.json")
        missing = missing_shape_fields(cfg)
        if missing:
            raise ModelConfigError(f"config.json: missing {', '.join(missing)}")
        label = name.strip() or str(cfg.get("_name_or_path") or "") or (up.name if up else "pasted config")
        return _take(save_custom_model(cfg, name=label, source="upload", engine=engine))
    except (ValueError, DatabaseUnavailable) as exc:
        _error(exc)
        return None


def _stored_tab(engine: Engine, key: str) -> ModelChoice | None:
    try:
        entries = list_custom_models(engine=engine)
    except DatabaseUnavailable as exc:
        st.error(md_text(exc))
        return None
    if not entries:
        st.caption("No stored models yet: fetch a repo or upload a config.json.")
        return None
    by_id = {e.model_id: e for e in entries}
    current = st.session_state.get(SELECTED_KEY)
    ids = list(by_id)
    picked = st.selectbox(
        "Stored models",
        ids,
        index=ids.index(current) if current in by_id else 0,
        format_func=lambda m: f"{by_id[m].name} ({by_id[m].source}, {by_id[m].created_at[:10]})",
        key=f"{key}_stored",
    )
    if st.button("Use this model", key=f"{key}_pick"):
        try:
            return _take(by_id[picked])
        except ModelConfigError as exc:
            _error(exc)
    return None


def model_input(engine: Engine, *, key: str = "mi") -> ModelChoice | None:
    """The component. Returns the model taken now or earlier in this session (None before any)."""
    fetch, upload, stored = st.tabs(["Hugging Face repo", "Upload / paste config.json", "Stored"])
    with fetch:
        taken = _fetch_tab(engine, key)
    with upload:
        taken = _upload_tab(engine, key) or taken
    with stored:
        taken = _stored_tab(engine, key) or taken
    if taken is None and is_custom_model_id(st.session_state.get(SELECTED_KEY)):
        try:
            taken = load_choice(st.session_state[SELECTED_KEY], engine)
        except (CustomModelError, ModelConfigError, DatabaseUnavailable) as exc:
            _error(exc)
            st.session_state.pop(SELECTED_KEY, None)
            return None
    if taken is not None:
        _show(taken)
    return taken

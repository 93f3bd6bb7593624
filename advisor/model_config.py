"""A ModelSpec from a Hugging Face ``config.json`` (pure parsing: a dict in, a ModelSpec out).

``spec_from_hf_config(cfg)`` reads the shape of dense, GQA/MQA, MoE (Mixtral, Qwen-MoE, DeepSeek,
gpt-oss, Llama 4 interleaved, Gemma 4 with its dense MLP beside the experts), MLA (DeepSeek
``kv_lora_rank`` / ``qk_rope_head_dim``, the V3.2 indexer), sliding-window and hybrid attention (Gemma
2/3/4 layer patterns and Gemma 4's wider global layers, gpt-oss ``layer_types``, Llama 4 chunked
attention), linear-attention layers (Qwen3-Next / Qwen3.5 Gated DeltaNet), Mamba-2 hybrids
(Nemotron-H ``hybrid_override_pattern``, with Nemotron 3's MoE 'E' blocks and LatentMoE),
multi-token-prediction modules and multimodal configs (the language model under ``text_config``).
``detect_quantization`` maps a ``quantization_config`` (or a ModelOpt ``hf_quant_config.json``) to a
format id of ``advisor/data/formats.toml``;
``gguf_format_from_name`` does the same for a GGUF file name (``...Q4_K_M.gguf``).

No network, no files: the fetch lives in ``modelhub/``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from advisor.models import ModelSpec, active_param_count, param_count, validate_spec


class ModelConfigError(ValueError):
    """A config.json this parser cannot turn into a shape; the message names the missing fields."""


#: config key -> the ModelSpec idea it carries; the first key present wins.
_LAYERS = ("num_hidden_layers", "n_layer", "num_layers", "n_layers")
_HIDDEN = ("hidden_size", "n_embd", "d_model", "dim")
_HEADS = ("num_attention_heads", "n_head", "num_heads", "n_heads")
_KV_HEADS = ("num_key_value_heads", "num_kv_heads", "n_kv_heads", "multi_query_group_num")
_VOCAB = ("vocab_size", "padded_vocab_size")
_INTER = ("intermediate_size", "ffn_hidden_size", "n_inner", "ffn_dim")
_EXPERTS = ("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts")
_EXPERTS_PER_TOK = (
    "num_experts_per_tok",
    "experts_per_token",
    "num_experts_per_token",
    "top_k_experts",
    "moe_topk",
    "top_k",
)
_CONTEXT = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length")

_DTYPES = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32", "half": "fp16", "float": "fp32"}


def _first(cfg: Mapping, keys: tuple[str, ...]) -> object | None:
    for key in keys:
        value = cfg.get(key)
        if value is not None:
            return value
    return None


#: No shape field of a real model comes near this (the largest vocabularies are ~10**6, widths ~10**5).
MAX_SHAPE_VALUE = 2**40


def _int(value: object) -> int | None:
    """A config integer; None when absent or not an integer; a ModelConfigError when out of any model's range."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not value.is_integer():  # NaN, Infinity and fractions are not shape values
            return None
        value = int(value) if abs(value) <= MAX_SHAPE_VALUE else MAX_SHAPE_VALUE + 1
    if not isinstance(value, int):
        return None
    if abs(value) > MAX_SHAPE_VALUE:
        raise ModelConfigError(
            f"config.json: a shape value ({str(value)[:20]}...) is above {MAX_SHAPE_VALUE:,}, beyond any model"
        )
    return value


def _per_layer(value: object, key: str) -> object:
    """A value some configs write once per layer (Hunyuan-A13B: ``moe_topk: [8, 8, ...]``): the one value when
    every layer has the same, an error naming the key when they differ (a model whose layers differ in shape is not
    costed layer by layer), the value itself when it is not a list."""
    if not isinstance(value, list):
        return value
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    distinct = set(value) if numbers else set()
    if len(distinct) != 1:
        shown = ", ".join(map(str, value[:6])) + (", ..." if len(value) > 6 else "")
        raise ModelConfigError(
            f"config.json: {key} is a per-layer list whose values differ ([{shown}]); "
            "accepted: one number, or a per-layer list with the same number in every layer"
        )
    return distinct.pop()


def _positive(value: int | None) -> int | None:
    return value if value is not None and value > 0 else None


def text_config(cfg: Mapping) -> dict:
    """The language-model part of a config: ``text_config`` (or ``llm_config``) merged over the top level."""
    if not isinstance(cfg, Mapping):
        raise ModelConfigError(f"config.json must be a JSON object, got {type(cfg).__name__}")
    merged = dict(cfg)
    for key in ("text_config", "llm_config", "language_config"):
        nested = cfg.get(key)
        if isinstance(nested, Mapping):
            merged.update(nested)
            merged.setdefault("_outer_model_type", cfg.get("model_type"))
            break
    return merged


# --------------------------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class _AttentionLayout:
    sliding_window: int | None
    sliding_window_layers: int | None
    linear_attention_layers: int | None


def _attention_layout(cfg: Mapping, n_layers: int) -> _AttentionLayout:
    layer_types = cfg.get("layer_types")
    window = _int(cfg.get("sliding_window"))
    linear = None
    sliding = None
    if isinstance(layer_types, list) and layer_types:
        kinds = [str(k) for k in layer_types]
        sliding = sum(1 for k in kinds if "sliding" in k) or None
        linear = sum(1 for k in kinds if "linear" in k) or None
    elif _int(cfg.get("full_attention_interval")):
        interval = _int(cfg.get("full_attention_interval"))
        linear = n_layers - n_layers // interval  # type: ignore[operator]
    elif window and _int(cfg.get("sliding_window_pattern")):
        # Gemma 3: every pattern-th layer is global, the others slide.
        pattern = _int(cfg.get("sliding_window_pattern"))
        sliding = n_layers - n_layers // pattern  # type: ignore[operator]
    elif window and str(cfg.get("model_type", "")).startswith("gemma2"):
        sliding = n_layers // 2  # Gemma 2 alternates local and global layers
    elif window and cfg.get("use_sliding_window") is False:
        sliding = None  # Qwen2/3 ship a window value but do not use it
    elif window and _int(cfg.get("max_window_layers")) and cfg.get("use_sliding_window"):
        sliding = max(0, n_layers - _int(cfg.get("max_window_layers"))) or None  # type: ignore[operator]
    elif window:
        sliding = n_layers  # Mistral 7B v0.1 style: every layer slides
    chunk = _int(cfg.get("attention_chunk_size"))
    if chunk and not sliding:
        # Llama 4 (iRoPE): the RoPE layers attend within chunks of attention_chunk_size tokens, so
        # they never hold more than a chunk; the NoPE layers (every 4th by default) attend globally.
        no_rope = cfg.get("no_rope_layers")
        if isinstance(no_rope, list) and len(no_rope) == n_layers:
            chunked = sum(1 for flag in no_rope if flag)  # 1 = this layer uses RoPE (chunked)
        else:
            interval = _int(cfg.get("no_rope_layer_interval")) or 4
            chunked = n_layers - n_layers // interval
        return _AttentionLayout(chunk if chunked else None, chunked or None, linear)
    if not window:
        sliding = None
    return _AttentionLayout(window if sliding else None, sliding, linear)


#: Nemotron-H ``hybrid_override_pattern``: one character per block, each block one mixer; 'E' is a MoE block
#: (Nemotron 3 Nano / Super: transformers ``NemotronHConfig`` maps it to "moe").
_NEMOTRON_BLOCKS = {"M": "mamba", "*": "attention", "-": "mlp", "E": "moe"}


@dataclass(frozen=True)
class _BlockLayout:
    """Hybrid block stacks where each block is a single mixer (Nemotron-H, Nemotron 3)."""

    attention: int
    mamba: int
    mlp: int
    moe: int = 0

    @property
    def total(self) -> int:
        return self.attention + self.mamba + self.mlp + self.moe


def _block_layout(cfg: Mapping, arch: str) -> _BlockLayout | None:
    pattern = cfg.get("hybrid_override_pattern")
    kinds: list[str] | None = None
    if isinstance(pattern, str) and pattern:
        unknown = sorted(set(pattern) - set(_NEMOTRON_BLOCKS))
        if unknown:
            raise ModelConfigError(
                f"config.json ({arch}): hybrid_override_pattern has block types {unknown} this parser does not "
                f"count; it reads {', '.join(f'{c!r} ({k})' for c, k in _NEMOTRON_BLOCKS.items())}"
            )
        kinds = [_NEMOTRON_BLOCKS[c] for c in pattern]
    elif isinstance(cfg.get("layers_block_type"), list) and cfg["layers_block_type"]:
        kinds = [str(k) for k in cfg["layers_block_type"]]
        unknown = sorted(set(kinds) - set(_NEMOTRON_BLOCKS.values()))
        if unknown:
            raise ModelConfigError(
                f"config.json ({arch}): layers_block_type has block types {unknown} this parser does not count; "
                f"it reads {', '.join(_NEMOTRON_BLOCKS.values())}"
            )
    if kinds is None:
        return None
    return _BlockLayout(kinds.count("attention"), kinds.count("mamba"), kinds.count("mlp"), kinds.count("moe"))


# --------------------------------------------------------------------------------------------- parse

_SHAPE_KEYS = {"num_hidden_layers": _LAYERS, "hidden_size": _HIDDEN, "num_attention_heads": _HEADS}
_SHAPE_KEYS["vocab_size"] = _VOCAB


def missing_shape_fields(cfg: Mapping) -> list[str]:
    """The shape fields a config lacks (each named by the first key this parser accepts)."""
    tc = text_config(cfg)

    def usable(keys: tuple[str, ...]) -> bool:
        try:
            return _int(_first(tc, keys)) is not None
        except ModelConfigError:  # out of range: as good as missing here; spec_from_hf_config says why
            return False

    return [name for name, keys in _SHAPE_KEYS.items() if not usable(keys)]


def _missing_message(arch: str, missing: list[str]) -> str:
    named = []
    for name in missing:
        others = [k for k in _SHAPE_KEYS[name] if k != name]
        named.append(f"{name} (or {', '.join(others)})" if others else name)
    return (
        f"config.json ({arch}): cannot read the model shape, missing {'; '.join(named)} as positive integers "
        "(in the top level or text_config); give the shape by hand (layers, hidden size, heads, KV heads, "
        "vocabulary) or a parameter count"
    )


def spec_from_hf_config(
    cfg: Mapping,
    *,
    model_id: str = "",
    name: str = "",
    hf_repo: str = "",
    source: str = "",
    checked: str = "",
    quant_config: Mapping | None = None,
) -> ModelSpec:
    """The ModelSpec (``custom=True``) of a Hugging Face config.json, parameters counted from the shape.

    ``quant_config`` is the repo's ``hf_quant_config.json`` when it has one (NVIDIA ModelOpt
    checkpoints describe their format there, not in config.json). Raises ModelConfigError naming
    every missing field when the shape is incomplete; the caller can then fall back to
    ``advisor.models.custom_model`` with a manual shape.
    """
    tc = text_config(cfg)
    missing = missing_shape_fields(cfg)
    archs = cfg.get("architectures")
    archs = archs if isinstance(archs, list) else [archs] if isinstance(archs, str) else []
    arch = ", ".join(str(a) for a in archs) or str(cfg.get("model_type") or "?")
    if missing:
        raise ModelConfigError(_missing_message(arch, missing))
    n_layers = _int(_first(tc, _LAYERS))
    hidden = _int(_first(tc, _HIDDEN))
    heads = _int(_first(tc, _HEADS))
    vocab = _int(_first(tc, _VOCAB))
    kv_heads = _int(_first(tc, _KV_HEADS))
    if kv_heads is None:
        kv_heads = 1 if tc.get("multi_query") else heads
    head_dim = (
        _int(tc.get("head_dim"))
        or _int(tc.get("attention_head_dim"))
        or _int(tc.get("kv_channels"))
        or (hidden // heads if heads and heads > 0 and hidden else None)
    )
    if head_dim is None:
        raise ModelConfigError(
            f"config.json ({arch}): num_attention_heads must be a positive integer (got {heads!r}) when no head_dim "
            "is given; accepted: head_dim, attention_head_dim or kv_channels, or hidden_size / num_attention_heads"
        )
    inter = _int(_first(tc, _INTER))
    model_type = str(tc.get("model_type") or tc.get("_outer_model_type") or "")

    # MLA (DeepSeek V2/V3, Kimi K2): the cache holds kv_lora_rank + qk_rope_head_dim per layer.
    kv_lora = _int(tc.get("kv_lora_rank"))
    rope_dim = _int(tc.get("qk_rope_head_dim")) if kv_lora else None
    nope_dim = _int(tc.get("qk_nope_head_dim")) if kv_lora else None
    v_dim = _int(tc.get("v_head_dim")) if kv_lora else None
    if kv_lora:
        head_dim = nope_dim or v_dim or head_dim
        kv_heads = heads
    # DeepSeek-V3.2 sparse attention: a lightning indexer per layer, with its own cached key.
    index_heads = _int(tc.get("index_n_heads")) if kv_lora else None
    index_dim = _int(tc.get("index_head_dim")) if index_heads else None

    # MoE
    n_experts = _int(_first(tc, _EXPERTS))
    per_tok_key = next((k for k in _EXPERTS_PER_TOK if tc.get(k) is not None), "")
    per_tok = _int(_per_layer(tc.get(per_tok_key), per_tok_key)) if n_experts else None
    moe_inter = _int(_per_layer(tc.get("moe_intermediate_size"), "moe_intermediate_size")) if n_experts else None
    shared = _int(tc.get("n_shared_experts")) if n_experts else None
    # Qwen3-MoE writes shared_expert_intermediate_size: 0 for "no shared expert"; Nemotron 3 writes
    # moe_shared_expert_intermediate_size beside n_shared_experts: 1.
    shared_width = (
        (_int(tc.get("shared_expert_intermediate_size")) or _int(tc.get("moe_shared_expert_intermediate_size")) or None)
        if n_experts
        else None
    )
    dense_first = _int(tc.get("first_k_dense_replace")) if n_experts else None
    if n_experts and shared is None:
        if shared_width:
            shared = 1  # Qwen2-MoE / Qwen3-Next: one always-on expert of its own width
        elif _int(tc.get("num_shared_experts")):
            shared = _int(tc.get("num_shared_experts"))
        elif tc.get("use_mixed_mlp_moe"):
            # Hunyuan-A13B: a shared MLP of intermediate_size beside the routed experts in every layer
            shared = _int(_per_layer(tc.get("num_shared_expert"), "num_shared_expert")) or None
    if n_experts and tc.get("enable_moe_block") and inter:
        # Gemma 4 MoE: every layer runs its dense MLP (intermediate_size) beside the routed experts.
        shared, shared_width = 1, inter
    if n_experts and _positive(_int(tc.get("interleave_moe_layer_step"))) and _int(tc.get("intermediate_size_mlp")):
        # Llama 4: every step-th layer is MoE (expert width intermediate_size), the rest dense.
        step = _int(tc.get("interleave_moe_layer_step"))
        moe_layers = n_layers // step  # type: ignore[operator]
        dense_first = (n_layers - moe_layers) or None  # type: ignore[operator]
        moe_inter = inter
        inter = _int(tc.get("intermediate_size_mlp"))
        shared = shared if shared is not None else 1
    if n_experts and dense_first is None and _positive(_int(tc.get("decoder_sparse_step"))) not in (None, 1):
        step = _int(tc.get("decoder_sparse_step"))
        dense_first = n_layers - n_layers // step  # type: ignore[operator]
    if n_experts and isinstance(tc.get("mlp_only_layers"), list) and tc["mlp_only_layers"]:
        dense_first = (dense_first or 0) + len(tc["mlp_only_layers"])
    if dense_first == 0:
        dense_first = None
    if n_experts and per_tok is None:
        raise ModelConfigError(
            f"config.json ({arch}): MoE with {n_experts} experts but no experts-per-token field "
            f"(reads {', '.join(_EXPERTS_PER_TOK)})"
        )

    layout = _attention_layout(tc, n_layers)  # type: ignore[arg-type]
    blocks = _block_layout(tc, arch)
    if blocks and blocks.total != n_layers:
        raise ModelConfigError(
            f"config.json ({arch}): the block pattern has {blocks.total} blocks "
            f"but num_hidden_layers is {n_layers}; they must agree"
        )
    if blocks and blocks.moe and not n_experts:
        raise ModelConfigError(
            f"config.json ({arch}): the block pattern has {blocks.moe} block(s) of type ['E'] (MoE) but no "
            f"expert count to cost them (reads {', '.join(_EXPERTS)}, with {', '.join(_EXPERTS_PER_TOK[:2])})"
        )
    if blocks and blocks.moe:
        # Nemotron 3: MoE only on the 'E' blocks, a plain MLP on the '-' blocks, none on the others. The '-'
        # blocks are counted as n_dense_layers (a count: where they sit does not change a parameter count).
        dense_first = blocks.mlp or None

    # Gated DeltaNet (Qwen3-Next, Qwen3.5): linear-attention layers with their own projection shapes.
    linear_k_heads = _int(tc.get("linear_num_key_heads")) if layout.linear_attention_layers else None
    # Qwen3-Next and Qwen3.5 full-attention layers gate their output with a second half of q_proj.
    output_gate = bool(tc.get("attn_output_gate")) or model_type.startswith("qwen3_next")

    # Gemma 3n / Gemma 4 E2B-E4B: per-layer embedding tables and layers that reuse earlier layers' KV
    # change both counts by tens of percent; no fixture checks a formula for them yet, so say so.
    unsupported = [k for k in ("hidden_size_per_layer_input", "num_kv_shared_layers") if _int(tc.get(k))]
    if unsupported:
        raise ModelConfigError(
            f"config.json ({arch}): {', '.join(unsupported)} (per-layer embeddings / KV shared across layers) "
            "are not counted by this parser yet; give the shape by hand or a parameter count"
        )
    # Gemma 4: full-attention layers have their own head width and KV heads, and may take V from K.
    global_head_dim = _int(tc.get("global_head_dim"))
    global_kv = _int(tc.get("num_global_key_value_heads")) if global_head_dim else None
    k_eq_v = bool(tc.get("attention_k_eq_v")) and bool(global_head_dim)

    # Multi-token prediction: DeepSeek stores num_nextn_predict_layers modules with their own
    # embedding and head copies; Qwen3.5's mtp_num_hidden_layers share them unless told otherwise.
    mtp = _int(tc.get("num_nextn_predict_layers"))
    mtp_dedicated = bool(mtp)
    mtp_pattern = tc.get("mtp_hybrid_override_pattern")
    mtp_note = ""
    if mtp and isinstance(mtp_pattern, str):
        # Nemotron 3 Super: each MTP module is the blocks of mtp_hybrid_override_pattern ("*E": one attention and
        # one MoE block, what mtp_param_count counts) and reuses the main embedding and output head (vLLM
        # nemotron_h_mtp loads them from backbone.embeddings / lm_head).
        mtp_dedicated = False
        if sorted(mtp_pattern) != ["*", "E"]:
            mtp_note = f"{mtp} MTP module(s) of pattern {mtp_pattern[:20]!r} not counted"
            mtp = None
    if not mtp and _int(tc.get("mtp_num_hidden_layers")):
        mtp = _int(tc.get("mtp_num_hidden_layers"))
        mtp_dedicated = bool(tc.get("mtp_use_dedicated_embeddings"))

    tied = tc.get("tie_word_embeddings")
    if tied is None:
        tied = cfg.get("tie_word_embeddings")
    if tied is None:
        tied = model_type.startswith("gemma")  # PretrainedConfig defaults to True; Gemma relies on it
    dtype = str(tc.get("torch_dtype") or tc.get("dtype") or cfg.get("torch_dtype") or "bfloat16")
    native = _DTYPES.get(dtype, "bf16")
    quant = detect_quantization(cfg.get("quantization_config") or tc.get("quantization_config") or quant_config)
    if quant.format_id:
        native = quant.format_id

    ident = model_id or (hf_repo.split("/")[-1].lower() if hf_repo else model_type or "hf-model")
    notes = [f"parsed from config.json ({arch})"]
    if layout.linear_attention_layers:
        notes.append(f"{layout.linear_attention_layers} linear-attention layers keep no KV cache")
    if blocks:
        kinds = [(blocks.mamba, "Mamba-2"), (blocks.attention, "attention"), (blocks.moe, "MoE"), (blocks.mlp, "MLP")]
        named = [f"{count} {kind}" for count, kind in kinds if count]
        notes.append(
            f"{', '.join(named[:-1])} and {named[-1]} blocks; only the attention blocks keep a KV cache"
            if len(named) > 1
            else f"{named[0]} blocks; only the attention blocks keep a KV cache"
        )
    if mtp_note:
        notes.append(mtp_note)
    if quant.description:
        notes.append(quant.description)
    spec = ModelSpec(
        id=ident,
        name=name or (hf_repo.split("/")[-1] if hf_repo else ident),
        family=model_type or "custom",
        params_b=1.0,
        active_params_b=1.0,
        n_layers=n_layers,  # type: ignore[arg-type]
        hidden_size=hidden,  # type: ignore[arg-type]
        n_heads=heads,  # type: ignore[arg-type]
        n_kv_heads=kv_heads,  # type: ignore[arg-type]
        head_dim=head_dim,
        vocab_size=vocab,  # type: ignore[arg-type]
        intermediate_size=inter,
        n_experts=n_experts,
        n_active_experts=per_tok,
        kv_lora_rank=kv_lora,
        qk_rope_head_dim=rope_dim,
        sliding_window=layout.sliding_window,
        sliding_window_layers=layout.sliding_window_layers,
        max_context=_int(_first(tc, _CONTEXT)) or 8192,
        tied_embeddings=bool(tied),
        native_dtype=native,
        source=source,
        checked=checked,
        custom=True,
        moe_intermediate_size=moe_inter,
        n_shared_experts=shared or None,
        n_dense_layers=dense_first,
        q_lora_rank=_int(tc.get("q_lora_rank")) if kv_lora else None,
        qk_nope_head_dim=nope_dim,
        v_head_dim=v_dim,
        hf_repo=hf_repo,
        linear_attention_layers=layout.linear_attention_layers,
        notes="; ".join(notes),
        attention_layers=blocks.attention if blocks else None,
        mamba_layers=(blocks.mamba or None) if blocks else None,
        mlp_layers=(blocks.mlp + blocks.moe) if blocks else None,
        # Nemotron-H's MLP is up + down with squared ReLU; every other family here is gated.
        gated_mlp=str(tc.get("mlp_hidden_act") or tc.get("hidden_act") or "") != "relu2",
        attention_output_gate=output_gate,
        global_head_dim=global_head_dim,
        global_kv_heads=global_kv,
        global_k_eq_v=k_eq_v,
        shared_expert_intermediate_size=shared_width,
        linear_key_heads=linear_k_heads,
        linear_value_heads=_int(tc.get("linear_num_value_heads")) if linear_k_heads else None,
        linear_key_head_dim=_int(tc.get("linear_key_head_dim")) if linear_k_heads else None,
        linear_value_head_dim=_int(tc.get("linear_value_head_dim")) if linear_k_heads else None,
        linear_conv_kernel=_int(tc.get("linear_conv_kernel_dim")) if linear_k_heads else None,
        ssm_heads=_int(tc.get("mamba_num_heads")) if blocks and blocks.mamba else None,
        ssm_head_dim=_int(tc.get("mamba_head_dim")) if blocks and blocks.mamba else None,
        ssm_state_size=_int(tc.get("ssm_state_size")) if blocks and blocks.mamba else None,
        ssm_groups=_int(tc.get("n_groups")) if blocks and blocks.mamba else None,
        ssm_conv_kernel=_int(tc.get("conv_kernel")) if blocks and blocks.mamba else None,
        index_n_heads=index_heads if index_dim else None,
        index_head_dim=index_dim,
        mtp_layers=mtp or None,
        mtp_dedicated_embeddings=mtp_dedicated,
        moe_latent_size=_int(tc.get("moe_latent_size")) if n_experts else None,
    )
    if blocks and blocks.mamba and not spec.ssm_heads:
        raise ModelConfigError(
            f"config.json ({arch}): {blocks.mamba} Mamba blocks but no mamba_num_heads / mamba_head_dim / "
            "ssm_state_size to count their parameters"
        )
    total = param_count(spec)
    active = active_param_count(spec) if spec.is_moe else total
    spec = replace(spec, params_b=round(total, 3), active_params_b=round(min(active, total), 3))
    problems = validate_spec(spec)
    if problems:
        raise ModelConfigError(f"config.json ({arch}): " + "; ".join(problems))
    return spec


# --------------------------------------------------------------------------------------------- quantization


@dataclass(frozen=True)
class QuantizationInfo:
    """What a checkpoint already is: a format id (None when not in formats.toml) and how it was read."""

    format_id: str | None
    method: str  # quant_method as written ("awq", "compressed-tensors", ...), "" when unquantized
    description: str


_NONE = QuantizationInfo(None, "", "")


def _bits(q: Mapping, *keys: str) -> int | None:
    for key in keys:
        value = _int(q.get(key))
        if value:
            return value
    return None


def _compressed_tensors(q: Mapping) -> QuantizationInfo:
    groups = q.get("config_groups") or {}
    fmt = str(q.get("format") or "")
    for group in groups.values() if isinstance(groups, Mapping) else []:
        if not isinstance(group, Mapping):
            continue
        w = group.get("weights") if isinstance(group.get("weights"), Mapping) else {}
        a = group.get("input_activations") if isinstance(group.get("input_activations"), Mapping) else {}
        wbits, wtype = _int(w.get("num_bits")), str(w.get("type") or "")
        abits, atype = _int(a.get("num_bits")) if a else None, str(a.get("type") or "") if a else ""
        block = w.get("block_structure")
        if fmt.startswith("nvfp4") or (wbits == 4 and wtype == "float" and _int(w.get("group_size")) == 16):
            fid = "nvfp4_w4a4" if abits == 4 else "nvfp4_w4a16"
            return QuantizationInfo(fid, "compressed-tensors", f"compressed-tensors NVFP4 ({fid})")
        if fmt.startswith("mxfp4") or (wbits == 4 and wtype == "float" and _int(w.get("group_size")) == 32):
            fid = "mxfp4_w4a4" if abits == 4 else "mxfp4_w4a16"
            return QuantizationInfo(fid, "compressed-tensors", f"compressed-tensors MXFP4 ({fid})")
        if wbits == 8 and wtype == "float":
            if block:
                return QuantizationInfo("fp8_w8a8_block", "compressed-tensors", "compressed-tensors FP8 block-scaled")
            fid = "fp8_w8a8" if abits == 8 else "fp8_w8a16"
            return QuantizationInfo(fid, "compressed-tensors", f"compressed-tensors FP8 ({fid})")
        if wbits == 8 and wtype == "int":
            fid = "int8_w8a8" if abits == 8 else "int8_w8a16"
            return QuantizationInfo(fid, "compressed-tensors", f"compressed-tensors INT8 ({fid})")
        if wbits == 4 and wtype == "int":
            fid = ("int4_w4a8_fp8" if atype == "float" else "int4_w4a8_int8") if abits == 8 else "int4_gptq_w4a16"
            return QuantizationInfo(fid, "compressed-tensors", f"compressed-tensors W4 ({fid})")
    return QuantizationInfo(None, "compressed-tensors", f"compressed-tensors scheme not recognised (format {fmt!r})")


def detect_quantization(q: Mapping | None) -> QuantizationInfo:
    """The format a ``quantization_config`` describes (format id None, with a reason, when unknown)."""
    if not q:
        return _NONE
    if not isinstance(q, Mapping):
        return QuantizationInfo(None, "", f"quantization_config is not an object: {q!r}")
    if isinstance(q.get("quantization"), Mapping):
        # hf_quant_config.json of NVIDIA ModelOpt checkpoints: {"producer": {...}, "quantization": {...}}
        producer = q.get("producer")
        name = str(producer.get("name") or "") if isinstance(producer, Mapping) else ""
        q = {"quant_method": name or "modelopt", **q["quantization"]}
    method = str(q.get("quant_method") or q.get("quant_algo") or "").lower()
    algo = str(q.get("quant_algo") or "").upper()
    bits = _bits(q, "bits", "w_bit", "num_bits", "nbits")
    if method == "awq":
        return QuantizationInfo("int4_awq_w4a16" if bits in (4, None) else None, method, f"AWQ {bits or 4}-bit")
    if method == "gptq":
        fid = {4: "int4_gptq_w4a16", 3: "int3_gptq_w3a16", 8: "int8_w8a16"}.get(bits or 4)
        return QuantizationInfo(fid, method, f"GPTQ {bits or 4}-bit")
    if method == "compressed-tensors":
        return _compressed_tensors(q)
    if method == "fp8":
        if q.get("weight_block_size"):
            return QuantizationInfo("fp8_w8a8_block", method, f"FP8 block-scaled {q.get('weight_block_size')}")
        return QuantizationInfo("fp8_w8a8", method, "FP8 per-tensor/channel")
    if method == "mxfp4":
        return QuantizationInfo("mxfp4_w4a16", method, "MXFP4 weights (gpt-oss), 16-bit activations")
    if method == "modelopt" or algo:
        table = {"FP8": "fp8_w8a8", "NVFP4": "nvfp4_w4a4", "W4A8_AWQ": "int4_w4a8_fp8", "W4A16_AWQ": "int4_awq_w4a16"}
        table["FP8_PB_WO"] = "fp8_w8a16"
        table["MXFP4"] = "mxfp4_w4a4"
        return QuantizationInfo(table.get(algo), "modelopt", f"NVIDIA ModelOpt {algo or '?'}")
    if method == "bitsandbytes":
        if q.get("load_in_4bit") or str(q.get("bnb_4bit_quant_type", "")).lower() == "nf4":
            return QuantizationInfo("bnb_nf4", method, f"bitsandbytes 4-bit {q.get('bnb_4bit_quant_type', 'nf4')}")
        if q.get("load_in_8bit"):
            return QuantizationInfo("bnb_int8", method, "bitsandbytes LLM.int8")
        return QuantizationInfo(None, method, "bitsandbytes without load_in_4bit/8bit")
    if method == "hqq":
        return QuantizationInfo("hqq_4bit" if bits in (4, None) else None, method, f"HQQ {bits or 4}-bit")
    if method == "torchao":
        qtype = q.get("quant_type")
        text = str(qtype.get("default", qtype) if isinstance(qtype, Mapping) else qtype)
        if "Int4WeightOnly" in text or "int4_weight_only" in text:
            return QuantizationInfo("int4_gptq_w4a16", method, "torchao int4 weight-only")
        if "Float8DynamicActivationFloat8Weight" in text or "float8_dynamic" in text:
            return QuantizationInfo("fp8_w8a8", method, "torchao float8 dynamic activation")
        if "Int8WeightOnly" in text or "int8_weight_only" in text:
            return QuantizationInfo("int8_w8a16", method, "torchao int8 weight-only")
        if "Int8DynamicActivationInt8Weight" in text or "int8_dynamic" in text:
            return QuantizationInfo("int8_w8a8", method, "torchao int8 dynamic activation")
        return QuantizationInfo(None, method, f"torchao {text[:80]}")
    if method in ("quark",):
        return QuantizationInfo(None, method, "AMD Quark: read the layer quant config for the scheme")
    return QuantizationInfo(None, method, f"quantization method {method or '?'} not recognised")


_GGUF_TYPES = [
    "IQ1_S",
    "IQ1_M",
    "IQ2_XXS",
    "IQ2_XS",
    "IQ2_S",
    "IQ2_M",
    "IQ3_XXS",
    "IQ3_XS",
    "IQ3_S",
    "IQ3_M",
    "IQ4_NL",
    "IQ4_XS",
    "TQ1_0",
    "TQ2_0",
    "Q2_K_S",
    "Q2_K",
    "Q3_K_S",
    "Q3_K_M",
    "Q3_K_L",
    "Q4_K_S",
    "Q4_K_M",
    "Q5_K_S",
    "Q5_K_M",
    "Q6_K",
    "Q4_0",
    "Q4_1",
    "Q5_0",
    "Q5_1",
    "Q8_0",
    "MXFP4",
]
_GGUF_16 = {"F16": "fp16", "BF16": "bf16", "F32": "fp32"}
_GGUF_RE = re.compile(
    r"(?<![A-Za-z0-9])(" + "|".join(sorted(_GGUF_TYPES + list(_GGUF_16), key=len, reverse=True)) + r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def gguf_format_from_name(filename: str) -> str | None:
    """The format id of a GGUF file name ("Llama-3.3-70B-Instruct-Q4_K_M.gguf" -> "gguf_q4_k_m"), else None.

    llama.cpp's type names: "Q4_K" alone (llama-bench prints "Q4_K - Medium") is read as Q4_K_M.
    """
    text = filename.replace("-", "_").replace(" ", "_")
    hits = _GGUF_RE.findall(text)
    if not hits:
        if re.search(r"(?<![A-Za-z0-9])Q4_K(?![A-Za-z0-9])", text, re.IGNORECASE):
            return "gguf_q4_k_m"
        return None
    token = hits[-1].upper()
    if token in _GGUF_16:
        return _GGUF_16[token]
    return "gguf_" + token.lower()

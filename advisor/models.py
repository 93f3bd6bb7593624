"""Model catalog: the shape numbers that memory and speed estimates need.

Data files: ``advisor/data/models/<id>.toml`` (one per model). ``load_models()`` reads them;
``custom_model()`` builds a spec from a parameter count or an explicit shape; ``param_count()``
recomputes the parameter count from the shape (embeddings + attention + MLP/experts).

Pure Python (tomllib only): no torch, no pydantic, no database.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent / "data" / "models"
SCHEMA_VERSION = 1


class ModelCatalogError(ValueError):
    """A model data file is missing, malformed or inconsistent; the message names the file."""


@dataclass(frozen=True)
class QuantizedRelease:
    """A quantized checkpoint the model's publisher (or a major vendor) ships."""

    format_id: str  # a format id of advisor/data/formats.toml
    repo: str  # e.g. "openai/gpt-oss-120b"
    publisher: str  # "OpenAI", "Meta", "NVIDIA", "RedHatAI", ...
    official: bool  # published by the model's own authors
    source: str  # URL
    checked: str  # ISO date
    notes: str = ""
    #: How the checkpoint is serialized: the ``quantization_config.quant_method`` of its config.json
    #: ("compressed-tensors", "modelopt", "fp8", "mxfp4", "awq", "gptq", ...), or "" when nobody has read it.
    #: Engines are matched on it (advisor/deploy.py ``release_loadable``).
    checkpoint: str = ""
    checkpoint_source: str = ""  # URL of the config.json / hf_quant_config.json it was read from


@dataclass(frozen=True)
class ModelSpec:
    id: str  # "llama-3.1-70b"
    name: str
    family: str
    params_b: float  # total parameters, billions
    active_params_b: float  # per-token active parameters (== params_b for dense models)
    n_layers: int
    hidden_size: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    vocab_size: int
    intermediate_size: int | None = None
    n_experts: int | None = None  # MoE: routed experts per layer
    n_active_experts: int | None = None  # MoE: experts used per token
    kv_lora_rank: int | None = None  # MLA (DeepSeek-V3): compressed KV width per layer
    qk_rope_head_dim: int | None = None  # MLA: decoupled RoPE key width per layer
    sliding_window: int | None = None  # tokens, for layers with local attention
    sliding_window_layers: int | None = None  # how many layers use the window
    max_context: int = 8192
    tied_embeddings: bool = False
    native_dtype: str = "bf16"  # the format the weights are published in
    releases: tuple[QuantizedRelease, ...] = field(default_factory=tuple)
    source: str = ""  # config.json / model card URL
    checked: str = ""
    custom: bool = False  # built by custom_model(), not from the catalog
    # Optional shape details (added after the contract; all default to "not applicable").
    moe_intermediate_size: int | None = None  # MoE: width of one expert's MLP (intermediate_size if None)
    n_shared_experts: int | None = None  # MoE: always-on experts per MoE layer (DeepSeek-V3: 1)
    n_dense_layers: int | None = None  # MoE: leading layers with a dense MLP (DeepSeek-V3: 3)
    q_lora_rank: int | None = None  # MLA: compressed query width
    qk_nope_head_dim: int | None = None  # MLA: per-head query/key width without RoPE
    v_head_dim: int | None = None  # MLA: per-head value width
    hf_repo: str = ""  # "meta-llama/Llama-3.1-8B-Instruct"
    aliases: tuple[str, ...] = ()  # other names benchmark files use ("Llama 3.3 70B", "llama3.3:70b")
    linear_attention_layers: int | None = None  # hybrid (Qwen3-Next): layers with linear attention, no KV cache
    notes: str = ""
    # Hybrid and per-layer-kind shape, read from config.json by advisor.model_config (all optional:
    # None / False = not applicable, so catalog files without them keep their meaning).
    attention_layers: int | None = None  # layers with softmax attention; None = n_layers - linear - mamba
    mamba_layers: int | None = None  # Mamba-2 mixer layers (Nemotron-H): fixed-size state, no KV cache
    mlp_layers: int | None = None  # layers with an MLP or MoE block; None = every layer (Nemotron-H: 54 of 118)
    gated_mlp: bool = True  # gate + up + down projections; False = up + down only (Nemotron-H squared ReLU)
    attention_output_gate: bool = False  # q_proj also emits a per-head output gate (Qwen3-Next, Qwen3.5)
    global_head_dim: int | None = None  # full-attention layers' head width where it differs (Gemma 4: 512)
    global_kv_heads: int | None = None  # full-attention layers' KV heads where they differ (Gemma 4: 2)
    global_k_eq_v: bool = False  # full-attention layers take V from the K projection, no v_proj (Gemma 4)
    shared_expert_intermediate_size: int | None = None  # MoE: width of the always-on MLP beside the experts
    linear_key_heads: int | None = None  # Gated DeltaNet (Qwen3-Next/3.5): query/key heads
    linear_value_heads: int | None = None  # Gated DeltaNet: value heads
    linear_key_head_dim: int | None = None
    linear_value_head_dim: int | None = None
    linear_conv_kernel: int | None = None  # Gated DeltaNet short convolution width
    ssm_heads: int | None = None  # Mamba-2: heads (d_inner = ssm_heads x ssm_head_dim)
    ssm_head_dim: int | None = None
    ssm_state_size: int | None = None
    ssm_groups: int | None = None  # Mamba-2: B/C groups
    ssm_conv_kernel: int | None = None
    index_n_heads: int | None = None  # DeepSeek-V3.2 sparse-attention indexer heads
    index_head_dim: int | None = None  # indexer key width, cached per token per layer next to the MLA latent
    mtp_layers: int | None = None  # multi-token-prediction modules shipped beside the main model
    mtp_dedicated_embeddings: bool = False  # each MTP module stores its own embedding and output head (DeepSeek)
    #: LatentMoE (Nemotron 3 Super): the routed experts read and write this width, between a hidden -> latent and a
    #: latent -> hidden projection per MoE layer; the router and the shared expert stay at hidden_size
    moe_latent_size: int | None = None

    @property
    def is_moe(self) -> bool:
        return bool(self.n_experts)

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank is not None


# --------------------------------------------------------------------------------------------- loading

_INT_FIELDS = (
    "n_layers",
    "hidden_size",
    "n_heads",
    "n_kv_heads",
    "head_dim",
    "vocab_size",
    "intermediate_size",
    "n_experts",
    "n_active_experts",
    "kv_lora_rank",
    "qk_rope_head_dim",
    "sliding_window",
    "sliding_window_layers",
    "max_context",
    "moe_intermediate_size",
    "n_shared_experts",
    "n_dense_layers",
    "q_lora_rank",
    "qk_nope_head_dim",
    "v_head_dim",
    "linear_attention_layers",
    "attention_layers",
    "mamba_layers",
    "mlp_layers",
    "global_head_dim",
    "global_kv_heads",
    "shared_expert_intermediate_size",
    "linear_key_heads",
    "linear_value_heads",
    "linear_key_head_dim",
    "linear_value_head_dim",
    "linear_conv_kernel",
    "ssm_heads",
    "ssm_head_dim",
    "ssm_state_size",
    "ssm_groups",
    "ssm_conv_kernel",
    "index_n_heads",
    "index_head_dim",
    "mtp_layers",
    "moe_latent_size",
)
_BOOL_FIELDS = ("tied_embeddings", "gated_mlp", "attention_output_gate", "global_k_eq_v", "mtp_dedicated_embeddings")
_REQUIRED = ("id", "name", "family", "params_b", "n_layers", "hidden_size", "n_heads", "n_kv_heads", "head_dim")
_REQUIRED += ("vocab_size", "source", "checked")
_RELEASE_FIELDS = {f.name for f in fields(QuantizedRelease)}
_SPEC_FIELDS = {f.name for f in fields(ModelSpec)} - {"releases", "custom"}


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def validate_spec(spec: ModelSpec) -> list[str]:
    """Consistency problems of one spec (empty list = valid)."""
    problems: list[str] = []
    for name in _INT_FIELDS:
        value = getattr(spec, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems.append(f"{name} must be a positive integer, got {value!r}")
    for name in _BOOL_FIELDS:
        if not isinstance(getattr(spec, name), bool):
            problems.append(f"{name} must be true or false, got {getattr(spec, name)!r}")
    for name in ("params_b", "active_params_b"):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            problems.append(f"{name} must be a positive number, got {value!r}")
    if problems:
        return problems
    if spec.n_heads % spec.n_kv_heads:
        problems.append(f"n_heads {spec.n_heads} is not a multiple of n_kv_heads {spec.n_kv_heads}")
    if spec.active_params_b > spec.params_b:
        problems.append(f"active_params_b {spec.active_params_b} exceeds params_b {spec.params_b}")
    if (spec.n_experts is None) != (spec.n_active_experts is None):
        problems.append("n_experts and n_active_experts must be given together")
    elif spec.n_experts is not None and spec.n_active_experts > spec.n_experts:  # type: ignore[operator]
        problems.append(f"n_active_experts {spec.n_active_experts} exceeds n_experts {spec.n_experts}")
    if not spec.n_experts and spec.active_params_b != spec.params_b:
        problems.append("a dense model (no n_experts) must have active_params_b == params_b")
    if spec.sliding_window_layers is not None and spec.sliding_window_layers > spec.n_layers:
        problems.append(f"sliding_window_layers {spec.sliding_window_layers} exceeds n_layers {spec.n_layers}")
    if (spec.sliding_window is None) != (spec.sliding_window_layers is None):
        problems.append("sliding_window and sliding_window_layers must be given together")
    if (spec.kv_lora_rank is None) != (spec.qk_rope_head_dim is None):
        problems.append("MLA needs both kv_lora_rank and qk_rope_head_dim")
    if spec.linear_attention_layers is not None and spec.linear_attention_layers >= spec.n_layers:
        problems.append(
            f"linear_attention_layers {spec.linear_attention_layers} must be below n_layers {spec.n_layers}"
        )
    if spec.n_dense_layers is not None and spec.n_dense_layers >= (spec.mlp_layers or spec.n_layers):
        problems.append(
            f"n_dense_layers {spec.n_dense_layers} must be below the {spec.mlp_layers or spec.n_layers} MLP layers"
        )
    if spec.mlp_layers is not None and spec.mlp_layers > spec.n_layers:
        problems.append(f"mlp_layers {spec.mlp_layers} exceeds n_layers {spec.n_layers}")
    mixers = (spec.linear_attention_layers or 0) + (spec.mamba_layers or 0)
    if mixers + (spec.attention_layers or 0) > spec.n_layers:
        problems.append(
            f"attention ({spec.attention_layers or 0}) + linear-attention ({spec.linear_attention_layers or 0}) "
            f"+ Mamba ({spec.mamba_layers or 0}) layers exceed n_layers {spec.n_layers}"
        )
    elif attention_layer_count(spec) < 1:
        problems.append("no layer has softmax attention: give attention_layers")
    if (
        spec.linear_attention_layers
        and spec.linear_key_heads
        and not all((spec.linear_value_heads, spec.linear_key_head_dim, spec.linear_value_head_dim))
    ):
        problems.append("a Gated DeltaNet shape needs linear_key/value_heads and linear_key/value_head_dim")
    if spec.moe_latent_size is not None and not spec.n_experts:
        problems.append("moe_latent_size (LatentMoE) needs n_experts")
    if spec.mamba_layers and not all((spec.ssm_heads, spec.ssm_head_dim, spec.ssm_state_size)):
        problems.append("mamba_layers needs ssm_heads, ssm_head_dim and ssm_state_size")
    if spec.index_n_heads is not None and not (spec.is_mla and spec.index_head_dim and spec.q_lora_rank):
        problems.append("a sparse-attention indexer (index_n_heads) needs MLA, q_lora_rank and index_head_dim")
    return problems


def spec_from_dict(raw: dict, origin: str = "<dict>") -> ModelSpec:
    """Build and validate a ModelSpec from a parsed TOML table; errors name ``origin``."""
    raw = dict(raw)
    raw.pop("schema_version", None)
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ModelCatalogError(f"{origin}: missing required field(s) {missing}")
    unknown = sorted(set(raw) - _SPEC_FIELDS - {"releases"})
    if unknown:
        raise ModelCatalogError(f"{origin}: unknown field(s) {unknown}")
    releases = []
    for i, rel in enumerate(raw.pop("releases", [])):
        rel = dict(rel)
        bad = sorted(set(rel) - _RELEASE_FIELDS)
        need = sorted({"format_id", "repo", "publisher", "official", "source", "checked"} - set(rel))
        if bad or need:
            raise ModelCatalogError(f"{origin}: releases[{i}]: unknown {bad}, missing {need}")
        if not isinstance(rel["official"], bool):
            raise ModelCatalogError(f"{origin}: releases[{i}].official must be true or false")
        ckpt = rel.get("checkpoint", "")
        if not isinstance(ckpt, str) or (ckpt and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", ckpt)):
            raise ModelCatalogError(
                f"{origin}: releases[{i}].checkpoint must be a quant_method token like 'compressed-tensors', "
                f"got {ckpt!r}"
            )
        if ckpt and not str(rel.get("checkpoint_source", "")).startswith("https://"):
            raise ModelCatalogError(f"{origin}: releases[{i}].checkpoint needs checkpoint_source (an https URL)")
        rel["checked"] = _iso(rel["checked"])
        releases.append(QuantizedRelease(**rel))
    raw["checked"] = _iso(raw["checked"])
    raw.setdefault("active_params_b", raw["params_b"])
    raw["aliases"] = tuple(str(a) for a in raw.get("aliases", ()))
    spec = ModelSpec(**raw, releases=tuple(releases))
    problems = validate_spec(spec)
    if problems:
        raise ModelCatalogError(f"{origin}: " + "; ".join(problems))
    return spec


def load_models(data_dir: Path = MODELS_DIR) -> dict[str, ModelSpec]:
    """Read and validate every ``<id>.toml`` under ``data_dir``; ids must equal file names."""
    models: dict[str, ModelSpec] = {}
    for path in sorted(Path(data_dir).glob("*.toml")):
        try:
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ModelCatalogError(f"{path}: not valid TOML: {exc}") from exc
        version = raw.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ModelCatalogError(f"{path}: schema_version {version!r}, this code reads {SCHEMA_VERSION}")
        spec = spec_from_dict(raw, str(path))
        if spec.id != path.stem:
            raise ModelCatalogError(f"{path}: id {spec.id!r} must equal the file name {path.stem!r}")
        models[spec.id] = spec
    return models


def default_models() -> Mapping[str, ModelSpec]:
    """The shipped model catalog (``advisor.context.default_context().models``)."""
    from advisor.context import default_context

    return default_context().models


def get_model(model_id: str) -> ModelSpec:
    """The shipped catalog's spec for ``model_id``; KeyError naming the closest ids when unknown."""
    return find_model(model_id, default_models())


def find_model(model_id: str, models: Mapping[str, ModelSpec]) -> ModelSpec:
    """The spec for ``model_id`` in ``models``; KeyError naming the closest ids when unknown."""
    key = model_id.strip().lower()
    if key in models:
        return models[key]
    close = difflib.get_close_matches(key, list(models), n=3, cutoff=0.5)
    hint = f"; closest: {', '.join(close)}" if close else f"; known: {', '.join(sorted(models))}"
    raise KeyError(f"unknown model id {model_id!r}{hint}")


# --------------------------------------------------------------------------------------------- counting
#
# Parameters are counted per layer kind, from the projection shapes each kind has:
#   softmax attention  q, k, v, o (GQA/MQA; a doubled q for an output gate; no v for K=V layers;
#                      MLA: q_a/q_b or q, kv_a, kv_b, o, plus the DeepSeek-V3.2 indexer)
#   linear attention   Gated DeltaNet: qkvz and ba input projections, a short convolution, out projection
#   Mamba-2            in_proj (x, z, B, C, dt), convolution, A/D/dt vectors, gated norm, out_proj
#   MLP                gate + up + down (or up + down), or routed experts + shared MLP + router
# plus the token embedding and the output head (one table when tied). Norms, biases and attention
# sinks are left out (< 0.1 % for every fixture in tests/fixtures/hf_configs).


def attention_layer_count(spec: ModelSpec) -> int:
    """Layers with softmax attention, the ones that keep a KV cache."""
    if spec.attention_layers is not None:
        return spec.attention_layers
    return spec.n_layers - (spec.linear_attention_layers or 0) - (spec.mamba_layers or 0)


def _sliding_layer_count(spec: ModelSpec) -> int:
    if not spec.sliding_window or not spec.sliding_window_layers:
        return 0
    return min(spec.sliding_window_layers, attention_layer_count(spec))


def attended_positions(spec: ModelSpec, positions: float) -> float:
    """Sum over the softmax-attention layers of the positions one query attends to when ``positions`` are
    visible: a full layer sees all of them, a sliding-window layer at most its window; linear-attention and
    Mamba layers keep a fixed-size state and attend to none (their cost is in the linear-layer parameters)."""
    sliding = _sliding_layer_count(spec)
    full = attention_layer_count(spec) - sliding
    return full * positions + sliding * min(positions, float(spec.sliding_window or positions))


def _mla_params(spec: ModelSpec) -> int:
    h = spec.hidden_size
    nope = spec.qk_nope_head_dim or spec.head_dim
    rope = spec.qk_rope_head_dim or 0
    v = spec.v_head_dim or spec.head_dim
    qk = spec.n_heads * (nope + rope)
    q = h * spec.q_lora_rank + spec.q_lora_rank * qk if spec.q_lora_rank else h * qk
    kv_a = h * (spec.kv_lora_rank + rope)  # type: ignore[operator]
    kv_b = spec.kv_lora_rank * spec.n_heads * (nope + v)  # type: ignore[operator]
    total = q + kv_a + kv_b + spec.n_heads * v * h
    if spec.index_n_heads and spec.index_head_dim and spec.q_lora_rank:
        # DeepSeek-V3.2 lightning indexer: wq_b (q_lora -> heads x dim), wk (hidden -> dim), weights_proj
        total += spec.q_lora_rank * spec.index_n_heads * spec.index_head_dim
        total += h * spec.index_head_dim + h * spec.index_n_heads
    return total


def _gqa_params(spec: ModelSpec, head_dim: int, kv_heads: int, *, k_eq_v: bool = False) -> int:
    h = spec.hidden_size
    q_out = spec.n_heads * head_dim
    q_proj = h * q_out * (2 if spec.attention_output_gate else 1)  # the gate doubles q_proj's output
    kv_proj = h * kv_heads * head_dim * (1 if k_eq_v else 2)
    return q_proj + kv_proj + q_out * h


def _softmax_attention_params(spec: ModelSpec) -> int:
    """All softmax-attention layers; sliding layers use the base shape, the others the global shape."""
    n_attn = attention_layer_count(spec)
    if spec.is_mla:
        return n_attn * _mla_params(spec)
    sliding = _sliding_layer_count(spec)
    full = n_attn - sliding
    full_shape = _gqa_params(
        spec,
        spec.global_head_dim or spec.head_dim,
        spec.global_kv_heads or spec.n_kv_heads,
        k_eq_v=spec.global_k_eq_v,
    )
    return sliding * _gqa_params(spec, spec.head_dim, spec.n_kv_heads) + full * full_shape


def _linear_attention_params(spec: ModelSpec) -> int:
    """One Gated DeltaNet layer (Qwen3-Next / Qwen3.5); the GQA shape when the config gave no linear shape."""
    if not spec.linear_key_heads:
        return _gqa_params(spec, spec.head_dim, spec.n_kv_heads)
    h = spec.hidden_size
    key_dim = spec.linear_key_heads * (spec.linear_key_head_dim or 0)
    value_dim = (spec.linear_value_heads or 0) * (spec.linear_value_head_dim or 0)
    v_heads = spec.linear_value_heads or 0
    in_proj = h * (2 * key_dim + 2 * value_dim) + h * 2 * v_heads  # q, k, v, z and the b, a gates
    conv = (2 * key_dim + value_dim) * (spec.linear_conv_kernel or 4)
    return in_proj + conv + 2 * v_heads + (spec.linear_value_head_dim or 0) + value_dim * h


def _mamba_params(spec: ModelSpec) -> int:
    """One Mamba-2 mixer (Nemotron-H): in_proj to x, z, B, C and dt, the convolution over x, B, C, out_proj."""
    h = spec.hidden_size
    heads = spec.ssm_heads or 0
    d_inner = heads * (spec.ssm_head_dim or 0)
    conv_dim = d_inner + 2 * (spec.ssm_groups or 1) * (spec.ssm_state_size or 0)
    in_proj = h * (d_inner + conv_dim + heads)
    conv = conv_dim * (spec.ssm_conv_kernel or 4) + conv_dim
    return in_proj + conv + 3 * heads + d_inner + d_inner * h


def _mlp_params(spec: ModelSpec, width: int) -> int:
    """A gated (SwiGLU/GeGLU) MLP: gate, up and down; a plain one (squared ReLU): up and down."""
    return (3 if spec.gated_mlp else 2) * spec.hidden_size * width


def _dense_width(spec: ModelSpec) -> int:
    return spec.intermediate_size or 4 * spec.hidden_size


def _expert_width(spec: ModelSpec) -> int:
    return spec.moe_intermediate_size or spec.intermediate_size or 4 * spec.hidden_size


def _shared_mlp_params(spec: ModelSpec) -> int:
    """The always-on part of a MoE block: shared experts, or one shared MLP of its own width."""
    n_shared = spec.n_shared_experts or (1 if spec.shared_expert_intermediate_size else 0)
    width = spec.shared_expert_intermediate_size or _expert_width(spec)
    return n_shared * _mlp_params(spec, width)


def _moe_block_params(spec: ModelSpec, experts: int) -> int:
    """One MoE block counting ``experts`` routed experts, plus the shared MLP and the router over all of them.

    Under LatentMoE (``moe_latent_size``) the experts work at the latent width and the block adds its two
    latent projections (transformers ``NemotronHMoE``: fc1_latent_proj hidden -> latent, fc2 back).
    """
    h = spec.hidden_size
    latent = spec.moe_latent_size
    expert = (3 if spec.gated_mlp else 2) * (latent or h) * _expert_width(spec)
    projections = 2 * h * latent if latent else 0
    return experts * expert + projections + _shared_mlp_params(spec) + h * (spec.n_experts or 0)


def _mixer_params(spec: ModelSpec) -> int:
    """Every token mixer: softmax attention, linear attention and Mamba layers."""
    total = _softmax_attention_params(spec)
    total += (spec.linear_attention_layers or 0) * _linear_attention_params(spec)
    total += (spec.mamba_layers or 0) * _mamba_params(spec)
    return total


def _mlp_layer_split(spec: ModelSpec) -> tuple[int, int]:
    """(dense MLP layers, MoE layers)."""
    mlp_layers = spec.mlp_layers if spec.mlp_layers is not None else spec.n_layers
    if not spec.is_moe:
        return mlp_layers, 0
    dense = spec.n_dense_layers or 0
    return dense, mlp_layers - dense


def param_count(spec: ModelSpec) -> float:
    """Total parameters of the main model in billions, computed from the shape.

    Counts the token embedding, the output head (unless tied), every layer's token mixer (softmax
    attention of each layer kind, Gated DeltaNet or Mamba-2) and its MLP: a dense gated MLP, or for
    MoE layers every routed expert, the shared expert(s) and the router. Multi-token-prediction
    modules are counted apart (``mtp_param_count``), vision encoders not at all. Norms and biases are
    left out (< 0.1 %).
    """
    embed = spec.vocab_size * spec.hidden_size * (1 if spec.tied_embeddings else 2)
    dense, moe = _mlp_layer_split(spec)
    mlp = dense * _mlp_params(spec, _dense_width(spec))
    if moe:
        mlp += moe * _moe_block_params(spec, spec.n_experts or 0)
    return (embed + _mixer_params(spec) + mlp) / 1e9


def mtp_param_count(spec: ModelSpec) -> float:
    """Parameters of the multi-token-prediction modules in billions (0 without them).

    One module is a projection of [embedding; hidden] (2 x hidden -> hidden) and one decoder layer of
    the model's full-attention kind with its MLP/MoE block; DeepSeek checkpoints also store an
    embedding table and output head per module (``mtp_dedicated_embeddings``), which is how V3's
    14B MTP module weights add up.
    """
    if not spec.mtp_layers:
        return 0.0
    h = spec.hidden_size
    if spec.is_mla:
        attn = _mla_params(spec)
    else:
        attn = _gqa_params(
            spec,
            spec.global_head_dim or spec.head_dim,
            spec.global_kv_heads or spec.n_kv_heads,
            k_eq_v=spec.global_k_eq_v,
        )
    mlp = _moe_block_params(spec, spec.n_experts or 0) if spec.is_moe else _mlp_params(spec, _dense_width(spec))
    per_module = 2 * h * h + attn + mlp
    if spec.mtp_dedicated_embeddings:
        per_module += 2 * spec.vocab_size * h
    return spec.mtp_layers * per_module / 1e9


def active_param_count(spec: ModelSpec, *, count_input_embedding: bool = False) -> float:
    """Parameters used per token in billions, from the shape.

    Dense models: ``param_count(spec)`` (publishers quote active == total). MoE models: the routed
    experts a token uses, the shared expert(s), every token mixer, the routers and the output head.
    The input embedding is a row lookup, not a matmul, so it is left out unless
    ``count_input_embedding``: OpenAI counts gpt-oss that way ("Unembedding parameters are counted
    towards active, but not embeddings", gpt-oss model card, Table 1), while the Qwen3 and Llama 4
    active figures include the table.
    """
    if not spec.is_moe:
        return param_count(spec)
    table = spec.vocab_size * spec.hidden_size
    total = table  # the output head (the tied table when tied: still one matmul per token)
    if count_input_embedding and not spec.tied_embeddings:
        total += table
    total += _mixer_params(spec)
    dense, moe = _mlp_layer_split(spec)
    total += dense * _mlp_params(spec, _dense_width(spec))
    total += moe * _moe_block_params(spec, spec.n_active_experts or 0)
    return total / 1e9


# --------------------------------------------------------------------------------------------- custom

_DEFAULT_VOCAB = 128256  # Llama-3 tokenizer
_HEAD_DIM = 128


def _round_to(value: float, step: int) -> int:
    return max(step, int(round(value / step)) * step)


def _default_kv_heads(n_heads: int) -> int:
    for kv in (8, 4, 2, 1):
        if n_heads % kv == 0 and n_heads >= kv:
            return kv
    return 1


#: The active-parameter part of a mixture-of-experts size label, as llama.cpp prints it ("deepseek2 30B.A3B Q8_0",
#: "nemotron_h_moe 31B.A3.5B") and as model names spell it ("Qwen3-30B-A3B", "Hunyuan-A13B"): ``A<active>B`` right after
#: the total and a separator, or on its own as a word.
_ACTIVE_LABEL = re.compile(r"(?:(?<![\w.])|(?<=\dB[.\-_ ]))A(\d+(?:\.\d+)?)B(?![\w.])", re.I)


def active_params_from_label(text: str | None, params_b: float | None = None) -> float | None:
    """The active parameters (billions) that a model's size label states, or None: "30B.A3B" -> 3.0,
    "Hunyuan-A13B" -> 13.0. With ``params_b`` (the total) an active count that is not below it is refused (None):
    a label is trusted only where it describes a mixture of experts."""
    if not text:
        return None
    found = _ACTIVE_LABEL.search(text)
    if found is None:
        return None
    active = float(found.group(1))
    if not active > 0 or (params_b is not None and active >= params_b):
        return None
    return active


def custom_model(
    params_b: float | None = None,
    *,
    n_layers: int | None = None,
    hidden_size: int | None = None,
    n_heads: int | None = None,
    n_kv_heads: int | None = None,
    head_dim: int | None = None,
    vocab_size: int | None = None,
    intermediate_size: int | None = None,
    n_experts: int | None = None,
    n_active_experts: int | None = None,
    active_params_b: float | None = None,
    max_context: int = 131072,
    tied_embeddings: bool = False,
    native_dtype: str = "bf16",
    name: str = "custom",
) -> ModelSpec:
    """A spec for a model outside the catalog, from a parameter count alone or an explicit shape.

    From ``params_b`` alone the shape follows a Llama-3-like rule (documented so users can check it):
    head_dim 128; GQA with 8 KV heads; vocabulary 128,256 (untied); gated MLP with
    ``intermediate = 3.5 x hidden`` rounded to 256; an aspect ratio of ``hidden / n_layers ~= 128``
    (Llama-3.1 8B: 4096/32, 405B: 16384/126). ``hidden`` is solved from
    ``params = 13/128 * hidden^3 + 2 * vocab * hidden`` and rounded to a multiple of 1024 (512 below
    3072) so the head count is a multiple of 8; then ``n_layers`` is the integer that brings
    ``param_count()`` closest to ``params_b``. 8B comes out as 32 x 4096 (Llama-3.1-8B exactly),
    70B as 63 x 9216, 405B as 135 x 15360 (all within 1 % of the asked count).

    With ``n_layers`` and ``hidden_size`` given, the rest defaults the same way and ``params_b``
    (if not given) is computed from the shape. ``active_params_b`` marks an MoE model whose shape
    is unknown: memory uses ``params_b``, per-token cost uses ``active_params_b``.
    """
    if params_b is None and (n_layers is None or hidden_size is None):
        raise ValueError("custom_model needs params_b or both n_layers and hidden_size")
    if params_b is not None and not params_b > 0:
        raise ValueError(f"params_b must be positive, got {params_b!r}")
    vocab = vocab_size or _DEFAULT_VOCAB
    if hidden_size is None:
        # Solve 13/128 * h^3 + 2 * vocab * h = params (13 h^2 per layer: 2.5 h^2 attention with
        # GQA 1/4 + 10.5 h^2 MLP; n_layers = h / 128), then round h.
        target = params_b * 1e9  # type: ignore[operator]
        lo, hi = 64.0, 65536.0
        for _ in range(100):
            mid = (lo + hi) / 2
            if 13 / 128 * mid**3 + 2 * vocab * mid < target:
                lo = mid
            else:
                hi = mid
        hidden_size = _round_to(lo, 1024) if lo >= 3072 else _round_to(lo, 512)
    hd = head_dim or (_HEAD_DIM if hidden_size % _HEAD_DIM == 0 else max(1, hidden_size // 32))
    heads = n_heads or max(1, hidden_size // hd)
    kv_heads = n_kv_heads or _default_kv_heads(heads)
    inter = intermediate_size or _round_to(3.5 * hidden_size, 256)
    base = ModelSpec(
        id=name.lower().replace(" ", "-"),
        name=name,
        family="custom",
        params_b=1.0,
        active_params_b=1.0,
        n_layers=n_layers or 1,
        hidden_size=hidden_size,
        n_heads=heads,
        n_kv_heads=kv_heads,
        head_dim=hd,
        vocab_size=vocab,
        intermediate_size=inter,
        n_experts=n_experts,
        n_active_experts=n_active_experts,
        max_context=max_context,
        tied_embeddings=tied_embeddings,
        native_dtype=native_dtype,
        custom=True,
        notes="shape derived by custom_model()" if n_layers is None else "explicit shape",
    )
    if n_layers is None:
        per_layer = param_count(replace(base, n_layers=2)) - param_count(base)
        fixed = param_count(base) - per_layer
        n_layers = max(1, round((params_b - fixed) / per_layer))  # type: ignore[operator]
        base = replace(base, n_layers=n_layers)
    total = params_b if params_b is not None else param_count(base)
    active = active_params_b if active_params_b is not None else total
    if not n_experts and active != total:
        # An MoE given only by counts: record it as MoE-like without an expert shape.
        base = replace(base, notes=base.notes + "; MoE by parameter counts only")
    spec = replace(base, params_b=float(total), active_params_b=float(min(active, total)))
    problems = [p for p in validate_spec(spec) if not p.startswith("a dense model")]
    if problems:
        raise ValueError("custom_model: " + "; ".join(problems))
    return spec


def kv_bytes_per_token(spec: ModelSpec, bytes_per_element: float = 2.0, context_tokens: int | None = None) -> float:
    """KV-cache bytes one token adds (all layers), honouring MLA, sliding-window and hybrid layers.

    Only softmax-attention layers cache (``attention_layer_count``): Gated DeltaNet and Mamba-2 layers
    keep a fixed-size state instead. MLA caches ``kv_lora_rank + qk_rope_head_dim`` values per layer
    (plus the DeepSeek-V3.2 indexer key, ``index_head_dim``); GQA caches ``2 x n_kv_heads x head_dim``,
    with the global shape on full-attention layers (Gemma 4: K and V are both cached even where V
    comes from the K projection, since K is normed and rotated and V is not). With ``context_tokens``
    beyond the window, sliding-window (and Llama 4 chunked) layers contribute only ``window / context``
    of a full layer on average.
    """
    n_attn = attention_layer_count(spec)
    if spec.is_mla:
        per_layer = float(spec.kv_lora_rank + spec.qk_rope_head_dim + (spec.index_head_dim or 0))  # type: ignore[operator]
        return per_layer * n_attn * bytes_per_element
    sliding = _sliding_layer_count(spec)
    full = n_attn - sliding
    per_sliding = 2.0 * spec.n_kv_heads * spec.head_dim
    per_full = 2.0 * (spec.global_kv_heads or spec.n_kv_heads) * (spec.global_head_dim or spec.head_dim)
    share = 1.0
    if sliding and context_tokens and context_tokens > spec.sliding_window:  # type: ignore[operator]
        share = spec.sliding_window / context_tokens  # type: ignore[operator]
    return (sliding * per_sliding * share + full * per_full) * bytes_per_element

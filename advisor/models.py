"""Model catalog: the shape numbers that memory and speed estimates need.

Data files: ``advisor/data/models/<id>.toml`` (one per model). ``load_models()`` reads them;
``custom_model()`` builds a spec from a parameter count or an explicit shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QuantizedRelease:
    """A quantized checkpoint the model's publisher (or a major vendor) ships."""

    format_id: str  # a format id of advisor/data/formats.toml
    repo: str  # e.g. "openai/gpt-oss-120b"
    publisher: str  # "OpenAI", "Meta", "NVIDIA", "RedHatAI", ...
    official: bool  # published by the model's own authors
    source: str  # URL
    checked: str  # ISO date


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
